"""The plugin contract (docs/architecture.md): the only stacktrack module a plugin imports.

A plugin is a ``Plugin`` (or ``LocalPlugin``) subclass registered under the entry-point group
``stacktrack.plugins``. The core validates its ``settings_model``; for a ``Plugin`` it builds one
``httpx.AsyncClient`` for the source (base URL, auth from ``Plugin.auth``, timeouts, retries, rate
limiting, redaction) and awaits ``collect(client, ctx)``; a ``LocalPlugin`` (files, figures in the
config) gets no client: ``collect(ctx)``. Either returns an ``Observation``. Plugins never build
clients, never touch the database, never import the TUI.

Vocabulary: an *app* is one product as a source sees it. A vendor connector (HubSpot,
Salesforce, Slack, ...) sees one app, its own: ``AppUsage.app is None``. A directory (Okta, Google
Workspace) sees many, each named by its label there; the core matches labels to configured tools.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Literal, TypeAlias

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from typing_extensions import TypeVar

from stacktrack.concurrency import gather_first_error, run_blocking

if TYPE_CHECKING:  # a plugin's emulator is for tests and the sandbox, never the engine
    from stacktrack.testing.emulator import Emulator
from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.paging import (
    get_json,
    has_more_cursor,
    json_or_none,
    paginate_body_cursor,
    paginate_link_header,
    paginate_next_url,
    parse_items,
    parse_model,
    parse_optional,
    parse_pages,
    parse_time,
    parse_vendor_time,
    request_json,
    reset_epoch_seconds,
    retry_after_seconds,
)
from stacktrack.token_auth import ClientCredentialsAuth

__all__ = [
    "Account",
    "AccountStatus",
    "ActivityKind",
    "AnyPlugin",
    "AppUsage",
    "AuthenticationError",
    "BadResponse",
    "Capability",
    "ClientCredentialsAuth",
    "CollectContext",
    "FeatureUsage",
    "Integration",
    "LocalPlugin",
    "Observation",
    "Plugin",
    "PluginError",
    "PluginSettings",
    "RateLimitExhausted",
    "SecretStr",
    "VolumeMetric",
    "VolumeUsage",
    "gather_first_error",
    "get_json",
    "has_more_cursor",
    "json_or_none",
    "paginate_body_cursor",
    "paginate_link_header",
    "paginate_next_url",
    "parse_items",
    "parse_model",
    "parse_optional",
    "parse_pages",
    "parse_time",
    "parse_vendor_time",
    "request_json",
    "reset_epoch_seconds",
    "retry_after_seconds",
    "run_blocking",
]


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
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class PluginSettings(BaseModel):
    """Settings every source takes (docs/reference.md); plugins subclass to add their own keys."""

    model_config = ConfigDict(extra="forbid")

    plugin: str
    """The plugin name (the entry-point name)."""
    base_url: str | None = None
    """Override the vendor host (regional hosts, proxies, the sandbox). ``https://``; plain
    ``http://`` only to a loopback host, or with ``allow_insecure_http = true``."""
    allow_insecure_http: bool = False
    """Allow a plain ``http://`` base URL to a non-loopback host (the token then travels in
    cleartext: only for a proxy on a network you trust)."""
    token: SecretStr | None = None
    """API token or access token, given as ``{ env = "NAME" }`` in the config."""
    timeout_seconds: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)
    """Per-request timeout."""
    budget_seconds: float = Field(default=600.0, gt=0, le=86400, allow_inf_nan=False)
    """Time budget for the whole source in one snapshot; past it the source fails."""
    max_concurrency: int = Field(default=4, ge=1, le=64)
    """Requests in flight at once for this source."""

    @model_validator(mode="after")
    def _transport_security(self) -> PluginSettings:
        if self.base_url is not None:
            check_base_url(self.base_url, allow_insecure_http=self.allow_insecure_http)
        return self


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> None:
    """Refuse a base URL that would send credentials in cleartext (or is no HTTP URL at all)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise ValueError("base_url is not a valid URL") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError("base_url must be an https:// URL with a host")
    if parsed.scheme == "http" and not allow_insecure_http and not _is_loopback(parsed.host):
        raise ValueError(
            f"base_url uses plain http:// to {parsed.host}, which would send the token in "
            "cleartext: use https://, or set allow_insecure_http = true for a trusted proxy"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class CollectContext(BaseModel):
    """What the core tells ``collect`` about this run."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    source: str
    now: dt.datetime
    """The run's clock (simulated in the sandbox): ask vendors for activity up to here."""
    lookback_days: int = 90
    """How far back activity matters (the largest active window of the tools this source serves)."""
    config_dir: Path | None = None
    """The config file's folder: local plugins resolve relative file paths against it."""
    progress: Callable[[str], None] = Field(default=lambda _msg: None)
    """Report a short step ("users page 3") to the progress display."""


