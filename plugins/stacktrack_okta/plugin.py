"""The ``okta`` plugin: every SSO app of an Okta org, who is assigned to it and who signs in to it.

Built against docs/plugins/okta.md. Okta is a directory: it reports one ``AppUsage``
per app, labelled as the admin named it, and the core matches labels to tools. It reads:

* ``GET /api/v1/apps`` (Link paging): the app instances. ``INACTIVE`` apps are skipped: nobody can
  sign in to them, so they say nothing about use. ``licensing.seatCount`` becomes ``seats_purchased``:
  it is an optional number an admin typed in, not the vendor's contract, and a contract's ``seats`` in
  the config always wins over it (docs/methodology.md).
* ``GET /api/v1/apps/{id}/users?expand=user`` (Link paging), one listing per app, concurrently: the
  assignments. Only assignment statuses that mean the user holds access count as assigned (the
  ``assigned_statuses`` setting); a suspended or deprovisioned Okta user never does, whatever the
  assignment says. ``expand=user`` embeds the user, which gives the e-mail and the user's own status.
* ``GET /api/v1/logs`` (Link paging) with ``filter=eventType eq "user.authentication.sso"`` and
  ``since``/``until`` = the run's window: each event's ``AppInstance`` target names the app and its
  ``actor`` the user. Only ``outcome.result == "SUCCESS"`` is a sign-in; failures are not activity.
  The outcome is checked here rather than in the filter, so a proxy or an org that ignores part of the
  filter cannot turn failed sign-ins into activity. Okta keeps 90 days of System Log and refuses a
  ``since`` more than 180 days back, so the window never reaches past 90 days: a tool whose active
  window is longer gets a note and ``history_horizon_days = 90``, not a failed source.

What a successful ``user.authentication.sso`` means: Okta issued the sign-on to the app; Okta cannot
see whether the app then let the user in. It is the closest record of use an IdP has.

Feature usage: none. Okta has no API for which features of an app (or of Okta) anyone uses; the
plugin reports ``features=None`` (not observed) for every app.

Users who signed in during the window but are no longer assigned are reported with ``assigned=False``:
they were active, and leaving them out would undercount active users.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import functools
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, TypeAdapter

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    Capability,
    CollectContext,
    Observation,
    Plugin,
    gather_first_error,
    header_auth,
    paginate_link_header,
    parse_vendor_time,
)
from stacktrack_okta.settings import OktaSettings

from .models import Application, AppUser, LogEvent

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_okta.emulator import OktaEmulator


_M = TypeVar("_M", bound=BaseModel)

SSO_EVENT = "user.authentication.sso"

LOG_RETENTION_DAYS = 90
"""Okta keeps 90 days of System Log (and refuses a ``since`` more than 180 days back)."""


_SUSPENDED_APP = frozenset({"SUSPENDED"})
_ENDED_APP = frozenset({"DEPROVISIONED", "INACTIVE", "UNASSIGNED", "REVOKED"})
_PENDING_APP = frozenset({"STAGED", "PENDING", "APPROVED", "IMPORTED", "MATCHED"})
_SUSPENDED_USER = frozenset({"SUSPENDED"})
_ENDED_USER = frozenset({"DEPROVISIONED"})
_PENDING_USER = frozenset({"STAGED", "PROVISIONED"})  # created, not yet activated


class OktaPlugin(Plugin[OktaSettings]):
    name = "okta"
    title = "Okta"
    settings_model = OktaSettings
    default_base_url = None
    observes = frozenset({Capability.SEATS, Capability.ACCOUNTS, Capability.ACTIVITY})
    reports_many_apps = True
    product = "okta"

    @classmethod
    def emulator(cls) -> type[OktaEmulator]:
        from .emulator import OktaEmulator

        return OktaEmulator

    def auth(self) -> httpx.Auth | None:
        return header_auth("Authorization", f"SSWS {self.settings.token.get_secret_value()}")

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """429: wait until ``X-Rate-Limit-Reset`` (epoch seconds) measured on the server's ``Date``.

        As Okta's own SDK does: the server's clock, not ours (they may differ), plus one second, and
        the smallest value when several reset headers come back. No header: back off exponentially.
        """
        from stacktrack.plugin_api import reset_epoch_seconds

        if response.status_code != 429:
            return None
        resets = [
            value.strip()
            for header in response.headers.get_list("x-rate-limit-reset")
            for value in header.split(",")
        ]
        server_now = _server_time(response.headers.get("date"))
        waits = [
            w
            for w in (reset_epoch_seconds(value, now=server_now) for value in resets)
            if w is not None
        ]
        if not waits:
            return 0.0
        return min(waits) + 1.0

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        apps_task = self._apps(client, ctx)
        logins_task = self._sso_logins(client, ctx)
        apps, logins = await gather_first_error(apps_task, logins_task)
        assignments = await gather_first_error(
            *(self._assignments(client, ctx, app) for app in apps)
        )
        usages = [
            self._usage(app, users, logins.get(app.id, {}), ctx)
            for app, users in zip(apps, assignments, strict=True)
        ]
        notes = []
        if ctx.lookback_days > LOG_RETENTION_DAYS:
            notes.append(
                f"Okta keeps {LOG_RETENTION_DAYS} days of System Log: sign-ins older than that "
                f"are unknown (asked for {ctx.lookback_days} days)"
            )
        return Observation(apps=usages, notes=notes)

    # -- the three listings ----------------------------------------------------------------

    async def _apps(self, client: httpx.AsyncClient, ctx: CollectContext) -> list[Application]:
        apps: list[Application] = []
        params = {"limit": self.settings.apps_page_limit}
        number = 0
        async for page in paginate_link_header(
            client, "/api/v1/apps", source=self.source, params=params, parse=_pages(Application)
        ):
            number += 1
            for app in page:
                if (app.status or "").upper() != "INACTIVE":
                    apps.append(app)
            ctx.progress(f"apps page {number}")
        return apps

    async def _assignments(
        self, client: httpx.AsyncClient, ctx: CollectContext, app: Application
    ) -> list[AppUser]:
        users: list[AppUser] = []
        path = f"/api/v1/apps/{app.id}/users"
        params = {"limit": self.settings.users_page_limit, "expand": "user"}
        async for page in paginate_link_header(
            client, path, source=self.source, params=params, parse=_pages(AppUser)
        ):
            users.extend(page)
        ctx.progress(f"assignments of {app.label or app.id} read")
        return users

    async def _sso_logins(
        self, client: httpx.AsyncClient, ctx: CollectContext
    ) -> dict[str, dict[str, tuple[dt.datetime, LogEvent]]]:
        """app id -> user id -> (latest successful SSO, its event)."""
        until = ctx.now.astimezone(dt.UTC)
        since = until - dt.timedelta(days=_horizon(ctx))
        params = {
            "filter": f'eventType eq "{SSO_EVENT}"',
            "since": _iso(since),
            "until": _iso(until),
            "limit": self.settings.logs_page_limit,
            "sortOrder": "ASCENDING",
        }
        latest: dict[str, dict[str, tuple[dt.datetime, LogEvent]]] = {}
        number = 0
        async for events in paginate_link_header(
            client, "/api/v1/logs", source=self.source, params=params, parse=_pages(LogEvent)
        ):
            number += 1
            for event in events:
                if event.eventType != SSO_EVENT:
                    continue
                if (event.outcome.result if event.outcome else None) != "SUCCESS":
                    continue  # a failed or challenged sign-in is not use
                app = _app_target(event)
                user = event.actor.id if event.actor else None
                when = self._time(event.published, "System Log published")
                if app is None or not user or when is None or when > until:
                    continue
                per_app = latest.setdefault(app, {})
                if user not in per_app or when > per_app[user][0]:
                    per_app[user] = (when, event)
            ctx.progress(f"system log page {number}")
            if not events:
                break  # docs/plugins/okta.md: a polling log may keep offering "next" on an empty page
        return latest

    # -- mapping ---------------------------------------------------------------------------

    def _usage(
        self,
        app: Application,
        users: list[AppUser],
        logins: dict[str, tuple[dt.datetime, LogEvent]],
        ctx: CollectContext,
    ) -> AppUsage:
        accounts: dict[str, Account] = {}
        for user in users:
            if user.id in accounts:
                continue
            when = logins.get(user.id, (None, None))[0]
            accounts[user.id] = self._account(user, when)
        for user_id, (when, event) in logins.items():
            if user_id not in accounts:
                actor = event.actor
                accounts[user_id] = Account(
                    id=user_id,
                    email=_email(actor.alternateId if actor else None),
                    name=actor.displayName if actor else None,
                    assigned=False,
                    last_active=when,
                    activity_kind=ActivityKind.SSO,
                )
        seat_count = app.licensing.seatCount if app.licensing else None
        return AppUsage(
            app=app.label or app.name or app.id,
            app_id=app.id,
            aliases=_aliases(app),
            # 0 is what an admin leaves when the field was never filled in: unknown, not zero seats.
            seats_purchased=seat_count if seat_count else None,
            accounts=list(accounts.values()),
            activity_known=True,
            history_horizon_days=_horizon(ctx),
        )

    def _account(self, user: AppUser, when: dt.datetime | None) -> Account:
        embedded = user.embedded.user if user.embedded else None
        profile = user.profile or {}
        app_status = (user.status or "").upper()
        user_status = ((embedded.status if embedded else None) or "").upper()
        if user_status in _ENDED_USER or app_status in _ENDED_APP:
            status = AccountStatus.DEACTIVATED
        elif user_status in _SUSPENDED_USER or app_status in _SUSPENDED_APP:
            status = AccountStatus.SUSPENDED
        elif user_status in _PENDING_USER or app_status in _PENDING_APP:
            status = AccountStatus.INVITED
        else:
            status = AccountStatus.ACTIVE
        holds = {s.upper() for s in self.settings.assigned_statuses}
        assigned = app_status in holds and status not in (
            AccountStatus.SUSPENDED,
            AccountStatus.DEACTIVATED,
        )
        user_profile = embedded.profile if embedded else None
        candidates = [
            user_profile.email if user_profile else None,
            _text(profile.get("email")),
            user_profile.login if user_profile else None,
            user.credentials.userName if user.credentials else None,
        ]
        name = _text(profile.get("displayName"))
        if name is None and user_profile is not None:
            name = " ".join(p for p in (user_profile.firstName, user_profile.lastName) if p) or None
        return Account(
            id=user.id,
            email=next((e for e in map(_email, candidates) if e), None),
            name=name,
            status=status,
            assigned=assigned,
            last_active=when,
            activity_kind=ActivityKind.SSO if when is not None else None,
        )

    # -- helpers ---------------------------------------------------------------------------

    def _time(self, value: Any, what: str) -> dt.datetime | None:
        return parse_vendor_time(value, source=self.source, what=what)


def _horizon(ctx: CollectContext) -> int:
    """Days of System Log to ask for: the lookback, never more than Okta keeps."""
    return min(ctx.lookback_days, LOG_RETENTION_DAYS)


def _app_target(event: LogEvent) -> str | None:
    # The spec: search the target array by type, never by position.
    for target in event.target or []:
        if target.type == "AppInstance" and target.id:
            return target.id
    return None


def _aliases(app: Application) -> list[str]:
    aliases: list[str] = []
    if app.name and app.name != app.label:
        aliases.append(app.name)
    site = app.settings.app.siteURL if app.settings and app.settings.app else None
    if site:
        try:
            host = urlsplit(site if "//" in site else f"//{site}").hostname
        except ValueError:
            host = None
        if host and host not in aliases:
            aliases.append(host)
    return aliases


def _email(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if "@" in value else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _iso(when: dt.datetime) -> str:
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


def _server_time(value: str | None) -> float:
    """The response's ``Date`` as epoch seconds; our clock when it is missing or unreadable."""
    if value:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)
            return parsed.timestamp()
    return time.time()


@functools.cache
def _pages(model: type[_M]) -> Callable[[bytes], list[_M]]:
    """Parse and validate a page of ``model`` items straight from the body's bytes, in one call:
    Okta listings are the largest we read, and most of each item is fields we ignore."""
    return TypeAdapter(list[model]).validate_json  # type: ignore[valid-type]
