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

The names live in smaller modules and are re-exported here: the observation models
(``observation.py``), ``PluginSettings`` (``plugin_settings.py``), the paginators (``paging.py``),
the auths (``header_auth.py``, ``token_auth.py``). Those that need httpx or asyncio are imported on
first use, so loading a plugin's settings model (what ``report`` and the TUI do) imports neither.
"""

from __future__ import annotations

import datetime as dt
import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from typing_extensions import TypeVar

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.observation import (
    MAX_COUNT,
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    Capability,
    Count,
    FeatureUsage,
    Integration,
    Observation,
    VolumeMetric,
    VolumeUsage,
    printable,
)
from stacktrack.plugin_settings import PluginSettings, check_base_url

if TYPE_CHECKING:
    import httpx

    from stacktrack.concurrency import gather_first_error, run_blocking
    from stacktrack.header_auth import header_auth
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
    from stacktrack.testing.emulator import Emulator  # for tests and the sandbox, never the engine
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
        from stacktrack.header_auth import header_auth

        return header_auth("Authorization", f"Bearer {token.get_secret_value()}")

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying ``response``, or ``None`` if it is not a rate limit.

        The default understands 429 with ``Retry-After`` (seconds or HTTP date). Vendors with other
        signals (Okta ``X-Rate-Limit-Reset``, Segment ``msBeforeNext``) override it; return ``0.0``
        for "rate-limited, no hint" and the core uses exponential backoff.
        """
        if response.status_code != 429:
            return None
        from stacktrack.paging import retry_after_seconds

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


__all__ += ["MAX_COUNT", "Count", "check_base_url", "header_auth", "printable"]


# The HTTP half of the contract (paginators, auths, the concurrency helpers) is imported on first
# use: a plugin's ``settings.py`` imports this module, and the commands that only read the database
# load those settings, so importing httpx and asyncio here would put them on every start-up.
_PAGING = (
    "get_json", "has_more_cursor", "json_or_none", "paginate_body_cursor", "paginate_link_header",
    "paginate_next_url", "parse_items", "parse_model", "parse_optional", "parse_pages", "parse_time",
    "parse_vendor_time", "request_json", "reset_epoch_seconds", "retry_after_seconds",
)  # fmt: skip
_LAZY = {
    **dict.fromkeys(_PAGING, "stacktrack.paging"),
    "ClientCredentialsAuth": "stacktrack.token_auth",
    "gather_first_error": "stacktrack.concurrency",
    "run_blocking": "stacktrack.concurrency",
    "header_auth": "stacktrack.header_auth",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups find it without this function
    return value