SettingsT = TypeVar("SettingsT", bound=PluginSettings, default=PluginSettings)
"""A plugin's settings model: ``class AcmePlugin(Plugin[AcmeSettings])`` types ``self.settings``."""


class _PluginBase(ABC, Generic[SettingsT]):
    """What every plugin declares, network (``Plugin``) or local (``LocalPlugin``)."""

    name: ClassVar[str]
    """Entry-point name, the ``plugin = "..."`` value."""
    title: ClassVar[str]
    """Human name of the vendor API, e.g. "Okta"."""
    settings_model: ClassVar[type[PluginSettings]] = PluginSettings
    observes: ClassVar[frozenset[Capability]] = frozenset()
    reports_many_apps: ClassVar[bool] = False
    """True for directories (Okta, Google Workspace) whose apps are matched to tools by label."""
    product: ClassVar[str | None] = None
    """Catalog key of the vendor's own product (e.g. "hubspot"), used to name integration edges."""

    def __init__(self, source: str, settings: SettingsT) -> None:
        self.source = source
        self.settings = settings

    def secrets(self) -> list[str]:
        """Secret values to redact from logs and error text (all ``SecretStr`` settings)."""
        values = []
        for field in type(self.settings).model_fields:
            value = getattr(self.settings, field)
            if isinstance(value, SecretStr) and value.get_secret_value():
                values.append(value.get_secret_value())
        return values

    @classmethod
    def emulator(cls) -> type[Emulator[Any]] | None:
        """The plugin's vendor emulator class (``stacktrack.testing.Emulator``), or ``None``.

        Import it inside the method: the snapshot engine never needs it."""
        return None


class Plugin(_PluginBase[SettingsT]):
    """Base class of a plugin that queries a vendor's API. One instance per configured source per run.

    The core builds the source's HTTP client (base URL, ``auth()``, retries, rate-limit waits) and
    hands it to ``collect``."""

    default_base_url: ClassVar[str | None] = None

    def auth(self) -> httpx.Auth | None:
        """The auth the core attaches to the client; default: Bearer ``token``."""
        token = self.settings.token
        if token is None:
            return None
        return _HeaderAuth("Authorization", f"Bearer {token.get_secret_value()}")

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying ``response``, or ``None`` if it is not a rate limit.

        The default understands 429 with ``Retry-After`` (seconds or HTTP date). Vendors with other
        signals (Okta ``X-Rate-Limit-Reset``, Segment ``msBeforeNext``) override it; return ``0.0``
        for "rate-limited, no hint" and the core uses exponential backoff.
        """
        if response.status_code != 429:
            return None
        return retry_after_seconds(response.headers) or 0.0

    @abstractmethod
    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        """Query the vendor and return what it saw. Raise ``PluginError`` subclasses on failure."""


class LocalPlugin(_PluginBase[SettingsT]):
    """Base class of a plugin that reads only local files or its own settings (``manual``, ``csv``).

    It gets no HTTP client; ``config validate`` dry-runs it, so a missing file is reported before
    the first snapshot."""

    @abstractmethod
    async def collect(self, ctx: CollectContext) -> Observation:
        """Read what the source holds. Raise ``PluginError`` subclasses (``BadResponse`` for a bad
        file) on failure; relative paths resolve against ``ctx.config_dir``."""


AnyPlugin: TypeAlias = "Plugin[Any] | LocalPlugin[Any]"
"""A plugin of either kind, as the registry and the engine hold it."""


class _HeaderAuth(httpx.Auth):
    """Sets one header. Kept private so the secret never appears in a repr."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"<HeaderAuth {self._header}: ***>"


def header_auth(header: str, value: str) -> httpx.Auth:
    """An auth that sets ``header: value`` (e.g. Okta's ``Authorization: SSWS <token>``)."""
    return _HeaderAuth(header, value)


__all__ += ["MAX_COUNT", "Count", "check_base_url", "header_auth", "printable"]
