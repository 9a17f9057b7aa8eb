"""The ``hubspot`` plugin: users of one HubSpot account and their logins (docs/plugins/hubspot.md).

* ``GET /settings/v3/users/`` (``limit``/``after``, next cursor at ``paging.next.after``): the
  users, i.e. the assigned seats;
* ``GET /account-info/v3/activity/login`` (same paging, ``limit`` at most 200): the last 90 days of
  logins, successful and failed; only successful ones are activity;
* feature use from the portal's assets (emails, workflows, forms, landing pages), each user's
  sequences (``GET /automation/v4/sequences/?userId=``) and the seats users hold (``seatNames``).

HubSpot keeps 90 days of logins, so a user without one is "no login on record in 90 days", not
"never": ``history_horizon_days = 90`` tells the analysis. Login history may be refused with 403
without the ``account-info.security.read`` scope (HubSpot's spec marks it available on every
tier; only the audit log is Enterprise-only); then users are still reported,
activity is unknown and a note says why. Purchased seats (beta endpoint, keys unconfirmed) and
connected apps (no GA endpoint) are not observed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel

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
    PluginError,
    PluginSettings,
    RateLimitExhausted,
    json_or_none,
    paginate_body_cursor,
    parse_model,
)
from stacktrack_hubspot.models import Asset, Login, Page, PublicUser, rate_limit_policy
from stacktrack_hubspot.settings import HubSpotSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_hubspot.emulator import HubSpotEmulator


_M = TypeVar("_M", bound=BaseModel)

USERS_PATH = "/settings/v3/users/"
LOGINS_PATH = "/account-info/v3/activity/login"
USERS_PAGE = 100  # the documented maximum
LOGINS_PAGE = 200  # the documented maximum
HORIZON_DAYS = 90

EMAILS_PATH = "/marketing/v3/emails/"
FLOWS_PATH = "/automation/v4/flows"
FORMS_PATH = "/marketing/v3/forms/"
LANDING_PAGES_PATH = "/cms/v3/pages/landing-pages"
ASSETS_PAGE = 100
FEATURES: tuple[tuple[str, str, dict[str, str], str], ...] = (
    # (vendor feature name, path, extra params, what it needs)
    (
        "Marketing email",
        EMAILS_PATH,
        {"includeStats": "true"},
        "a marketing-email or content scope",
    ),
    ("Workflows", FLOWS_PATH, {}, "the automation scope"),
    ("Forms", FORMS_PATH, {}, "the forms scope"),
    ("Landing pages", LANDING_PAGES_PATH, {}, "the content scope"),
)
"""HubSpot lists no purchased Hubs or tier, so each asset listing is also the tier probe: a 403
means the token lacks the scope or the account's Hubs do not include the feature."""

SEQUENCES_PATH = "/automation/v4/sequences/"
"""Sequences (Sales Hub) are listed per owning user: ``userId`` is required, one listing per user."""
SEQUENCES_REFUSED = (
    "HubSpot refused sequences (HTTP 403): the token needs the automation.sequences.read scope, "
    "or the account has no Sales Hub; sequence use unknown"
)

LOGIN_HISTORY_REFUSED = (
    "HubSpot refused the login history (HTTP 403): the token needs the "
    "account-info.security.read scope (HubSpot lists the endpoint on every tier; an account "
    "that still refuses it may restrict it by subscription). Users are listed; their activity "
    "is unknown."
)


def _next_after(body: Any) -> str | None:
    paging = body.get("paging")  # a non-object body raises AttributeError -> BadResponse
    if not paging:
        return None
    following = paging.get("next")
    if not following:
        return None
    after = following.get("after")
    return None if after is None else str(after)


def _seat_holders(users: dict[str, PublicUser]) -> dict[str, int] | None:
    """Holders per paid seat (``seatNames``); ``None`` when no user record carries the field."""
    if all(user.seat_names is None for user in users.values()):
        return None
    held: dict[str, int] = {}
    for user in users.values():
        for seat in set(user.seat_names or ()):
            held[seat] = held.get(seat, 0) + 1
    return held


