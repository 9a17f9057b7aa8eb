"""The sandbox world as a plugin's emulator sees it: the types ``Emulator.from_world`` reads.

The sandbox (``stacktrack.sandbox``) generates a fictional company from a seed and, for each simulated
instant, hands every installed plugin's emulator a ``WorldView``: who is employed, which seats each tool
has, each seat's last activity (never after the instant), and each tool's integrations. The emulator
turns that into its vendor's JSON shapes (``Emulator.world_data``). A plugin may also bring its own
tools into the company (``Emulator.world_tools`` returning ``ToolSpec`` values): their contracts go
into the demo's config and their seats into the world.

Plugins import this module, never ``stacktrack.sandbox``: this is the whole contract between them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Literal

Mix = tuple[float, float, float, float]
"""Engagement mix: shares of assigned users who are heavy, regular, light or dormant users."""
CORE: Mix = (0.55, 0.30, 0.07, 0.08)
HEALTHY: Mix = (0.35, 0.35, 0.15, 0.15)
MIXED: Mix = (0.15, 0.35, 0.25, 0.25)
SHELFWARE: Mix = (0.0, 0.12, 0.06, 0.82)

Curve = tuple[tuple[int, float], ...]
"""Piecewise-linear factor on engagement: (days before the end date, factor); flat outside."""
FLAT: Curve = ((0, 1.0),)


@dataclass(frozen=True)
class AddonSpec:
    """A paid add-on of a contract (``[[tools.contract.addons]]`` in the demo's config)."""

    feature: str
    """Catalog feature key (docs/methodology.md, "Feature vocabulary")."""
    annual_cost: float
    seats: int | None = None


@dataclass(frozen=True)
class ContractSpec:
    annual_cost: float
    start: int
    """Days before the end date the contract started."""
    renewal: int
    """Days after the end date the contract renews."""
    notice_days: int
    seats: int | None = None
    pricing: str = "per_seat"
    currency: str = "USD"
    tier: str | None = None
    features: tuple[str, ...] | None = None
    """The entitled features (``[tools.contract] features``); ``None``: the catalog's for the tier."""
    downgrade_annual_cost: float | None = None
    addons: tuple[AddonSpec, ...] = ()
    plan_volume: int | None = None
    """The volume the plan includes per month (``[tools.contract] plan_volume``)."""
    plan_volume_metric: str | None = None
    """What ``plan_volume`` counts (``"mtu"`` or ``"api_calls"``)."""


@dataclass(frozen=True)
class FeatureSpec:
    """How a tool's people use one of its paid features (docs/sandbox.md, "Feature use").

    Users are drawn among the tool's seat holders, the most engaged first; each of their active days
    in the tool includes the feature with chance ``frequency``. An add-on (``seats``) first hands its
    seats to ``assigned`` holders and draws its users among them.
    """

    key: str
    """Catalog feature key, or the vendor's own name for it."""
    share: float = 0.0
    """Share of the tool's engaged seat holders who use it (0: nobody, an unused paid feature)."""
    count: int | None = None
    """A head count instead of a share ("bought for 50, used by 6")."""
    frequency: float = 0.5
    """Chance that a user's active day in the tool includes the feature."""
    events: int = 1
    """Uses per day of use (emails sent, workflow runs, prompts)."""
    stops: int | None = None
    """Days before the end date after which nobody uses it (tried, then abandoned)."""
    seats: int | None = None
    """An add-on's own seats (purchased)."""
    assigned: int | None = None
    """How many of those seats are handed out (default: all of them)."""
    name: str | None = None
    """The vendor's name for it (``"Sales Cloud Einstein"``), for payloads that carry one."""


@dataclass(frozen=True)
class LinkSpec:
    """An integration of a tool: an OAuth grant, a data-pipeline source or destination, a chat app."""

    app: str
    """The other end, named as the vendor names it."""
    days: int
    """Days before the end date it was created."""
    kind: str = "app"
    """Vendor-defined label (``"oauth_token"``, ``"source"``, ``"destination"``, ...)."""
    tracks_use: bool = False
    """True: the vendor records last use and a use count (used hourly up to the instant)."""
    stale_days: int | None = None
    """With ``tracks_use``: days before the end date it was last used (``None``: still in use)."""
    source: str | None = None
    """For a destination: the slug of the source it hangs off."""
    catalog_slug: str | None = None


@dataclass(frozen=True)
class ToolSpec:
    """A tool the sandbox company pays for, and how its people are meant to use it."""

    id: str
    name: str
    product: str
    """Catalog key (``stacktrack/catalog.toml``)."""
    owner: str
    contract: ContractSpec
    departments: dict[str, float]
    """Department -> share of its people who get a seat; ``"*"``: any department not listed."""
    mix: Mix = HEALTHY
    curve: Curve = FLAT
    vendor: str | None = None
    """The plugin that reports on this tool directly (its own API); the sandbox fills it in for the
    tools a plugin brings (``Emulator.world_tools``)."""
    sso_label: str | None = None
    """The app's label in the identity provider; ``None``: not behind SSO."""
    sso_aliases: tuple[str, ...] = ()
    ramp_days: int = 0
    """Seats are handed out over this many days after the start (an adoption curve)."""
    ends: int | None = None
    """Days before the end date after which nobody uses it any more."""
    cleanup: int | None = None
    """Days before the end date a seat cleanup removed every dormant seat."""
    integrates_with: tuple[str, ...] = ()
    standalone: str | None = None
    """Why the tool is meant to stand alone (config comment), or ``None``."""
    pattern: str = "healthy"
    category: str | None = None
    """The tool's category when its ``product`` is not in stacktrack's catalog."""
    capabilities: tuple[str, ...] = ()
    """Its capabilities when its ``product`` is not in stacktrack's catalog."""
    links: tuple[LinkSpec, ...] = ()
    """Integrations the vendor reports for this tool."""
    features: tuple[FeatureSpec, ...] = ()
    """How its paid features and add-ons are used (the vendor's feature-usage view)."""


@dataclass(frozen=True)
class Employee:
    key: int
    """Stable index; vendor ids are derived from it (``stable_id``)."""
    first: str
    last: str
    email: str
    department: str
    title: str
    hired: dt.datetime
    left: dt.datetime | None = None
    """From this instant on the account is suspended (the person left)."""
    never_logs_in: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def status(self, instant: dt.datetime) -> Literal["active", "suspended", "future"]:
        if self.hired > instant:
            return "future"
        if self.left is not None and self.left <= instant:
            return "suspended"
        return "active"


@dataclass(frozen=True)
class Seat:
    """A seat as of an instant."""

    employee: Employee
    assigned_at: dt.datetime
    last_active: dt.datetime | None
    """Latest activity at or before the instant; ``None``: none on record."""
    suspended: bool


@dataclass(frozen=True)
class Link:
    """An integration as of an instant (from a ``LinkSpec``)."""

    app: str
    created: dt.datetime
    last_used: dt.datetime | None
    use_count: int
    kind: str = "app"
    source: str | None = None
    catalog_slug: str | None = None


@dataclass(frozen=True)
class FeatureUser:
    """One person's use of one feature, up to the view's instant."""

    employee: Employee
    uses: tuple[dt.datetime, ...]
    """Every day of use (one time stamp per day, at or before the instant), ascending."""
    events_per_use: int = 1

    @property
    def last_used(self) -> dt.datetime | None:
        return self.uses[-1] if self.uses else None

    def days_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Days of use in ``[start, end)``."""
        return bisect.bisect_left(self.uses, end) - bisect.bisect_left(self.uses, start)

    def events_between(self, start: dt.datetime, end: dt.datetime) -> int:
        return self.days_between(start, end) * self.events_per_use


@dataclass(frozen=True)
class FeatureView:
    """One feature of a tool as of an instant: who used it when, and an add-on's seats."""

    key: str
    name: str | None
    spec: FeatureSpec
    users: list[FeatureUser]
    """Seat holders who used it at least once by the instant."""
    holders: list[Employee] = field(default_factory=list)
    """An add-on's seat holders (``[]`` for a feature that comes with every seat)."""
    seats: int | None = None
    """An add-on's purchased seats."""

    def active_users(self, start: dt.datetime, end: dt.datetime) -> int:
        return sum(1 for user in self.users if user.days_between(start, end))

    def events(self, start: dt.datetime, end: dt.datetime) -> int:
        return sum(user.events_between(start, end) for user in self.users)

    @property
    def last_used(self) -> dt.datetime | None:
        return max((u.last_used for u in self.users if u.last_used is not None), default=None)


@dataclass(frozen=True)
class AppView:
    key: str
    """Tool id, or the shadow app's label."""
    label: str | None
    """The app's label in the identity provider; ``None``: not behind SSO."""
    spec: ToolSpec | None
    """``None`` for a shadow app (no contract covers it)."""
    seats: list[Seat]
    created: dt.datetime
    links: list[Link] = field(default_factory=list)
    features: dict[str, FeatureView] = field(default_factory=dict)
    """Feature key -> its use (from ``ToolSpec.features``)."""


@dataclass(frozen=True)
class WorldView:
    """The world as of ``instant``: what every vendor API would answer then."""

    instant: dt.datetime
    company: str
    domain: str
    employees: list[Employee]
    """Everyone hired by the instant (leavers included: their accounts are suspended)."""
    apps: dict[str, AppView]
    """Tool id (or shadow app label) -> its state; tools not yet bought are absent."""
    departments: tuple[str, ...] = ()
    last_logins: dict[int, dt.datetime] = field(default_factory=dict)
    """Employee key -> latest activity in any app (what an identity provider calls last login)."""

    def suspended(self, employee: Employee) -> bool:
        return employee.status(self.instant) == "suspended"

    def last_login(self, employee: Employee) -> dt.datetime | None:
        return self.last_logins.get(employee.key)

    def seats(self, key: str) -> list[Seat]:
        """The seats of tool ``key`` (``[]`` before it was bought)."""
        app = self.apps.get(key)
        return app.seats if app else []

    def features(self, key: str) -> dict[str, FeatureView]:
        """The feature use of tool ``key`` (``{}`` before it was bought or when not modelled)."""
        app = self.apps.get(key)
        return app.features if app else {}

    def links(self, key: str, kind: str | None = None) -> list[Link]:
        """The integrations of tool ``key``, optionally of one kind."""
        app = self.apps.get(key)
        found = app.links if app else []
        return [link for link in found if kind is None or link.kind == kind]


# -- helpers for payload builders ---------------------------------------------------------------

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@functools.lru_cache(maxsize=8192)
def stable_id(prefix: str, number: int, width: int = 12) -> str:
    """A vendor-looking id that is stable for one employee or object (the same on every run)."""
    digits = []
    value = number * 7_919 + 1_000_003
    for _ in range(width):
        value, rest = divmod(value, len(_ALPHABET))
        digits.append(_ALPHABET[rest])
    return prefix + "".join(reversed(digits))


@functools.lru_cache(maxsize=65536)  # the same instants recur week after week
def iso_millis(when: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and ``Z`` (``2026-01-05T15:58:20.353Z``)."""
    if when is None:
        return None
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


def epoch(when: dt.datetime) -> int:
    """Whole seconds since 1970 (Slack's timestamps)."""
    return int(when.timestamp())


__all__ = [
    "CORE",
    "FLAT",
    "HEALTHY",
    "MIXED",
    "SHELFWARE",
    "AddonSpec",
    "AppView",
    "ContractSpec",
    "Curve",
    "Employee",
    "FeatureSpec",
    "FeatureUser",
    "FeatureView",
    "Link",
    "LinkSpec",
    "Mix",
    "Seat",
    "ToolSpec",
    "WorldView",
    "epoch",
    "iso_millis",
    "stable_id",
]
