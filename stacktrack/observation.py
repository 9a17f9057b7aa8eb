"""What a plugin returns: the observation models (``Observation``, ``AppUsage``, ``Account``, ...).

Re-exported by ``stacktrack.plugin_api``, the plugins' one public import. Kept apart from the HTTP
side of the plugin contract so the commands that only read the database (``report``, ``export``,
the TUI) load these models without importing httpx (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

MAX_COUNT = 2**53 - 1
"""The largest count the core accepts (exact in a double, fits SQLite's 64-bit integers): a vendor
reporting ``seatCount = 2**70`` gets its source failed as a bad response, not the whole run."""

Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""A non-negative count a vendor reported (seats, users, events, days)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without control characters (terminal escapes, bidi overrides); tab and LF stay.

    Vendor strings (app and user names, notes, error text) reach terminals through the report, the
    TUI and stderr: an ``ESC [`` sequence in an app name must not repaint the screen.
    """
    return text if text.isprintable() else _CONTROL.sub("", text)


def _printable_or_none(value: str | None) -> str | None:
    return None if value is None else printable(value)


class Capability(StrEnum):
    """What a plugin can observe; shown by ``stacktrack plugins``."""

    SEATS = "seats"  # purchased seat counts
    ACCOUNTS = "accounts"  # assigned users
    ACTIVITY = "activity"  # per-user last activity
    FEATURES = "features"  # feature usage
    INTEGRATIONS = "integrations"  # connected apps / data flows


class AccountStatus(StrEnum):
    ACTIVE = "active"
    INVITED = "invited"  # holds a seat, has not accepted yet
    SUSPENDED = "suspended"
    DEACTIVATED = "deactivated"


class ActivityKind(StrEnum):
    LOGIN = "login"  # an interactive sign-in to the vendor itself
    SSO = "sso"  # an identity provider's sign-in into the app
    FEATURE = "feature"  # a product event (message sent, report run, ...)
    API = "api"  # the vendor's own "last access" stamp of unspecified kind


class _Model(BaseModel):
    # Core observation models are strict: a plugin that invents a field fails loudly in tests.
    # defer_build: the validators are built on first validation, not at import; the reading
    # commands make Account/AppUsage/Observation with model_construct from stored rows and never
    # need theirs (start-up time, docs/benchmarks.md).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware (use UTC)")
    return value.astimezone(dt.UTC) if value is not None else None


class Account(_Model):
    """One user account as a source sees it for one app."""

    id: str
    """The vendor's id for the account (or the e-mail when the vendor has no other)."""
    email: str | None = None
    """Lowercased e-mail; users are merged across sources by it (docs/methodology.md)."""
    name: str | None = None
    status: AccountStatus = AccountStatus.ACTIVE
    assigned: bool = True
    """Holds a seat / an app assignment. Suspended and deactivated accounts never count as assigned."""
    guest: bool = False
    last_active: dt.datetime | None = None
    """Latest activity the source has on record; ``None`` = none on record (within the horizon)."""
    activity_kind: ActivityKind | None = None

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        value = (value or "").strip().lower()
        if "\x00" in value:
            raise ValueError("an e-mail address cannot contain a NUL character")
        return printable(value) or None

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _printable_or_none(value)

    @field_validator("last_active")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)


class FeatureUsage(_Model):
    """Use of one paid feature or add-on, as one source sees it (docs/methodology.md, features).

    Every count is ``None`` when the source cannot tell, never 0.
    """

    feature: str
    """The catalog's feature key when the plugin knows it (``"workflows"``), else the vendor's name."""
    name: str | None = None
    """The vendor's own display name of the feature or licence (``"Sales Cloud Einstein"``)."""
    active_users: Count | None = None
    """Distinct users who used it within ``window_days``."""
    events: Count | None = None
    """Uses counted within ``window_days`` (emails sent, workflow runs, sessions, ...)."""
    last_used: dt.datetime | None = None
    window_days: Count | None = None
    """The period the counts cover (Salesforce's licence metrics: 30); ``None`` = the source's lookback."""
    seats_purchased: Count | None = None
    """For add-on licences that carry their own seats (permission-set, package, AI add-ons)."""
    seats_assigned: Count | None = None
    users: list[str] | None = None
    """Lowercased e-mails (or ids) of the users who used it, where the vendor names them."""
    every_user: bool | None = None
    """``True`` when the vendor counts every user's use (per-user usage reports, licence metrics);
    ``False`` when it sees only part of it (the creators an asset list names); ``None`` = not said.
    A downgrade resting on every user's use is a high-confidence one (docs/methodology.md)."""

    @field_validator("last_used")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)

    @field_validator("feature", "name")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _printable_or_none(value)


