"""The sandbox company's own martech stack: the tools it pays for that no plugin brings.

Pure data, read by ``world.py`` (who holds seats, when they are active) and ``configfile.py`` (the
``[[tools]]`` tables). Every date is an offset in days from the world's end date, so the contracts stay
near "today" of whichever simulated instant the seed picks. The tools a plugin reports on directly come
from that plugin (``Emulator.world_tools``); ``pattern`` names the realistic pattern (docs/sandbox.md)
an entry carries, so tests can find it.
"""

from __future__ import annotations

from dataclasses import dataclass

from stacktrack.testing.world import (
    CORE,
    FLAT,
    HEALTHY,
    MIXED,
    SHELFWARE,
    ContractSpec,
    Curve,
    Mix,
    ToolSpec,
)

DEPARTMENTS: tuple[tuple[str, int], ...] = (
    ("Demand Gen", 48),
    ("Content", 36),
    ("Product Marketing", 26),
    ("Design", 22),
    ("RevOps", 14),
    ("Sales", 120),
    ("Customer Success", 64),
    ("Leadership", 10),
    ("Field Marketing", 28),
    ("Brand", 16),
    ("Finance", 16),
)
"""Department names and head counts (400 people)."""

MARKETING = ("Demand Gen", "Content", "Product Marketing", "Field Marketing", "Brand")
EVERYONE = tuple(name for name, _ in DEPARTMENTS)


