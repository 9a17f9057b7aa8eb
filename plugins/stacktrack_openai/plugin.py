"""The ``openai`` plugin: an OpenAI API platform organization through its Admin API.

What it reads (docs/plugins/openai.md has the details, limits and blind spots):

* ``GET /organization/users`` (cursor ``after`` = the page's ``last_id``): the members, i.e. the
  seats; ``api_key_last_used_at`` is each member's last API use;
* ``GET /organization/usage/<capability>`` grouped by ``user_id`` (daily buckets, at most 31 per
  page, cursor ``page`` = ``next_page``): per-capability use (completions, images, audio, ...),
  which is both feature usage and per-user activity;
* ``GET /organization/costs`` (daily buckets, at most 180 per page): the real spend in the window,
  reported as a note beside the contract;
* ``GET /organization/projects`` then each project's ``service_accounts`` and ``api_keys``: machine
  identities and the keys they call with, reported as integrations.

ChatGPT workspaces (Team, Business, Enterprise) are a different product with no seat or usage
endpoint in this API: the docs page says how to cover them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, ClassVar

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
    Integration,
    Observation,
    Plugin,
    PluginSettings,
    gather_first_error,
    has_more_cursor,
    paginate_body_cursor,
    parse_items,
    parse_model,
    parse_pages,
)
from stacktrack_openai.models import (
    ApiKey,
    BucketPage,
    CostResult,
    ListPage,
    OrgUser,
    Project,
    ServiceAccount,
    UsageResult,
)
from stacktrack_openai.settings import CAPABILITIES, OpenAISettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_openai.emulator import OpenAIEmulator


USERS_PATH = "/organization/users"
USAGE_PATH = "/organization/usage/{capability}"
COSTS_PATH = "/organization/costs"
PROJECTS_PATH = "/organization/projects"
LIST_LIMIT = 100  # the documented maximum for users, projects, keys and service accounts
USAGE_LIMIT = 31  # daily buckets per page: the documented maximum for bucket_width=1d
COSTS_LIMIT = 180  # the documented maximum for the costs endpoint


USAGE_REFUSED = (
    "OpenAI refused the usage endpoints (HTTP {status}): the Admin key needs read access to usage. "
    "Members are listed; feature use is unknown and activity rests on api_key_last_used_at only."
)
COSTS_REFUSED = "OpenAI refused /organization/costs (HTTP {status}): spend is not reported."
PROJECTS_REFUSED = (
    "OpenAI refused the project listings (HTTP {status}): integrations are not observed."
)


_next_after = has_more_cursor("last_id")
_next_page = has_more_cursor("next_page")


class OpenAIPlugin(Plugin[OpenAISettings]):
    name: ClassVar[str] = "openai"
    title: ClassVar[str] = "OpenAI API platform"
    settings_model: ClassVar[type[PluginSettings]] = OpenAISettings
    default_base_url: ClassVar[str | None] = "https://api.openai.com/v1"
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY, Capability.FEATURES, Capability.INTEGRATIONS}
    )
    product: ClassVar[str | None] = "openai_api"

    @classmethod
    def emulator(cls) -> type[OpenAIEmulator]:
        from stacktrack_openai.emulator import OpenAIEmulator

        return OpenAIEmulator

    def _array(self, name: str) -> str:
        return f"{name}[]" if self.settings.array_style == "brackets" else name

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        settings = self.settings
        notes: list[str] = []
        users, with_last_used = await self._users(client, ctx)
        start = _day_start(ctx.now - dt.timedelta(days=ctx.lookback_days))
        # Each concurrent reader gets its own notes list, so the notes keep a stable order.
        usage_notes: list[str] = []
        cost_notes: list[str] = []
        project_notes: list[str] = []
        usage, costs, integrations = await gather_first_error(
            self._all_usage(client, ctx, start, usage_notes),
            self._costs(client, ctx, start, cost_notes) if settings.costs else _none(),
            self._integrations(client, ctx, project_notes) if settings.integrations else _none(),
        )
        notes += usage_notes + cost_notes + project_notes
        by_id = {user.id: user for user in users}
        last_use: dict[str, dt.datetime] = {}
        features: list[FeatureUsage] | None = None
        if usage is not None:
            features = []
            for capability, per_user in usage.items():
                features.append(self._feature(capability, per_user, by_id, ctx))
                for uid, (_, last) in per_user.items():
                    if uid is not None and (uid not in last_use or last > last_use[uid]):
                        last_use[uid] = last
        accounts = [self._account(user, last_use, ctx) for user in users]
        if costs:
            notes.append(_spend_note(costs, ctx.lookback_days))
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    accounts=accounts,
                    # api_key_last_used_at alone is activity evidence when the usage was refused.
                    activity_known=usage is not None or with_last_used,
                    features=features,
                    integrations=integrations,
                )
            ],
            notes=notes,
        )

    # -- members -----------------------------------------------------------------------------

    async def _users(
        self, client: httpx.AsyncClient, ctx: CollectContext
    ) -> tuple[list[OrgUser], bool]:
        users: list[OrgUser] = []
        with_last_used = False
        async for page in self._list(client, USERS_PATH, "member list", ctx):
            for user in parse_items(OrgUser, page.data, source=self.source, what="the member list"):
                with_last_used = with_last_used or "api_key_last_used_at" in user.model_fields_set
                users.append(user)
        return users, with_last_used

    def _account(
        self, user: OrgUser, last_use: Mapping[str, dt.datetime], ctx: CollectContext
    ) -> Account:
        candidates = [
            when
            for when in (user.api_key_last_used_at, last_use.get(user.id))
            if when is not None and when <= ctx.now
        ]
        disabled = user.disabled
        machine = user.is_service_account
        return Account(
            id=user.id,
            email=user.email,
            name=user.name,
            status=AccountStatus.DEACTIVATED if disabled else AccountStatus.ACTIVE,
            # A service account is a machine identity, not a seat (it shows as an integration).
            assigned=not disabled and not machine,
            last_active=max(candidates) if candidates else None,
            activity_kind=ActivityKind.API if candidates else None,
        )

    # -- usage -------------------------------------------------------------------------------

    async def _all_usage(
        self, client: httpx.AsyncClient, ctx: CollectContext, start: dt.datetime, notes: list[str]
    ) -> dict[str, dict[str | None, tuple[int, dt.datetime]]] | None:
        capabilities = self.settings.capabilities
        try:
            results = await gather_first_error(
                *(self._usage(client, ctx, capability, start) for capability in capabilities)
            )
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(USAGE_REFUSED.format(status=exc.status_code))
            return None
        return dict(zip(capabilities, results, strict=True))

    async def _usage(
        self, client: httpx.AsyncClient, ctx: CollectContext, capability: str, start: dt.datetime
    ) -> dict[str | None, tuple[int, dt.datetime]]:
        """Per ``user_id`` (``None`` = not attributed to a person): events and the latest day used."""
        per_user: dict[str | None, tuple[int, dt.datetime]] = {}
        params = {
            "start_time": int(start.timestamp()),
            "end_time": int(ctx.now.timestamp()),
            "bucket_width": "1d",
            "limit": USAGE_LIMIT,
            self._array("group_by"): ["user_id"],
        }
        path = USAGE_PATH.format(capability=capability)
        pages = 0
        async for body in paginate_body_cursor(
            client,
            path,
            source=self.source,
            cursor_param="page",
            next_cursor=_next_page,
            params=params,
        ):
            pages += 1
            ctx.progress(f"{capability} usage page {pages}")
            page = parse_model(BucketPage, body, source=self.source, what=f"{capability} usage")
            for bucket in page.data:
                if bucket.start_time > ctx.now:
                    continue
                for item in bucket.results:
                    result = parse_model(
                        UsageResult, item, source=self.source, what=f"a {capability} usage result"
                    )
                    if result.events <= 0:
                        continue
                    count, last = per_user.get(result.user_id, (0, bucket.start_time))
                    per_user[result.user_id] = (count + result.events, max(last, bucket.start_time))
        return per_user

    def _feature(
        self,
        capability: str,
        per_user: Mapping[str | None, tuple[int, dt.datetime]],
        by_id: Mapping[str, OrgUser],
        ctx: CollectContext,
    ) -> FeatureUsage:
        people = sorted(uid for uid in per_user if uid is not None)
        return FeatureUsage(
            feature=capability,
            name=CAPABILITIES[capability],
            active_users=len(people),
            events=sum(count for count, _ in per_user.values()),
            last_used=max((last for _, last in per_user.values()), default=None),
            window_days=ctx.lookback_days,
            users=[_person(uid, by_id) for uid in people],
        )

    # -- costs -------------------------------------------------------------------------------

    async def _costs(
        self, client: httpx.AsyncClient, ctx: CollectContext, start: dt.datetime, notes: list[str]
    ) -> dict[str, float] | None:
        totals: dict[str, float] = defaultdict(float)
        params = {
            "start_time": int(start.timestamp()),
            "end_time": int(ctx.now.timestamp()),
            "bucket_width": "1d",
            "limit": COSTS_LIMIT,
        }
        try:
            async for body in paginate_body_cursor(
                client,
                COSTS_PATH,
                source=self.source,
                cursor_param="page",
                next_cursor=_next_page,
                params=params,
            ):
                page = parse_model(BucketPage, body, source=self.source, what="the costs")
                for bucket in page.data:
                    for item in bucket.results:
                        cost = parse_model(
                            CostResult, item, source=self.source, what="a cost result"
                        )
                        if cost.amount is not None:
                            totals[cost.amount.currency.upper()] += cost.amount.value
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(COSTS_REFUSED.format(status=exc.status_code))
            return None
        return dict(totals)

    # -- machine integrations ----------------------------------------------------------------

    async def _integrations(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> list[Integration] | None:
        try:
            projects = [
                project
                async for page in self._list(client, PROJECTS_PATH, "project list", ctx)
                for project in parse_items(
                    Project, page.data, source=self.source, what="the project list"
                )
            ]
            per_project = await gather_first_error(
                *(self._project_integrations(client, ctx, project) for project in projects)
            )
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(PROJECTS_REFUSED.format(status=exc.status_code))
            return None
        return [integration for found in per_project for integration in found]

    async def _project_integrations(
        self, client: httpx.AsyncClient, ctx: CollectContext, project: Project
    ) -> list[Integration]:
        base = f"{PROJECTS_PATH}/{project.id}"
        accounts = [
            account
            async for page in self._list(
                client, f"{base}/service_accounts", "service accounts", ctx
            )
            for account in parse_items(
                ServiceAccount, page.data, source=self.source, what="the service accounts"
            )
        ]
        keys = [
            key
            async for page in self._list(client, f"{base}/api_keys", "API keys", ctx)
            for key in parse_items(ApiKey, page.data, source=self.source, what="the API keys")
        ]
        found: list[Integration] = []
        for account in accounts:
            owned = [key for key in keys if key.service_account_id == account.id]
            found.append(
                Integration(
                    app=account.name or account.id,
                    kind="openai_service_account",
                    direction="both",
                    last_used=_last_evidence(owned, account.created_at, ctx),
                )
            )
        if self.settings.user_keys_as_integrations:
            for key in keys:
                if key.owner is not None and key.owner.type == "user":
                    found.append(
                        Integration(
                            app=key.name or key.id,
                            kind="openai_user_api_key",
                            direction="both",
                            last_used=_last_evidence([key], key.created_at, ctx),
                        )
                    )
        return found

    # -- paging ------------------------------------------------------------------------------

    def _list(
        self, client: httpx.AsyncClient, path: str, what: str, ctx: CollectContext
    ) -> AsyncIterator[ListPage]:
        pages = paginate_body_cursor(
            client,
            path,
            source=self.source,
            cursor_param="after",
            next_cursor=_next_after,
            params={"limit": LIST_LIMIT},
        )
        return parse_pages(ListPage, pages, source=self.source, what=what, progress=ctx.progress)


async def _none() -> None:
    return None


def _day_start(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _person(uid: str, by_id: Mapping[str, OrgUser]) -> str:
    user = by_id.get(uid)
    email = (user.email or "").strip().lower() if user else ""
    return email or uid


def _last_evidence(
    keys: list[ApiKey], created: dt.datetime | None, ctx: CollectContext
) -> dt.datetime | None:
    """The latest use of the keys; a machine identity whose keys were never used dates from its
    creation (known idle since then), rather than "unknown", which would count as live."""
    used = [key.last_used_at for key in keys if key.last_used_at and key.last_used_at <= ctx.now]
    if used:
        return max(used)
    made = [key.created_at for key in keys if key.created_at] + ([created] if created else [])
    return min(made) if made else None


def _spend_note(costs: Mapping[str, float], days: int) -> str:
    if not costs:
        return f"OpenAI reports no spend in the last {days} days (organization costs)."
    amounts = ", ".join(f"{value:,.2f} {currency}" for currency, value in sorted(costs.items()))
    return f"OpenAI reports {amounts} spent in the last {days} days (organization costs)."


__all__ = ["CAPABILITIES", "OpenAIPlugin", "OpenAISettings"]