VolumeMetric: TypeAlias = Literal["mtu", "api_calls"]
"""What a plan's included volume counts: ``mtu`` = monthly tracked users, ``api_calls`` = calls
into the vendor's collection API (docs/methodology.md, "Plan volume")."""


class VolumeUsage(_Model):
    """Month-to-date use of a volume a plan includes (tracked users, API calls), as one source
    reports it. Only what the vendor reported: a metric it did not report is left out, never 0."""

    metric: VolumeMetric
    used: Count
    """The vendor's count for the usage period so far (its latest cumulative figure)."""
    period_start: dt.date | None = None
    """First day of the usage period (a calendar month for Segment)."""
    period_end: dt.date | None = None
    """Last day of the usage period."""
    as_of: dt.datetime | None = None
    """The time the vendor stamped on ``used``; ``None`` = not said."""

    @field_validator("as_of")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)

    @model_validator(mode="after")
    def _period(self) -> VolumeUsage:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


class Integration(_Model):
    """A connection between the observed app and another app, named as the vendor names it."""

    app: str
    """The other end: OAuth app name, Segment destination name, Slack app name, ..."""
    kind: str
    """Free-form evidence label: ``oauth_token``, ``destination``, ``source``, ``slack_app``, ..."""
    direction: Literal["in", "out", "both"] = "both"
    """Data flow relative to the observed app: ``in`` = the other app feeds it."""
    last_used: dt.datetime | None = None
    """``None`` = unknown; an edge of unknown last use counts as live (docs/methodology.md)."""
    use_count: Count | None = None
    """Uses the vendor counted (over the window it counts in); ``0`` with no ``last_used`` means
    "counted, none": the edge is stale (a Segment destination that delivered nothing)."""
    active_users: Count | None = None
    """Users seen using the other app through this connection (for shadow-IT listings)."""

    @field_validator("last_used")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return _aware(value)

    @field_validator("app")
    @classmethod
    def _printable(cls, value: str) -> str:
        return printable(value)


class AppUsage(_Model):
    """Everything one source saw about one app in one run."""

    app: str | None = None
    """``None`` for a vendor connector's own product; the app's label in a directory."""
    app_id: str | None = None
    aliases: list[str] = Field(default_factory=list)
    """Extra names that help match the app to a tool (Okta app key, sign-on domain, ...)."""
    seats_purchased: Count | None = None
    seats_used: Count | None = None
    """A vendor-reported used-seat count, used only when accounts are not listed."""
    active_users_reported: Count | None = None
    """A vendor- or user-reported count of users active in the window, used only when accounts are
    not listed (the ``manual`` plugin); ``None`` = not reported."""
    accounts: list[Account] | None = None
    """``None`` = this source cannot list accounts for the app (not: zero accounts)."""
    activity_known: bool = False
    """True when ``Account.last_active`` is meaningful (None then means none on record)."""
    history_horizon_days: Count | None = None
    """How far back the vendor keeps activity (HubSpot logins: 90); ``None`` = unlimited/unknown."""
    features: list[FeatureUsage] | None = None
    integrations: list[Integration] | None = None
    """``None`` = not observed; ``[]`` = observed, none found (makes a tool 'isolated')."""
    volume: list[VolumeUsage] | None = None
    """Plan volume used this period, one entry per metric the vendor reported; ``None`` = not
    observed (no endpoint answered with a figure)."""

    @field_validator("app")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return _printable_or_none(value)

    @field_validator("aliases")
    @classmethod
    def _printable_aliases(cls, value: list[str]) -> list[str]:
        return [printable(alias) for alias in value]


class Observation(_Model):
    """What one source returned in one run."""

    apps: list[AppUsage]
    notes: list[str] = Field(default_factory=list)
    """Degradations worth telling the user ("login history needs Enterprise: activity unknown")."""

    @field_validator("notes")
    @classmethod
    def _printable(cls, value: list[str]) -> list[str]:
        return [printable(note) for note in value]


_M = TypeVar("_M", bound=BaseModel)
_set = object.__setattr__


def trusted(model: type[_M], values: dict[str, Any]) -> _M:
    """``model.model_construct(**values)`` for a ``values`` that names every field, a third of the
    cost: for rows the store validated before writing them (``report`` and the TUI build one
    ``Account`` per stored account at start-up, ~3,000 on the demo). It sets the attributes
    ``model_construct`` sets; ``tests/test_startup_imports.py`` holds the two equal."""
    made = object.__new__(model)
    # in field order, as model_construct makes it: the hash and repr of a frozen model follow it
    _set(made, "__dict__", {name: values[name] for name in model.__pydantic_fields__})
    _set(made, "__pydantic_fields_set__", set(values))
    _set(made, "__pydantic_extra__", None)
    _set(made, "__pydantic_private__", None)
    return made