class HubSpotPlugin(Plugin[HubSpotSettings]):
    name: ClassVar[str] = "hubspot"
    title: ClassVar[str] = "HubSpot"
    settings_model: ClassVar[type[PluginSettings]] = HubSpotSettings
    default_base_url: ClassVar[str | None] = "https://api.hubapi.com"
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY, Capability.FEATURES}
    )
    product: ClassVar[str | None] = "hubspot"

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        # HubSpot answers 429 with `policyName` in the body and X-HubSpot-RateLimit-* headers but
        # no reset time. The per-10-second window rolls, so the core's exponential backoff (0.0 =
        # "no hint") fits; a Retry-After from a proxy is honoured. The DAILY policy will not clear
        # in seconds: not retried, collect() says so.
        if response.status_code != 429:
            return None
        if rate_limit_policy(json_or_none(response)) == "DAILY":
            return None
        return super().rate_limit_wait(response)

    @classmethod
    def emulator(cls) -> type[HubSpotEmulator]:
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

        features = await self._features(client, ctx, users, notes)
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
                    features=features,
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

    async def _features(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        users: dict[str, PublicUser],
        notes: list[str],
    ) -> list[FeatureUsage] | None:
        """What the portal uses, from its assets; ``None`` when no listing could be read."""
        found: list[FeatureUsage] = []
        read = 0
        for name, path, params, needs in FEATURES:
            try:
                assets = await self._assets(client, ctx, path, params, name)
            except AuthenticationError as exc:
                if exc.status_code != 403:
                    raise
                notes.append(
                    f"HubSpot refused {name.lower()} (HTTP 403): the token needs {needs}, or the "
                    f"account's Hubs do not include it; {name.lower()} use unknown"
                )
                continue
            read += 1
            found.append(self._feature(name, assets, ctx, users))
        try:
            found.append(await self._sequences(client, ctx, users, notes))
            read += 1
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(SEQUENCES_REFUSED)
        seats = _seat_holders(users)
        if seats is not None:
            read += 1
            found += [
                FeatureUsage(feature=seat, name=seat, seats_assigned=count)
                for seat, count in sorted(seats.items())
            ]
        return found if read else None

    async def _sequences(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        users: dict[str, PublicUser],
        notes: list[str],
    ) -> FeatureUsage:
        """Sequences created or changed in the window, by owner. HubSpot lists no enrolments, so a
        user who only enrols contacts in an older sequence is not seen: ``every_user=False``."""
        start = ctx.now - dt.timedelta(days=ctx.lookback_days)
        owners: set[str] = set()
        changed: list[dt.datetime] = []
        refused: list[int] = []
        for number, uid in enumerate(users, 1):
            try:
                sequences = await self._assets(
                    client, ctx, SEQUENCES_PATH, {"userId": uid}, "Sequences", quiet=True
                )
            except PluginError as exc:
                # A user the endpoint will not answer for (400/404): that user's sequences are
                # unknown, the others' still count. A 403 is the account's answer: the caller's.
                if exc.status_code not in (400, 404):
                    raise
                refused.append(exc.status_code)
                continue
            if number % 50 == 0:
                ctx.progress(f"sequences of {number} users read")
            for sequence in sequences:
                when = sequence.updated_at or sequence.created_at
                if sequence.archived or when is None or not start <= when <= ctx.now:
                    continue
                owners.add(uid)
                changed.append(when)
        if refused:
            notes.append(
                f"HubSpot would not list the sequences of {len(refused)} user(s) "
                f"(HTTP {', '.join(map(str, sorted(set(refused))))}): their sequence use unknown"
            )
        return FeatureUsage(
            feature="Sequences",
            name="Sequences",
            active_users=len(owners),
            events=len(changed),
            last_used=max(changed, default=None),
            window_days=ctx.lookback_days,
            users=sorted((users[uid].email or uid).strip().lower() for uid in owners),
            every_user=False,
        )

    async def _assets(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        path: str,
        params: dict[str, str],
        what: str,
        *,
        quiet: bool = False,
    ) -> list[Asset]:
        assets: list[Asset] = []
        async for body in paginate_body_cursor(
            client,
            path,
            source=self.source,
            cursor_param="after",
            next_cursor=_next_after,
            params={"limit": ASSETS_PAGE, **params},
        ):
            for item in self._results(body, what.lower()):
                assets.append(self._parse(Asset, item, what.lower()))
        if not quiet:
            ctx.progress(f"{what.lower()} read")
        return assets

    def _feature(
        self, name: str, assets: list[Asset], ctx: CollectContext, users: dict[str, PublicUser]
    ) -> FeatureUsage:
        """Use in the window: emails and landing pages published in it (by whom, how many sent),
        forms created or changed in it, workflows switched on (a count: HubSpot gives no runs)."""
        start = ctx.now - dt.timedelta(days=ctx.lookback_days)
        live = [a for a in assets if not a.archived]
        if name == "Workflows":
            enabled = [a for a in live if a.is_enabled]
            return FeatureUsage(feature=name, name=name, events=len(enabled))
        if name == "Forms":
            touched = [
                when
                for a in live
                if (when := a.updated_at or a.created_at) is not None and start <= when <= ctx.now
            ]
            return FeatureUsage(
                feature=name, name=name, events=len(touched), last_used=max(touched, default=None)
            )
        published = []
        for asset in live:
            when = asset.published_at or asset.publish_date
            if when is None or not start <= when <= ctx.now:
                continue
            if name == "Marketing email" and asset.is_published is False:
                continue
            if asset.state and asset.state.upper() not in ("PUBLISHED", "PUBLISHED_OR_SCHEDULED"):
                continue
            published.append((when, asset))
        people = {
            person for _, a in published if (person := a.updated_by or a.created_by) is not None
        }
        emails = sorted(
            {(users[p].email or p).strip().lower() for p in people if p in users}
            | {p for p in people if p not in users}
        )
        events = len(published)
        if name == "Marketing email":
            sent = [a.stats.counters.sent for _, a in published if a.stats and a.stats.counters]
            known = [count for count in sent if count is not None]
            events = sum(known) if known and len(known) == len(published) else len(published)
        return FeatureUsage(
            feature=name,
            name=name,
            active_users=len(people),
            events=events,
            last_used=max((when for when, _ in published), default=None),
            window_days=ctx.lookback_days,
            users=emails,
        )

    def _results(self, body: Any, what: str) -> list[dict[str, Any]]:
        return parse_model(Page, body, source=self.source, what=f"the {what} page").results

    def _parse(self, model: type[_M], item: Any, what: str) -> _M:
        return parse_model(model, item, source=self.source, what=f"a {what} record")

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
