"""The ``hubspot`` plugin: users of one HubSpot account and their logins (vendor notes §1).

* ``GET /settings/v3/users/`` (``limit``/``after``, next cursor at ``paging.next.after``): the
  users, i.e. the assigned seats;
* ``GET /account-info/v3/activity/login`` (same paging, ``limit`` at most 200): the last 90 days of
  logins, successful and failed; only successful ones are activity.

HubSpot keeps 90 days of logins, so a user without one is "no login on record in 90 days", not
"never": ``history_horizon_days = 90`` tells the analysis. Login history may be refused with 403
without the ``account-info.security.read`` scope (HubSpot's spec marks it available on every
tier; only the audit log is Enterprise-only); then users are still reported,
activity is unknown and a note says why. Purchased seats (beta endpoint, keys unconfirmed) and
connected apps (no GA endpoint) are not observed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import httpx
from pydantic import ValidationError

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    AuthenticationError,
    BadResponse,
    Capability,
    CollectContext,
    Observation,
    Plugin,
    PluginSettings,
    RateLimitExhausted,
    SecretStr,
    paginate_body_cursor,
)
from stacktrack_hubspot.models import Login, Page, PublicUser, rate_limit_policy

USERS_PATH = "/settings/v3/users/"
LOGINS_PATH = "/account-info/v3/activity/login"
USERS_PAGE = 100  # the documented maximum
LOGINS_PAGE = 200  # the documented maximum
HORIZON_DAYS = 90

LOGIN_HISTORY_REFUSED = (
    "HubSpot refused the login history (HTTP 403): the token needs the "
    "account-info.security.read scope (HubSpot lists the endpoint on every tier; an account "
    "that still refuses it may restrict it by subscription). Users are listed; their activity "
    "is unknown."
)


class HubSpotSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "hubspot"``."""

    token: SecretStr
    """Private-app (or OAuth) access token with ``settings.users.read`` and
    ``account-info.security.read``, given as ``{ env = "NAME" }``."""


def _next_after(body: Any) -> str | None:
    paging = body.get("paging")  # a non-object body raises AttributeError -> BadResponse
    if not paging:
        return None
    following = paging.get("next")
    if not following:
        return None
    after = following.get("after")
    return None if after is None else str(after)


class HubSpotPlugin(Plugin):
    name: ClassVar[str] = "hubspot"
    title: ClassVar[str] = "HubSpot"
    settings_model: ClassVar[type[PluginSettings]] = HubSpotSettings
    default_base_url: ClassVar[str | None] = "https://api.hubapi.com"
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY}
    )
    product: ClassVar[str | None] = "hubspot"

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        # HubSpot answers 429 with `policyName` in the body and X-HubSpot-RateLimit-* headers but
        # no reset time. The per-10-second window rolls, so the core's exponential backoff (0.0 =
        # "no hint") fits; a Retry-After from a proxy is honoured. The DAILY policy will not clear
        # in seconds: not retried, collect() says so.
        if response.status_code != 429:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        if rate_limit_policy(body) == "DAILY":
            return None
        return super().rate_limit_wait(response)

    @classmethod
    def emulator(cls) -> Any:
        from stacktrack_hubspot.emulator import HubSpotEmulator

        return HubSpotEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        try:
            return await self._collect(client, ctx)
        except RateLimitExhausted as exc:
            raise self._rate_limit_error(exc) from None

    async def _collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        notes: list[str] = []
        users: dict[str, PublicUser] = {}
        pages = 0
        async for body in paginate_body_cursor(
            client,
            USERS_PATH,
            source=self.source,
            cursor_param="after",
            next_cursor=_next_after,
            params={"limit": USERS_PAGE},
        ):
            pages += 1
            ctx.progress(f"users page {pages}")
            for item in self._results(body, "user list"):
                user = self._parse(PublicUser, item, "user")
                users.setdefault(user.id, user)

        last_login: dict[str, dt.datetime] | None
        try:
            last_login = await self._last_logins(client, ctx, users)
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            last_login = None
            notes.append(LOGIN_HISTORY_REFUSED)

        accounts = [
            Account(
                id=user.id,
                email=user.email,
                name=user.display_name,
                status=AccountStatus.ACTIVE,
                assigned=True,
                last_active=None if last_login is None else last_login.get(user.id),
                activity_kind=None if last_login is None else ActivityKind.LOGIN,
            )
            for user in users.values()
        ]
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    seats_purchased=None,  # only a beta endpoint has seats; keys unconfirmed
                    accounts=accounts,
                    activity_known=last_login is not None,
                    history_horizon_days=HORIZON_DAYS,
                    integrations=None,  # no GA endpoint lists installed or connected apps
                )
            ],
            notes=notes,
        )

    async def _last_logins(
        self, client: httpx.AsyncClient, ctx: CollectContext, users: dict[str, PublicUser]
    ) -> dict[str, dt.datetime]:
        """Latest successful login per user id within the 90-day horizon ending at ``ctx.now``."""
        by_email = {user.email.strip().lower(): uid for uid, user in users.items() if user.email}
        oldest = ctx.now - dt.timedelta(days=HORIZON_DAYS)
        latest: dict[str, dt.datetime] = {}
        pages = 0
        async for body in paginate_body_cursor(
            client,
            LOGINS_PATH,
            source=self.source,
            cursor_param="after",
            next_cursor=_next_after,
            params={"limit": LOGINS_PAGE},
        ):
            pages += 1
            ctx.progress(f"login history page {pages}")
            for item in self._results(body, "login history"):
                login = self._parse(Login, item, "login")
                if login.login_succeeded is not True:
                    continue  # a failed login is not activity
                if not oldest <= login.login_at <= ctx.now:
                    continue  # outside the run's clock or the vendor's horizon
                uid = login.user_id if login.user_id in users else None
                if uid is None and login.email:
                    uid = by_email.get(login.email.strip().lower())
                if uid is None:
                    continue  # a user since removed from the account
                if uid not in latest or login.login_at > latest[uid]:
                    latest[uid] = login.login_at
        return latest

    def _results(self, body: Any, what: str) -> list[dict[str, Any]]:
        try:
            return Page.model_validate(body).results
        except ValidationError:
            raise BadResponse(self.source, f"the {what} page has no results list") from None

    def _parse(self, model: Any, item: Any, what: str) -> Any:
        try:
            return model.model_validate(item)
        except ValidationError as exc:
            fields = ", ".join(sorted({".".join(map(str, err["loc"])) for err in exc.errors()}))
            raise BadResponse(
                self.source, f"a {what} record has unexpected fields: {fields}"
            ) from None

    def _rate_limit_error(self, exc: RateLimitExhausted) -> RateLimitExhausted:
        if rate_limit_policy(exc.body) == "DAILY":
            message = (
                "HubSpot's daily API limit for this account is used up (HTTP 429, policy DAILY); "
                "not retried, try again tomorrow"
            )
        else:
            policy = rate_limit_policy(exc.body) or ""
            if not policy.replace("_", "").isalpha() or len(policy) > 30:
                policy = "per-10-second"  # only quote a vendor value that looks like a policy name
            message = f"HubSpot kept answering 429 ({policy} limit) after the allowed retries"
        return RateLimitExhausted(self.source, message, status_code=exc.status_code, body=exc.body)
