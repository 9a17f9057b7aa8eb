"""The ``anthropic`` plugin: an Anthropic organization (Claude Console) through its Admin API.

What it reads (docs/plugins/anthropic.md has the details, limits and blind spots):

* ``GET /v1/organizations/users`` (``limit`` up to 1000, cursor ``after_id`` = ``last_id``): the
  members; or, with ``workspace_id`` set, only that workspace's members
  (``/v1/organizations/workspaces/{id}/members``), for a tool bought for one team;
* ``GET /v1/organizations/usage_report/claude_code`` (one UTC day per call, ``limit`` up to 1000,
  cursor ``page``): per person, Claude Code sessions and accepted or rejected tool actions, which
  are feature use and activity;
* ``GET /v1/organizations/usage_report/messages`` grouped by ``account_id`` (daily buckets, at most
  31 a page): who used the Messages API, feature use and activity.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import AsyncIterator, Generator, Mapping
from dataclasses import dataclass, field
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
from stacktrack_anthropic.models import (
    BucketPage,
    ClaudeCodePage,
    ClaudeCodeRecord,
    ListPage,
    OrgUser,
    UsageResult,
    WorkspaceMember,
)
from stacktrack_anthropic.settings import AnthropicSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_anthropic.emulator import AnthropicEmulator


API_VERSION = "2023-06-01"
USERS_PATH = "/v1/organizations/users"
MEMBERS_PATH = "/v1/organizations/workspaces/{workspace_id}/members"
MESSAGES_PATH = "/v1/organizations/usage_report/messages"
CLAUDE_CODE_PATH = "/v1/organizations/usage_report/claude_code"
LIST_LIMIT = 1000  # documented maximum for users and workspace members
USAGE_LIMIT = 31  # daily buckets per page: documented maximum for bucket_width=1d
CLAUDE_CODE_LIMIT = 1000  # records per page: documented maximum

MESSAGES_REFUSED = (
    "Anthropic refused the messages usage report (HTTP {status}): Messages API use is unknown."
)
CLAUDE_CODE_REFUSED = (
    "Anthropic refused the Claude Code usage report (HTTP {status}): Claude Code use is unknown."
)


class _AdminKeyAuth(httpx.Auth):
    """``x-api-key`` and ``anthropic-version`` on every request; the key never shows in a repr."""

    def __init__(self, key: str) -> None:
        self._key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["x-api-key"] = self._key
        request.headers["anthropic-version"] = API_VERSION
        yield request

    def __repr__(self) -> str:
        return "<AnthropicAdminKey ***>"


@dataclass
class _Use:
    """One person's (or one unnamed actor's) use of one feature in the window."""

    events: int = 0
    last: dt.datetime | None = None

    def add(self, count: int, when: dt.datetime) -> None:
        self.events += count
        self.last = when if self.last is None else max(self.last, when)


@dataclass
class _ClaudeCode:
    sessions: dict[str, _Use] = field(default_factory=lambda: defaultdict(_Use))
    accepted: dict[str, _Use] = field(default_factory=lambda: defaultdict(_Use))
    rejected: int = 0
    unnamed_sessions: int = 0
    """Sessions of API actors (a key name, not a person)."""
    unnamed_accepted: int = 0


_next_after = has_more_cursor("last_id")
_next_page = has_more_cursor("next_page")


class AnthropicPlugin(Plugin[AnthropicSettings]):
    name: ClassVar[str] = "anthropic"
    title: ClassVar[str] = "Anthropic (Claude Console)"
    settings_model: ClassVar[type[PluginSettings]] = AnthropicSettings
    default_base_url: ClassVar[str | None] = "https://api.anthropic.com"
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY, Capability.FEATURES}
    )
    product: ClassVar[str | None] = "anthropic_api"

    def auth(self) -> httpx.Auth | None:
        token = self.settings.token
        return None if token is None else _AdminKeyAuth(token.get_secret_value())

    @classmethod
    def emulator(cls) -> type[AnthropicEmulator]:
        from stacktrack_anthropic.emulator import AnthropicEmulator

        return AnthropicEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        settings = self.settings
        users = await self._users(client, ctx)
        seats = await self._seat_ids(client, ctx) if settings.workspace_id else None
        messages_notes: list[str] = []
        code_notes: list[str] = []
        messages, code = await gather_first_error(
            self._messages(client, ctx, messages_notes) if settings.messages_usage else _none(),
            self._claude_code(client, ctx, code_notes) if settings.claude_code else _none(),
        )
        notes = messages_notes + code_notes
        by_email = {u.email.strip().lower(): u.id for u in users if u.email}
        last: dict[str, dt.datetime] = {}

        def seen(uid: str | None, when: dt.datetime | None) -> None:
            if uid is not None and when is not None and when <= ctx.now:
                last[uid] = max(last.get(uid, when), when)

        features: list[FeatureUsage] = []
        if messages is not None:
            for uid, use in messages.items():
                seen(uid, use.last)
            features.append(self._feature("messages_api", "Messages API", messages, users, ctx))
        if code is not None:
            for email, use in code.sessions.items():
                seen(by_email.get(email), use.last)
            features.extend(self._claude_code_features(code, users, ctx))
            notes.append(_acceptance_note(code, settings.claude_code_days))
        accounts = [
            Account(
                id=user.id,
                email=user.email,
                name=user.name,
                status=AccountStatus.ACTIVE,
                assigned=seats is None or user.id in seats,
                last_active=last.get(user.id),
                activity_kind=ActivityKind.FEATURE if user.id in last else None,
            )
            for user in users
        ]
        observed = messages is not None or code is not None
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    accounts=accounts,
                    activity_known=observed,
                    features=features if observed else None,
                    integrations=None,  # no listed endpoint names the apps that call the API
                )
            ],
            notes=notes,
        )

    # -- members -----------------------------------------------------------------------------

    async def _users(self, client: httpx.AsyncClient, ctx: CollectContext) -> list[OrgUser]:
        return [
            user
            async for page in self._list(client, USERS_PATH, "member list", ctx)
            for user in parse_items(OrgUser, page.data, source=self.source, what="the member list")
        ]

    async def _seat_ids(self, client: httpx.AsyncClient, ctx: CollectContext) -> set[str]:
        path = MEMBERS_PATH.format(workspace_id=self.settings.workspace_id)
        return {
            member.user_id
            async for page in self._list(client, path, "workspace members", ctx)
            for member in parse_items(
                WorkspaceMember, page.data, source=self.source, what="the workspace members"
            )
        }

    def _list(
        self, client: httpx.AsyncClient, path: str, what: str, ctx: CollectContext
    ) -> AsyncIterator[ListPage]:
        pages = paginate_body_cursor(
            client,
            path,
            source=self.source,
            cursor_param="after_id",
            next_cursor=_next_after,
            params={"limit": LIST_LIMIT},
        )
        return parse_pages(ListPage, pages, source=self.source, what=what, progress=ctx.progress)

    # -- Messages API usage ------------------------------------------------------------------

    async def _messages(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> dict[str | None, _Use] | None:
        start = _day(ctx.now - dt.timedelta(days=ctx.lookback_days))
        per_user: dict[str | None, _Use] = defaultdict(_Use)
        params = {
            "starting_at": _rfc3339(start),
            "ending_at": _rfc3339(ctx.now),
            "bucket_width": "1d",
            "group_by[]": ["account_id"],
            "limit": USAGE_LIMIT,
        }
        try:
            async for body in paginate_body_cursor(
                client,
                MESSAGES_PATH,
                source=self.source,
                cursor_param="page",
                next_cursor=_next_page,
                params=params,
            ):
                page = parse_model(BucketPage, body, source=self.source, what="the usage report")
                for bucket in page.data:
                    if bucket.starting_at > ctx.now:
                        continue
                    for item in bucket.results:
                        result = parse_model(
                            UsageResult, item, source=self.source, what="a usage result"
                        )
                        if result.used:
                            # A user-day with use: the report counts tokens, not requests.
                            per_user[result.account_id].add(1, bucket.starting_at)
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(MESSAGES_REFUSED.format(status=exc.status_code))
            return None
        return dict(per_user)

    # -- Claude Code -------------------------------------------------------------------------

    async def _claude_code(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> _ClaudeCode | None:
        days = min(self.settings.claude_code_days, ctx.lookback_days)
        today = ctx.now.astimezone(dt.UTC).date()
        dates = [today - dt.timedelta(days=back) for back in range(days)]
        found = _ClaudeCode()
        try:
            per_day = await gather_first_error(*(self._code_day(client, d) for d in dates))
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(CLAUDE_CODE_REFUSED.format(status=exc.status_code))
            return None
        for date, records in zip(dates, per_day, strict=True):
            when = dt.datetime.combine(date, dt.time(), tzinfo=dt.UTC)
            for record in records:
                accepted = sum(d.accepted for d in record.tool_actions.values())
                found.rejected += sum(d.rejected for d in record.tool_actions.values())
                email = (record.actor.email_address or "").strip().lower()
                if record.actor.type != "user_actor" or not email:
                    found.unnamed_sessions += record.core_metrics.num_sessions
                    found.unnamed_accepted += accepted
                    continue
                if record.core_metrics.num_sessions > 0:
                    found.sessions[email].add(record.core_metrics.num_sessions, when)
                if accepted > 0:
                    found.accepted[email].add(accepted, when)
        ctx.progress(f"Claude Code: {days} days read")
        return found

    async def _code_day(self, client: httpx.AsyncClient, date: dt.date) -> list[ClaudeCodeRecord]:
        records: list[ClaudeCodeRecord] = []
        async for body in paginate_body_cursor(
            client,
            CLAUDE_CODE_PATH,
            source=self.source,
            cursor_param="page",
            next_cursor=_next_page,
            params={"starting_at": date.isoformat(), "limit": CLAUDE_CODE_LIMIT},
        ):
            page = parse_model(
                ClaudeCodePage, body, source=self.source, what="the Claude Code report"
            )
            records.extend(
                parse_items(
                    ClaudeCodeRecord, page.data, source=self.source, what="the Claude Code report"
                )
            )
        return records

    def _claude_code_features(
        self, code: _ClaudeCode, users: list[OrgUser], ctx: CollectContext
    ) -> list[FeatureUsage]:
        days = min(self.settings.claude_code_days, ctx.lookback_days)
        out = []
        for key, name, per_person, unnamed in (
            ("claude_code", "Claude Code sessions", code.sessions, code.unnamed_sessions),
            (
                "claude_code_accepted_edits",
                "Claude Code edits accepted",
                code.accepted,
                code.unnamed_accepted,
            ),
        ):
            lasts = [use.last for use in per_person.values() if use.last is not None]
            out.append(
                FeatureUsage(
                    feature=key,
                    name=name,
                    active_users=len(per_person),
                    events=sum(use.events for use in per_person.values()) + unnamed,
                    last_used=max(lasts) if lasts else None,
                    window_days=days,
                    users=sorted(per_person),
                )
            )
        return out

    def _feature(
        self,
        key: str,
        name: str,
        per_user: Mapping[str | None, _Use],
        users: list[OrgUser],
        ctx: CollectContext,
    ) -> FeatureUsage:
        emails = {u.id: (u.email or "").strip().lower() or u.id for u in users}
        people = sorted(uid for uid in per_user if uid is not None)
        lasts = [use.last for use in per_user.values() if use.last is not None]
        return FeatureUsage(
            feature=key,
            name=name,
            active_users=len(people),
            events=sum(use.events for use in per_user.values()),
            last_used=max(lasts) if lasts else None,
            window_days=ctx.lookback_days,
            users=sorted(emails.get(uid, uid) for uid in people),
        )


async def _none() -> None:
    return None


def _day(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _rfc3339(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _acceptance_note(code: _ClaudeCode, days: int) -> str:
    accepted = sum(use.events for use in code.accepted.values()) + code.unnamed_accepted
    decided = accepted + code.rejected
    if decided == 0:
        return f"Claude Code: no tool action accepted or rejected in the last {days} days."
    share = round(100 * accepted / decided)
    return (
        f"Claude Code: {accepted} tool actions accepted and {code.rejected} rejected "
        f"({share}% accepted) in the last {days} days."
    )
