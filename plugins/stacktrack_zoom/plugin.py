"""The ``zoom`` plugin: a Zoom account through a Server-to-Server OAuth app.

What it reads (docs/plugins/zoom.md has the details, limits and blind spots):

* ``POST https://zoom.us/oauth/token?grant_type=account_credentials&account_id=...`` with the
  app's client id and secret (HTTP Basic): an access token for an hour;
* ``GET /users?status=active|inactive|pending`` (``page_size`` up to 300, ``next_page_token``):
  the users; a Licensed user (``type`` 2) holds a paid seat, a Basic one (1) does not;
  ``last_login_time`` is the last sign-in;
* ``GET /accounts/me/plans/usage``: seats purchased and used for the base plan and webinars;
* ``GET /report/users?type=active`` per slice of at most 28 days, never further back than 180
  days (Zoom allows one month per call within the last six months): who hosted meetings, how
  many. Reports need a Pro plan or higher; a refusal is a note.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    AuthenticationError,
    Capability,
    ClientCredentialsAuth,
    CollectContext,
    FeatureUsage,
    Observation,
    Plugin,
    PluginError,
    PluginSettings,
    gather_first_error,
    paginate_body_cursor,
    parse_items,
    parse_model,
    request_json,
)
from stacktrack_zoom.models import (
    ActiveHost,
    PlanUsage,
    ReportPage,
    User,
    UsersPage,
)
from stacktrack_zoom.settings import ZoomSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_zoom.emulator import ZoomEmulator


USERS_PATH = "/users"
PLANS_PATH = "/accounts/me/plans/usage"
REPORT_PATH = "/report/users"
PAGE_SIZE = 300  # the documented maximum for /users and the reports
SLICE_DAYS = 28  # at most one month per report call, whichever month
REPORT_HORIZON_DAYS = 180  # six calendar months always span more than 180 days
LICENSED = 2
BASIC = 1

REPORT_REFUSED = (
    "Zoom refused the active-hosts report (HTTP {status}): reports need a Pro plan or higher "
    "and the report:read:admin scope. Meetings hosted are unknown."
)
PLANS_REFUSED = (
    "Zoom refused the plan usage (HTTP {status}): it needs the account:read:admin scope. "
    "Purchased seats and webinar licences are unknown."
)
REPORT_HORIZON = (
    "Zoom reports reach back six months: meetings hosted are counted over the last "
    f"{REPORT_HORIZON_DAYS} days, not the whole look-back."
)


class _ServerToServerAuth(ClientCredentialsAuth):
    """The account-credentials grant: the app's client id and secret as HTTP Basic. A token lives
    an hour and Zoom issues no refresh token, so a 401 mid-run gets one new token and one retry."""

    endpoint = "Zoom's token endpoint"
    refused_hint = (
        "check account_id, client_id and client_secret, and that the Server-to-Server OAuth app "
        "is activated"
    )

    def __init__(self, source: str, settings: ZoomSettings) -> None:
        super().__init__(source)
        self._settings = settings

    def token_request(self) -> httpx.Request:
        settings = self._settings
        pair = f"{settings.client_id}:{settings.client_secret.get_secret_value()}"
        return httpx.Request(
            "POST",
            settings.oauth_url,
            params={"grant_type": "account_credentials", "account_id": settings.account_id},
            headers={"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()},
        )


def _next_token(body: Any) -> str | None:
    token = body.get("next_page_token")  # a non-object body raises AttributeError -> BadResponse
    return str(token) if token else None


class ZoomPlugin(Plugin[ZoomSettings]):
    name: ClassVar[str] = "zoom"
    title: ClassVar[str] = "Zoom"
    settings_model: ClassVar[type[PluginSettings]] = ZoomSettings
    default_base_url: ClassVar[str | None] = "https://api.zoom.us/v2"
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.SEATS, Capability.ACCOUNTS, Capability.ACTIVITY, Capability.FEATURES}
    )
    product: ClassVar[str | None] = "zoom"

    def auth(self) -> httpx.Auth | None:
        return _ServerToServerAuth(self.source, self.settings)

    @classmethod
    def emulator(cls) -> type[ZoomEmulator]:
        from stacktrack_zoom.emulator import ZoomEmulator

        return ZoomEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        # The first listing runs alone so that one token serves every request after it.
        users = await self._users(client, ctx, "active")
        plans_notes: list[str] = []
        report_notes: list[str] = []
        inactive, pending, plans, hosts = await gather_first_error(
            self._users(client, ctx, "inactive"),
            self._users(client, ctx, "pending"),
            self._plans(client, plans_notes),
            self._hosts(client, ctx, report_notes),
        )
        notes = plans_notes + report_notes
        accounts = [
            self._account(user, status, ctx)
            for status, listed in (("active", users), ("inactive", inactive), ("pending", pending))
            for user in listed
        ]
        features: list[FeatureUsage] = []
        if hosts is not None:
            features.append(self._meetings(hosts, users + pending, ctx))
            if ctx.lookback_days > REPORT_HORIZON_DAYS:
                notes.append(REPORT_HORIZON)
        if plans is not None:
            webinars = plans.plan_webinar
            features.append(
                FeatureUsage(
                    feature="webinars",
                    name="Webinar licences",
                    seats_purchased=_total([p.hosts for p in webinars]),
                    seats_assigned=_total([p.usage for p in webinars]),
                )
            )
        base = plans.plan_base if plans is not None else []
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    seats_purchased=_total([p.hosts for p in base]),
                    seats_used=_total([p.usage for p in base]),
                    accounts=accounts,
                    activity_known=True,
                    features=features or None,
                    integrations=None,  # no verified endpoint lists Marketplace apps
                )
            ],
            notes=notes,
        )

    def _account(self, user: User, status: str, ctx: CollectContext) -> Account:
        login = user.last_login_time
        if login is not None and login > ctx.now:
            login = None
        state = {
            "active": AccountStatus.ACTIVE,
            "inactive": AccountStatus.DEACTIVATED,
            "pending": AccountStatus.INVITED,
        }[status]
        return Account(
            id=user.id,
            email=user.email,
            name=user.display_name,
            status=state,
            # Only a Licensed user holds a paid seat; Basic users are free.
            assigned=state is not AccountStatus.DEACTIVATED and user.type == LICENSED,
            last_active=login,
            activity_kind=ActivityKind.LOGIN if login else None,
        )

    async def _users(
        self, client: httpx.AsyncClient, ctx: CollectContext, status: str
    ) -> list[User]:
        users: list[User] = []
        pages = 0
        async for body in paginate_body_cursor(
            client,
            USERS_PATH,
            source=self.source,
            cursor_param="next_page_token",
            next_cursor=_next_token,
            params={"status": status, "page_size": PAGE_SIZE},
        ):
            pages += 1
            ctx.progress(f"{status} users page {pages}")
            page = parse_model(UsersPage, body, source=self.source, what="the user list")
            users.extend(parse_items(User, page.users, source=self.source, what="the user list"))
        return users

    async def _plans(self, client: httpx.AsyncClient, notes: list[str]) -> PlanUsage | None:
        try:
            _, body = await request_json(client, "GET", PLANS_PATH, source=self.source)
        except (AuthenticationError, PluginError) as exc:
            if exc.status_code not in (400, 403, 404):
                raise
            notes.append(PLANS_REFUSED.format(status=exc.status_code))
            return None
        return parse_model(PlanUsage, body, source=self.source, what="the plan usage")

    async def _hosts(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> dict[str, tuple[str | None, int]] | None:
        """Meetings hosted per user id (with the e-mail the report gives) over the window."""
        today = ctx.now.astimezone(dt.UTC).date()
        oldest = today - dt.timedelta(days=min(ctx.lookback_days, REPORT_HORIZON_DAYS))
        slices = []
        end = today
        while end >= oldest:
            start = max(oldest, end - dt.timedelta(days=SLICE_DAYS - 1))
            slices.append((start, end))
            end = start - dt.timedelta(days=1)
        try:
            per_slice = await gather_first_error(
                *(self._report(client, ctx, start, end) for start, end in slices)
            )
        except (AuthenticationError, PluginError) as exc:
            if exc.status_code not in (400, 403):
                raise
            notes.append(REPORT_REFUSED.format(status=exc.status_code))
            return None
        totals: dict[str, tuple[str | None, int]] = {}
        for hosts in per_slice:
            for host in hosts:
                key = host.id or (host.email or "").lower()
                if not key:
                    continue
                email, count = totals.get(key, (host.email, 0))
                totals[key] = (email or host.email, count + host.meetings)
        return totals

    async def _report(
        self, client: httpx.AsyncClient, ctx: CollectContext, start: dt.date, end: dt.date
    ) -> list[ActiveHost]:
        hosts: list[ActiveHost] = []
        async for body in paginate_body_cursor(
            client,
            REPORT_PATH,
            source=self.source,
            cursor_param="next_page_token",
            next_cursor=_next_token,
            params={
                "type": "active",
                "from": start.isoformat(),
                "to": end.isoformat(),
                "page_size": PAGE_SIZE,
            },
        ):
            page = parse_model(ReportPage, body, source=self.source, what="the active-hosts report")
            hosts.extend(
                parse_items(ActiveHost, page.users, source=self.source, what="the active hosts")
            )
        ctx.progress(f"active hosts {start:%b %d}-{end:%b %d}")
        return hosts

    def _meetings(
        self, hosts: dict[str, tuple[str | None, int]], users: list[User], ctx: CollectContext
    ) -> FeatureUsage:
        emails = {user.id: (user.email or "").strip().lower() for user in users}
        people = {
            emails.get(key) or (email or "").strip().lower() or key
            for key, (email, count) in hosts.items()
            if count > 0
        }
        return FeatureUsage(
            feature="video-meetings",
            name="Meetings hosted",
            active_users=len(people),
            events=sum(count for _, count in hosts.values()),
            window_days=min(ctx.lookback_days, REPORT_HORIZON_DAYS),
            users=sorted(people),
        )


def _total(values: list[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


__all__ = ["ZoomPlugin", "ZoomSettings"]
