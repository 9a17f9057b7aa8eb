"""The ``marketo`` plugin: the users of one Marketo Engage instance and its API integrations.

What it reads (docs/plugins/marketo.md has the details, limits and blind spots):

* ``<identity>/oauth/token?grant_type=client_credentials`` with a LaunchPoint custom service's
  client id and secret: an access token (an hour), sent as ``Authorization: Bearer``;
* ``GET /rest/v1/stats/usage.json``: API calls made today, to stay inside the daily quota, which
  every integration of the instance shares;
* ``GET /userservice/management/v1/users/allusers.json`` (``pageSize`` up to 200): the users;
  API-only users are integrations, not seats;
* ``GET /userservice/management/v1/users/{userid}/user.json`` per person: ``lastLoginAt``, only
  when the quota left allows every one of them (a partial read would make people look inactive);
* ``GET /rest/v1/stats/usage/last7days.json``: API calls per API-only user, i.e. which
  integrations are alive.

Marketo signals rate limits inside HTTP 200 bodies (``606`` rate, ``615`` concurrency, ``607``
daily quota); ``rate_limit_wait`` reads them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

import httpx

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    BadResponse,
    Capability,
    ClientCredentialsAuth,
    CollectContext,
    Integration,
    Observation,
    Plugin,
    PluginError,
    PluginSettings,
    RateLimitExhausted,
    gather_first_error,
    json_or_none,
    parse_items,
    parse_model,
    request_json,
)
from stacktrack_marketo.models import (
    UsageResponse,
    UserDetail,
    UserRow,
    error_codes,
)
from stacktrack_marketo.settings import MarketoSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_marketo.emulator import MarketoEmulator


USERS_PATH = "/userservice/management/v1/users/allusers.json"
USER_PATH = "/userservice/management/v1/users/{userid}/user.json"
USAGE_TODAY_PATH = "/rest/v1/stats/usage.json"
USAGE_WEEK_PATH = "/rest/v1/stats/usage/last7days.json"
PAGE_SIZE = 200  # the documented maximum of allusers.json
MAX_PAGES = 10_000

RATE_CODES = {"606": 20.0, "615": 1.0}
"""Retryable limit codes -> seconds to wait: 100 calls per 20 s, 10 concurrent calls."""
QUOTA_CODE = "607"
TOKEN_CODES = {"601", "602"}  # access token invalid / expired: get a new one

QUOTA_NOTE = (
    "Stopped before Marketo's daily API quota: {left} calls were left of {quota} today "
    "(keeping {reserve} for other integrations), and reading every user's last login needs "
    "{needed}. Users are listed; their activity is unknown this run."
)


class _IdentityAuth(ClientCredentialsAuth):
    """A token from the Identity endpoint; one refresh when Marketo says the token is invalid or
    expired (601/602 in a body, or a 401)."""

    endpoint = "Marketo's Identity endpoint"
    refused_hint = "check client_id and client_secret"

    def __init__(self, source: str, settings: MarketoSettings) -> None:
        super().__init__(source)
        self._settings = settings

    def token_request(self) -> httpx.Request:
        settings = self._settings
        identity = (settings.identity_url or f"{settings.base_url.rstrip('/')}/identity").rstrip(
            "/"
        )
        return httpx.Request(
            "POST",
            f"{identity}/oauth/token",
            params={
                "grant_type": "client_credentials",
                "client_id": settings.client_id,
                "client_secret": settings.client_secret.get_secret_value(),
            },
        )

    def check_token_answer(self, body: Any) -> None:
        codes = error_codes(body)
        if QUOTA_CODE in codes or any(code in RATE_CODES for code in codes):
            # A limit answer the retries could not wait out (606/615), or the daily quota (607).
            raise RateLimitExhausted(
                self.source, f"{self.endpoint} kept answering {', '.join(codes)}"
            )

    def token_expired(self, response: httpx.Response) -> bool:
        return response.status_code == 401 or bool(_codes(response) & TOKEN_CODES)


def _codes(response: httpx.Response) -> set[str]:
    if b'"errors"' not in response.content:  # cheap test first: this runs on every response
        return set()
    return set(error_codes(json_or_none(response)))


class MarketoPlugin(Plugin[MarketoSettings]):
    name: ClassVar[str] = "marketo"
    title: ClassVar[str] = "Adobe Marketo Engage"
    settings_model: ClassVar[type[PluginSettings]] = MarketoSettings
    default_base_url: ClassVar[str | None] = None
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY, Capability.INTEGRATIONS}
    )
    product: ClassVar[str | None] = "marketo"

    def auth(self) -> httpx.Auth | None:
        return _IdentityAuth(self.source, self.settings)

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        if response.status_code == 429:
            return super().rate_limit_wait(response)
        codes = _codes(response)
        waits = [RATE_CODES[code] for code in codes if code in RATE_CODES]
        # 607 (daily quota) is not retried: it clears at midnight Central time, not in seconds.
        return max(waits) if waits else None

    @classmethod
    def emulator(cls) -> type[MarketoEmulator]:
        from stacktrack_marketo.emulator import MarketoEmulator

        return MarketoEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        settings = self.settings
        notes: list[str] = []
        today = await self._usage(client, USAGE_TODAY_PATH, "today's API usage")
        spent = sum(day.total for day in today.result)
        budget = settings.daily_quota - settings.quota_reserve - spent - 1  # -1: the week's usage
        rows, calls = await self._users(client, ctx, budget)
        budget -= calls
        people = [row for row in rows if not row.apiOnly]
        machines = [row for row in rows if row.apiOnly]
        details: dict[str, UserDetail] | None
        if all("lastLoginAt" in row.model_fields_set for row in people):
            details = {row.userid: UserDetail.model_validate(row.model_dump()) for row in people}
        elif len(people) > budget:
            left = max(0, settings.daily_quota - spent - calls)
            notes.append(
                QUOTA_NOTE.format(
                    left=f"{left:,}",
                    quota=f"{settings.daily_quota:,}",
                    reserve=f"{settings.quota_reserve:,}",
                    needed=f"{len(people):,}",
                )
            )
            details = None
        else:
            found = await gather_first_error(*(self._detail(client, row) for row in people))
            details = {detail.userid: detail for detail in found}
        week = await self._usage(client, USAGE_WEEK_PATH, "the last 7 days of API usage")
        accounts = [self._account(row, details, ctx) for row in people]
        integrations, idle = _integrations(machines, week)
        if idle:
            notes.append(
                f"{len(idle)} API-only user(s) made no API call in the last 7 days: "
                + ", ".join(sorted(idle))
                + "."
            )
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    accounts=accounts,
                    activity_known=details is not None,
                    integrations=integrations,
                )
            ],
            notes=notes,
        )

    def _account(
        self, row: UserRow, details: dict[str, UserDetail] | None, ctx: CollectContext
    ) -> Account:
        detail = details.get(row.userid) if details is not None else None
        expired = bool(detail and detail.expiresAt and detail.expiresAt <= ctx.now)
        login = detail.lastLoginAt if detail else None
        if login is not None and login > ctx.now:
            login = None
        return Account(
            id=row.userid,
            email=row.emailAddress or _email_like(row.userid),
            name=row.display_name,
            status=AccountStatus.DEACTIVATED if expired else AccountStatus.ACTIVE,
            assigned=not expired,
            last_active=login,
            activity_kind=ActivityKind.LOGIN if login else None,
        )

    async def _users(
        self, client: httpx.AsyncClient, ctx: CollectContext, budget: int
    ) -> tuple[list[UserRow], int]:
        rows: list[UserRow] = []
        seen: set[str] = set()
        offset = 0
        for calls in range(1, MAX_PAGES + 1):
            if calls > budget:
                raise RateLimitExhausted(
                    self.source,
                    "stopped listing users before Marketo's daily API quota "
                    f"(daily_quota {self.settings.daily_quota:,}, minus the reserve)",
                )
            body = await self._call(
                client, USERS_PATH, "the user list", {"pageSize": PAGE_SIZE, "pageOffset": offset}
            )
            ctx.progress(f"users page {calls}")
            if not isinstance(body, list):
                raise BadResponse(self.source, "the user list is not a JSON array")
            if not body:  # an empty page ends the list (a short page may not: see the docs page)
                return rows, calls
            batch = parse_items(UserRow, body, source=self.source, what="the user list")
            fresh = [row for row in batch if row.userid not in seen]
            if not fresh:
                raise BadResponse(self.source, "pagination loop: the user list repeated a page")
            seen.update(row.userid for row in fresh)
            rows.extend(fresh)
            offset += len(batch)
        raise BadResponse(self.source, f"the user list returned more than {MAX_PAGES} pages")

    async def _detail(self, client: httpx.AsyncClient, row: UserRow) -> UserDetail:
        body = await self._call(
            client, USER_PATH.format(userid=quote(row.userid, safe="@")), "a user record", None
        )
        return parse_model(UserDetail, body, source=self.source, what="a user record")

    async def _usage(self, client: httpx.AsyncClient, path: str, what: str) -> UsageResponse:
        body = await self._call(client, path, what, None)
        return parse_model(UsageResponse, body, source=self.source, what=what)

    async def _call(
        self, client: httpx.AsyncClient, path: str, what: str, params: dict[str, Any] | None
    ) -> Any:
        _, body = await request_json(client, "GET", path, source=self.source, params=params)
        codes = error_codes(body)
        if QUOTA_CODE in codes:
            raise RateLimitExhausted(
                self.source,
                "Marketo's daily API quota is used up (607); it resets at midnight US Central time",
            )
        if codes and any(code in RATE_CODES for code in codes):
            raise RateLimitExhausted(
                self.source, f"Marketo kept rate-limiting {what} after retrying"
            )
        if isinstance(body, dict) and body.get("success") is False:
            raise PluginError(
                self.source, f"Marketo refused {what} (codes {', '.join(codes) or 'none'})"
            )
        return body


def _email_like(userid: str) -> str | None:
    """A ``userid`` that is an e-mail address; Adobe IMS ids (``...@AdobeID``) are not."""
    if "@" not in userid or userid.lower().endswith("@adobeid"):
        return None
    return userid


def _integrations(
    machines: list[UserRow], week: UsageResponse
) -> tuple[list[Integration], list[str]]:
    """API-only users with calls in the last 7 days are live integrations; the others, idle."""
    calls: dict[str, tuple[int, dt.date]] = {}
    for day in week.result:
        for user in day.users:
            if user.count <= 0:
                continue
            key = user.userId.strip().lower()
            count, last = calls.get(key, (0, day.date))
            calls[key] = (count + user.count, max(last, day.date))
    found: list[Integration] = []
    idle: list[str] = []
    for row in machines:
        label = row.display_name or row.userid
        used = calls.get(row.userid.strip().lower()) or calls.get(
            (row.emailAddress or "").strip().lower()
        )
        if used is None:
            idle.append(label)
            continue
        count, last = used
        found.append(
            Integration(
                app=label,
                kind="marketo_api_user",
                direction="both",
                last_used=dt.datetime.combine(last, dt.time(), tzinfo=dt.UTC),
                use_count=count,
            )
        )
    return found, idle
