"""The ``intercom`` plugin: the teammates (admins) of one Intercom workspace and what they did.

What it reads (docs/plugins/intercom.md has the details, limits and blind spots):

* ``GET /admins`` (one response, no paging): the teammates; ``has_inbox_seat`` marks a paid seat;
* ``GET /admins/activity_logs?created_at_after=<unix>&created_at_before=<unix>`` (paged by
  ``pages.next``): each teammate's latest successful sign-in (``admin_login_success``), use of
  outbound messages, series and the help center, and app installs and uninstalls.

Every request carries ``Intercom-Version`` (default 2.14). Regional workspaces (EU, Australia)
have their own hosts: ``region`` picks one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    AuthenticationError,
    Capability,
    CollectContext,
    FeatureUsage,
    Observation,
    Plugin,
    PluginSettings,
    get_json,
    paginate_next_url,
    parse_items,
    parse_model,
    reset_epoch_seconds,
    retry_after_seconds,
)
from stacktrack_intercom.models import ActivityLog, ActivityLogList, Admin, AdminList
from stacktrack_intercom.settings import REGIONS, IntercomSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_intercom.emulator import IntercomEmulator


ADMINS_PATH = "/admins"
LOGS_PATH = "/admins/activity_logs"

FEATURES: dict[str, tuple[str, str]] = {
    "message_state_change": ("outbound_messages", "Outbound messages"),
    "campaign_state_change": ("outbound_messages", "Outbound messages"),
    "series_creation": ("series", "Series"),
    "series_status_change": ("series", "Series"),
    "help_center_settings_change": ("help_center", "Help center"),
    "macro_creation": ("macros", "Macros"),
}
"""Activity types that show a teammate working with a feature -> (feature, display name)."""
INSTALLS = ("app_package_installation", "app_package_uninstallation")

LOGS_REFUSED = (
    "Intercom refused the admin activity log (HTTP {status}): it may need a higher plan or the "
    "'Read admins' permission. Teammates are listed; sign-ins and feature use are unknown."
)
NO_SEAT_FLAG = (
    "Intercom did not report has_inbox_seat (an older Intercom-Version?): every teammate is "
    "counted as a seat."
)


class _IntercomAuth(httpx.Auth):
    """Bearer token plus the pinned ``Intercom-Version``; the token never shows in a repr."""

    def __init__(self, token: str, version: str) -> None:
        self._token = token
        self._version = version

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        request.headers["Intercom-Version"] = self._version
        request.headers["Accept"] = "application/json"
        yield request

    def __repr__(self) -> str:
        return "<IntercomAuth ***>"


@dataclass
class _Use:
    events: int = 0
    last: dt.datetime | None = None
    admins: set[str] = field(default_factory=set)


class IntercomPlugin(Plugin[IntercomSettings]):
    name: ClassVar[str] = "intercom"
    title: ClassVar[str] = "Intercom"
    settings_model: ClassVar[type[PluginSettings]] = IntercomSettings
    default_base_url: ClassVar[str | None] = REGIONS["us"]
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY, Capability.FEATURES}
    )
    product: ClassVar[str | None] = "intercom"

    def auth(self) -> httpx.Auth | None:
        settings = self.settings
        return _IntercomAuth(settings.token.get_secret_value(), settings.intercom_version)

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        # Intercom answers 429 with X-RateLimit-Reset (a Unix time) and no Retry-After.
        if response.status_code != 429:
            return None
        return (
            retry_after_seconds(response.headers)
            or reset_epoch_seconds(response.headers.get("x-ratelimit-reset"))
            or 0.0
        )

    @classmethod
    def emulator(cls) -> type[IntercomEmulator]:
        from stacktrack_intercom.emulator import IntercomEmulator

        return IntercomEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        notes: list[str] = []
        body = await get_json(client, ADMINS_PATH, source=self.source)
        listing = parse_model(AdminList, body, source=self.source, what="the admin list")
        admins = [
            parse_model(Admin, item, source=self.source, what="an admin record")
            for item in listing.admins
            if isinstance(item, dict)
            and item.get("type", "admin") == "admin"  # older versions list teams too
        ]
        flagged = any(admin.has_inbox_seat is not None for admin in admins)
        if admins and not flagged:
            notes.append(NO_SEAT_FLAG)
        logs: list[ActivityLog] | None
        try:
            logs = await self._logs(client, ctx)
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(LOGS_REFUSED.format(status=exc.status_code))
            logs = None
        last_login: dict[str, dt.datetime] = {}
        uses: dict[str, _Use] = defaultdict(_Use)
        installs = {kind: 0 for kind in INSTALLS}
        for log in logs or []:
            who = log.performed_by.id if log.performed_by else None
            if log.activity_type == "admin_login_success" and who:
                if who not in last_login or log.created_at > last_login[who]:
                    last_login[who] = log.created_at
            elif log.activity_type in FEATURES:
                key, _ = FEATURES[log.activity_type]
                use = uses[key]
                use.events += 1
                use.last = log.created_at if use.last is None else max(use.last, log.created_at)
                if who:
                    use.admins.add(who)
            elif log.activity_type in installs:
                installs[log.activity_type] += 1
        if logs is not None and any(installs.values()):
            notes.append(
                f"Intercom's activity log shows {installs['app_package_installation']} app "
                f"installs and {installs['app_package_uninstallation']} uninstalls in the last "
                f"{ctx.lookback_days} days; it names the app only in free text, so they are not "
                "counted as integrations."
            )
        by_id = {admin.id: admin for admin in admins}
        accounts = [
            Account(
                id=admin.id,
                email=admin.email,
                name=admin.name,
                status=AccountStatus.ACTIVE,
                assigned=admin.has_inbox_seat is not False if flagged else True,
                last_active=last_login.get(admin.id),
                activity_kind=ActivityKind.LOGIN if admin.id in last_login else None,
            )
            for admin in admins
        ]
        features = None
        if logs is not None:
            features = [
                self._feature(key, name, uses.get(key), by_id, ctx)
                for key, name in _feature_names()
            ]
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    accounts=accounts,
                    activity_known=logs is not None,
                    features=features,
                    integrations=None,  # installs name the app only in free text
                )
            ],
            notes=notes,
        )

    async def _logs(self, client: httpx.AsyncClient, ctx: CollectContext) -> list[ActivityLog]:
        after = int((ctx.now - dt.timedelta(days=ctx.lookback_days)).timestamp())
        before = int(ctx.now.timestamp())
        window = {"created_at_after": str(after), "created_at_before": str(before)}
        logs: list[ActivityLog] = []
        pages = 0

        def following(body: Any) -> str | None:
            page = parse_model(ActivityLogList, body, source=self.source, what="the activity log")
            pointer = page.pages.next if page.pages else None
            if isinstance(pointer, str):
                return pointer or None
            if isinstance(pointer, dict) and pointer.get("starting_after"):
                query = httpx.QueryParams(
                    {**window, "starting_after": str(pointer["starting_after"])}
                )
                return f"{LOGS_PATH}?{query}"
            return None

        async for body in paginate_next_url(
            client, LOGS_PATH, source=self.source, next_url=following, params=window
        ):
            pages += 1
            ctx.progress(f"activity log page {pages}")
            page = parse_model(ActivityLogList, body, source=self.source, what="the activity log")
            for log in parse_items(
                ActivityLog, page.activity_logs, source=self.source, what="the activity log"
            ):
                if log.created_at <= ctx.now:
                    logs.append(log)
        return logs

    def _feature(
        self,
        key: str,
        name: str,
        use: _Use | None,
        by_id: dict[str, Admin],
        ctx: CollectContext,
    ) -> FeatureUsage:
        use = use or _Use()
        people = sorted(
            ((by_id[a].email or a).strip().lower() if a in by_id else a) for a in use.admins
        )
        return FeatureUsage(
            feature=key,
            name=name,
            active_users=len(use.admins),
            events=use.events,
            last_used=use.last,
            window_days=ctx.lookback_days,
            users=people,
        )


def _feature_names() -> list[tuple[str, str]]:
    return list(dict.fromkeys(FEATURES.values()))