@dataclass(frozen=True)
class ShadowApp:
    """An app people sign into through SSO that no contract covers (shadow IT)."""

    label: str
    departments: dict[str, float]
    start: int
    mix: Mix = MIXED


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "mailchimp",
        "Mailchimp Standard",
        "mailchimp",
        "Demand Gen",
        ContractSpec(18_000, start=900, renewal=100, notice_days=30, pricing="flat"),
        {"Demand Gen": 0.75, "Content": 0.6, "Field Marketing": 0.7},
        mix=(0.45, 0.35, 0.1, 0.1),
        sso_label="Mailchimp",
        pattern="email_overlap",
    ),
    ToolSpec(
        "jasper",
        "Jasper AI Business",
        "jasper",
        "Content",
        ContractSpec(24_000, start=290, renewal=75, notice_days=30, seats=40),
        {"Content": 0.6, "Demand Gen": 0.2, "Product Marketing": 0.2},
        mix=(0.2, 0.4, 0.2, 0.2),
        curve=((290, 1.2), (220, 0.8), (150, 0.25), (90, 0.05), (0, 0.012)),
        sso_label="Jasper",
        pattern="pilot_theatre",
    ),
    ToolSpec(
        "copy_ai",
        "Copy.ai Team",
        "copy_ai",
        "Demand Gen",
        ContractSpec(14_400, start=170, renewal=195, notice_days=30, seats=25),
        {"Demand Gen": 0.35, "Content": 0.3},
        mix=(0.2, 0.4, 0.2, 0.2),
        curve=((170, 1.0), (100, 0.7), (0, 0.45)),
        sso_label="Copy.ai",
        ramp_days=30,
        pattern="pilot_theatre",
    ),
    ToolSpec(
        "canva",
        "Canva Teams",
        "canva",
        "Brand",
        ContractSpec(9_600, start=500, renewal=160, notice_days=30, seats=60, currency="EUR"),
        {"Design": 1.0, "Content": 0.6, "Brand": 0.8, "Field Marketing": 0.3},
        sso_label="Canva",
        standalone="design work happens inside the tool",
    ),
    ToolSpec(
        "figma",
        "Figma Organization",
        "figma",
        "Design",
        ContractSpec(27_000, start=640, renewal=260, notice_days=30, seats=30),
        {"Design": 1.0, "Product Marketing": 0.2},
        mix=CORE,
        sso_label="Figma",
        standalone="design files are the deliverable",
    ),
    ToolSpec(
        "semrush",
        "Semrush Guru",
        "semrush",
        "Content",
        ContractSpec(6_000, start=450, renewal=120, notice_days=30, seats=10, currency="EUR"),
        {"Content": 0.25, "Demand Gen": 0.1},
        sso_label="Semrush",
        standalone="SEO research has nothing to feed",
    ),
    ToolSpec(
        "hootsuite",
        "Hootsuite Enterprise",
        "hootsuite",
        "Brand",
        ContractSpec(42_000, start=1000, renewal=75, notice_days=30, seats=40),
        {"Brand": 0.9, "Content": 0.25, "Demand Gen": 0.1, "Field Marketing": 0.25},
        mix=SHELFWARE,
        sso_label="Hootsuite",
        pattern="shelfware",
    ),
    ToolSpec(
        "zoom",
        "Zoom Business",
        "zoom",
        "Leadership",
        ContractSpec(32_400, start=1100, renewal=280, notice_days=30, seats=180),
        {
            "Sales": 0.8,
            "Customer Success": 0.8,
            "Leadership": 1.0,
            "Field Marketing": 0.5,
            "Product Marketing": 0.3,
        },
        sso_label="Zoom",
        sso_aliases=("zoomus",),
        standalone="meetings need no data flow",
    ),
    ToolSpec(
        "gong",
        "Gong",
        "gong",
        "Sales",
        ContractSpec(76_800, start=420, renewal=310, notice_days=60, seats=60),
        {"Sales": 0.45},
        mix=CORE,
        sso_label="Gong",
    ),
    ToolSpec(
        "zoominfo",
        "ZoomInfo SalesOS",
        "zoominfo",
        "Sales",
        ContractSpec(45_000, start=560, renewal=170, notice_days=60, seats=40),
        {"Sales": 0.3, "Demand Gen": 0.1},
        sso_label="ZoomInfo",
    ),
    ToolSpec(
        "drift",
        "Drift Premium",
        "drift",
        "Demand Gen",
        ContractSpec(30_000, start=760, renewal=230, notice_days=60, pricing="flat"),
        {"Customer Success": 0.2, "Demand Gen": 0.15},
        mix=MIXED,
        sso_label="Drift",
        pattern="stale_integration",
    ),
    ToolSpec(
        "amplitude",
        "Amplitude Growth",
        "amplitude",
        "Product Marketing",
        ContractSpec(36_000, start=210, renewal=155, notice_days=30, pricing="flat"),
        {"Product Marketing": 0.8, "Demand Gen": 0.3, "RevOps": 0.5},
        curve=((210, 0.3), (120, 0.8), (0, 1.0)),
        sso_label="Amplitude",
        ramp_days=120,
        pattern="adoption",
    ),
    ToolSpec(
        "asana",
        "Asana Business",
        "asana",
        "Content",
        ContractSpec(21_600, start=880, renewal=140, notice_days=30, seats=90),
        {"Content": 0.9, "Design": 0.9, "Demand Gen": 0.5, "Brand": 0.5},
        sso_label="Asana",
        integrates_with=("slack",),
    ),
    ToolSpec(
        "notion",
        "Notion Plus",
        "notion",
        "Product Marketing",
        ContractSpec(9_000, start=240, renewal=125, notice_days=30, seats=75),
        {"Product Marketing": 0.9, "Content": 0.6, "RevOps": 0.5, "Leadership": 0.5},
        curve=((240, 0.3), (90, 0.9), (0, 1.0)),
        sso_label="Notion",
        ramp_days=100,
        integrates_with=("slack",),
        pattern="adoption",
    ),
    ToolSpec(
        "loom",
        "Loom Business",
        "loom",
        "Customer Success",
        ContractSpec(9_000, start=500, renewal=60, notice_days=30, seats=50),
        {"Customer Success": 0.4, "Sales": 0.15},
        mix=MIXED,
        sso_label="Loom",
        standalone="async video messages",
    ),
    ToolSpec(
        "calendly",
        "Calendly Teams",
        "calendly",
        "Sales",
        ContractSpec(12_000, start=520, renewal=185, notice_days=30, seats=70),
        {"Sales": 0.4, "Customer Success": 0.25},
        sso_label="Calendly",
        integrates_with=("hubspot",),
    ),
    ToolSpec(
        "vidyard",
        "Vidyard Pro",
        "vidyard",
        "Field Marketing",
        ContractSpec(15_000, start=650, renewal=90, notice_days=45, seats=25),
        {"Field Marketing": 0.5, "Sales": 0.05},
        mix=MIXED,
        ends=70,
        sso_label="Vidyard",
        integrates_with=("hubspot",),
        pattern="unused_60_days",
    ),
    ToolSpec(
        "hotjar",
        "Hotjar Business",
        "hotjar",
        "Product Marketing",
        ContractSpec(4_800, start=380, renewal=110, notice_days=30, pricing="flat", currency="EUR"),
        {"Product Marketing": 0.4, "Design": 0.3},
        mix=MIXED,
        sso_label="Hotjar",
    ),
    ToolSpec(
        "typeform",
        "Typeform Business",
        "typeform",
        "Demand Gen",
        ContractSpec(7_200, start=470, renewal=145, notice_days=30, seats=15),
        {"Demand Gen": 0.2, "Customer Success": 0.1},
        mix=MIXED,
        sso_label="Typeform",
        integrates_with=("hubspot",),
    ),
    ToolSpec(
        "wistia",
        "Wistia Plus",
        "wistia",
        "Content",
        ContractSpec(8_400, start=610, renewal=205, notice_days=30, pricing="flat"),
        {"Content": 0.3, "Brand": 0.3},
        mix=MIXED,
        sso_label="Wistia",
        integrates_with=("hubspot",),
    ),
    ToolSpec(
        "sales_navigator",
        "LinkedIn Sales Navigator",
        "linkedin_sales_navigator",
        "Sales",
        ContractSpec(38_400, start=400, renewal=215, notice_days=30, seats=40),
        {"Sales": 0.3},
        integrates_with=("salesforce",),
        pattern="no_source",
    ),
)

SHADOW_APPS: tuple[ShadowApp, ...] = (
    ShadowApp("Otter.ai", {"Sales": 0.12, "Customer Success": 0.15, "Leadership": 0.3}, start=200),
    ShadowApp("Grammarly", {"Content": 0.5, "Demand Gen": 0.3, "Brand": 0.3}, start=400),
    ShadowApp("Descript", {"Content": 0.15, "Brand": 0.2}, start=120),
)

__all__ = ["CORE", "FLAT", "HEALTHY", "MIXED", "SHELFWARE", "ContractSpec", "Curve", "ToolSpec"]
