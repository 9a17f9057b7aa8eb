"""Test kit for the shared conformance suite (docs/architecture.md, "Test kits") and the Segment
tests.

``sample_data()`` is a small workspace that crosses pages at the emulator's default page size: five
users (one with an empty name, one with a mixed-case e-mail), event-library sources (Javascript,
HTTP API) that are not apps, cloud-app sources (HubSpot, Salesforce) and a disabled one (Stripe),
and destinations: two instances of HubSpot, a disabled one, one fed only by the disabled Stripe
source, and one whose catalog entry has a slug but no name. The plan is priced by tracked users:
MTU rows for the last two days of the month before ``NOW``'s and for the first day of ``NOW``'s
month; the API-call rows are there too, but the emulator lists them only for a throughput plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .emulator import SegmentData, SegmentEmulator
from .plugin import SegmentPlugin

PLUGIN = SegmentPlugin
EMULATOR = SegmentEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
"""Segment reports no times; any clock works."""

WORKSPACE = "9aQ1Lj62S4bomZKLF4DPqW"


def _source(
    sid: str, name: str, product: str, categories: list[str], enabled: bool = True
) -> dict[str, Any]:
    return {
        "id": sid,
        "slug": name.lower().replace(" ", "_"),
        "name": name,
        "workspaceId": WORKSPACE,
        "enabled": enabled,
        "writeKeys": [f"wk-{sid}"],
        "metadata": {
            "id": f"cat-{product.lower().replace(' ', '-')}",
            "name": product,
            "slug": product.lower().replace(" ", "-"),
            "categories": categories,
        },
        "settings": {},
        "labels": [],
    }


def _destination(
    did: str, name: str, metadata: dict[str, Any], source_id: str, enabled: bool = True
) -> dict[str, Any]:
    return {
        "id": did,
        "name": name,
        "enabled": enabled,
        "metadata": metadata,
        "sourceId": source_id,
        "settings": {},
    }


def _catalog(name: str) -> dict[str, Any]:
    return {
        "id": f"cat-{name.lower().replace(' ', '-')}",
        "name": name,
        "slug": name.lower().replace(" ", "-"),
    }


def sample_data() -> SegmentData:
    users: list[dict[str, Any]] = [
        {"id": "i2VTJURQprNfqdwjLFPWYx", "name": "Sloth", "email": "sloth@acme.example"},
        {"id": "sgJDWk3K21k6LE3tLU9nRK", "name": "", "email": "Papi@Acme.Example"},
        {
            "id": "u3MarketingOps",
            "name": "Mo Ops",
            "email": "mo@acme.example",
            "permissions": [{"roleId": "r1", "roleName": "Workspace Owner", "resources": []}],
        },
        {"id": "u4Analyst", "name": "Ana Lyst", "email": "ana@acme.example"},
        {"id": "u5Contractor", "name": "Con Tractor", "email": "con@agency.example"},
    ]
    sources = [
        _source("srcWeb", "acme.com website", "Javascript", ["Website"]),
        _source("srcHubspot", "HubSpot CRM sync", "HubSpot", ["CRM", "Marketing Automation"]),
        _source("srcSfdc", "Salesforce prod", "Salesforce", ["CRM"]),
        _source("srcStripe", "Stripe billing", "Stripe", ["Payments"], enabled=False),
        _source("srcHttp", "backend events", "HTTP API", ["Server"]),
    ]
    destinations = [
        _destination("dHub1", "Prod HubSpot", _catalog("HubSpot"), "srcWeb"),
        _destination("dGa4", "GA4", _catalog("Google Analytics 4"), "srcWeb"),
        _destination(
            "dMailchimp", "Mailchimp (old)", _catalog("Mailchimp"), "srcWeb", enabled=False
        ),
        _destination("dAmplitude", "Amplitude", _catalog("Amplitude"), "srcStripe"),
        _destination("dSfdc", "Salesforce", _catalog("Salesforce"), "srcHttp"),
        _destination("dHub2", "Dev HubSpot", _catalog("HubSpot"), "srcHttp"),
        _destination("dBraze", "Braze push", {"id": "cat-braze", "slug": "braze"}, "srcHttp"),
    ]
    day = NOW.replace(hour=0, minute=0)
    month = NOW.date().replace(day=1)  # the usage rows follow NOW: tests move it
    deliveries = {
        # Prod HubSpot: 100 a day for ten days; Dev HubSpot delivers nothing (one HubSpot edge, live)
        "dHub1": [(day - dt.timedelta(days=d), 100) for d in range(1, 11)],
        "dGa4": [(day - dt.timedelta(days=2), 5000)],
        # Salesforce: nothing at all; Braze: only 40 days ago, outside Delivery Overview's 30 days
        "dBraze": [(day - dt.timedelta(days=40), 7)],
    }
    return SegmentData(
        users=users,
        sources=sources,
        destinations=destinations,
        deliveries=deliveries,
        volume_metric="mtu",
        mtu_days=[
            (month - dt.timedelta(days=2), _mtu(41_000, 52_000, 8_000)),
            (month - dt.timedelta(days=1), _mtu(41_500, 52_700, 8_100)),
            (month, _mtu(1_200, 3_100, 300)),
        ],
        api_call_days=[(month, 250_000)],
    )


def _mtu(identified: int, never: int, both: int) -> dict[str, int]:
    """Cumulative MTU categories: ``anonymous`` = the never identified + the later identified."""
    return {
        "identified": identified,
        "neverIdentified": never,
        "anonymousIdentified": both,
        "anonymous": never + both,
    }


TRACKED_USERS = 4_300
"""What the plugin reports as the month's tracked users so far: 1,200 identified + 3,100 never
identified on its first day (the rows before are another month; API calls are not this plan's)."""


DELIVERED = {
    # destination edge -> (events delivered in the last 30 days, last day with a delivery)
    "HubSpot": (1000, NOW.replace(hour=0, minute=0) - dt.timedelta(days=1)),
    "Google Analytics 4": (5000, NOW.replace(hour=0, minute=0) - dt.timedelta(days=2)),
    "Salesforce": (0, None),
    "braze": (0, None),
}
"""What the plugin reports for ``sample_data()``'s destinations, worked out by hand: the last two
are enabled destinations that delivered nothing (stale integrations)."""


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "segment", "token": token}


def expected_assigned(data: SegmentData) -> dict[str | None, set[str]]:
    """Every workspace user holds a seat."""
    return {None: {user["id"] for user in data.users}}
