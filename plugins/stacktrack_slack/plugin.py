"""The ``slack`` plugin: seats, login activity and installed apps of one Slack workspace.

Built against docs/plugins/slack.md. It reads four Web API methods,
concurrently:

* ``users.list`` (cursor): the members. Humans only: bots, app users and Slackbot are not seats.
  Guests are counted and marked. Deleted (deactivated) members are kept as ``deactivated``,
  ``assigned=False``: Slack never removes them from the list, they hold no seat, and keeping them
  lets the history show when someone left (the core never counts them as assigned).
* ``team.billableInfo`` (cursor): the count of ``billing_active`` members becomes ``seats_used``.
  It is not used to decide assignment: Slack's docs say it is "computed periodically ... not a
  real-time view", and Fair Billing turns long-inactive members non-billable, which would hide
  exactly the idle seats this tool exists to find.
* ``team.accessLogs`` (page/count): ``date_last`` per user becomes ``last_active`` (kind
  ``login``). Needs a paid plan: ``paid_only`` degrades to "activity unknown" with a note. Slack
  refuses a page past 100 or a count past 1000 (``over_pagination_limit``), so after 100 pages the
  plugin asks again with ``before`` = the oldest ``date_first`` read; ``max_log_pages`` in all,
  then a note saying how far back the log was read.
* ``team.integrationLogs`` (page/count): apps and services added/enabled and not later
  removed/disabled become integrations.
* ``admin.analytics.getFile`` (``type=member``, one gzip NDJSON file per day, Enterprise Grid only):
  feature use (messages, workflows, huddles, calls, apps, Slack Connect, search) over the window's
  days. Below Grid the method is refused: a note, features unknown (never zeros).

The three ``team.*`` methods need the ``admin`` scope on an admin's user token; without it each one
degrades (a note) instead of failing the source. ``users.list`` is required.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from pydantic import BaseModel

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    AuthenticationError,
    BadResponse,
    Capability,
    CollectContext,
    FeatureUsage,
    Integration,
    Observation,
    Plugin,
    PluginError,
    RateLimitExhausted,
    gather_first_error,
    get_json,
    paginate_body_cursor,
    parse_model,
    parse_vendor_time,
)
from stacktrack_slack.settings import ANALYTICS_KEPT_DAYS, SlackSettings

from .analytics import MemberDay, MemberFile, MemberTally, Unreadable, read_member_file
from .models import (
    AccessLogsPage,
    BillableInfoPage,
    Envelope,
    IntegrationLogsPage,
    Member,
    PagedBody,
    UsersListPage,
)

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_slack.emulator import SlackEmulator


_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")

SLACKBOT_ID = "USLACKBOT"
"""Slackbot is listed with ``is_bot: false``; only its fixed id tells it apart."""

AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)
"""``ok: false`` codes that mean the token itself is not accepted."""

ACCESS_ERRORS = frozenset({"missing_scope", "paid_only", "not_allowed_token_type"})
"""``ok: false`` codes that mean this token or plan cannot use this one method."""

SLACK_MAX_PAGE = 100
"""``team.accessLogs`` answers ``over_pagination_limit`` past page 100 (and past 1000 per page); going
further back means a new ``before`` below the oldest row read."""

FEATURES_NOTE = (
    "feature usage is not exposed below Enterprise Grid (admin.analytics.getFile needs an app "
    "installed org-wide on Enterprise Grid with admin.analytics:read): workflows, huddles, apps "
    "and search use unknown"
)
"""Features stay ``None`` (unknown), never zeros."""

ANALYTICS_METHOD = "admin.analytics.getFile"

ADDING = frozenset({"added", "enabled"})
REMOVING = frozenset({"removed", "disabled"})


class _AccessDenied(PluginError):
    """A method this token or plan may not use (``missing_scope``, ``paid_only``, ...)."""

    def __init__(self, source: str, method: str, code: str, needed: str | None) -> None:
        if code == "paid_only":
            what = "needs a paid Slack plan (Pro or above)"
        elif code == "not_allowed_token_type":
            what = "needs a user token (xoxp-) of a workspace admin"
        elif needed:
            what = f"needs scope {needed}"
        else:
            what = "this token may not use it"
        super().__init__(source, f"Slack refused {method} ({code}): {what}")
        self.code = code


class _NoFile(Exception):
    """A day's member file Slack did not serve (not ready, out of range, ...): ``ok: false``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SlackPlugin(Plugin[SlackSettings]):
    name = "slack"
    title = "Slack"
    settings_model = SlackSettings
    default_base_url = "https://slack.com/api"
    observes = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY, Capability.INTEGRATIONS, Capability.FEATURES}
    )
    reports_many_apps = False
    product = "slack"

    @classmethod
    def emulator(cls) -> type[SlackEmulator]:
        from .emulator import SlackEmulator

        return SlackEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        notes: list[str] = []
        members, billable, logins, integrations, features = await gather_first_error(
            self._members(client, ctx),
            self._optional(self._billable(client, ctx), notes, "billed-seat count unknown"),
            self._optional(self._last_logins(client, ctx, notes), notes, "activity unknown"),
            self._optional(self._integrations(client, ctx, notes), notes, "integrations unknown"),
            self._features(client, ctx, notes),
        )
        accounts = [self._account(member, logins) for member in members if _is_human(member)]
        usage = AppUsage(
            app=None,
            seats_used=sum(1 for active in billable.values() if active)
            if billable is not None
            else None,
            accounts=accounts,
            activity_known=logins is not None,
            integrations=integrations,
            features=features,
        )
        return Observation(apps=[usage], notes=notes)

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """429 + ``Retry-After`` (the documented signal); also an ``ok: false`` ``ratelimited``."""
        wait = super().rate_limit_wait(response)
        if wait is not None or response.status_code != 200:
            return wait
        # Cheap test first: this runs on every response, and almost none is rate-limited.
        if b"ratelimited" not in response.content:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if (
            isinstance(body, dict)
            and body.get("ok") is False
            and body.get("error") == "ratelimited"
        ):
            return 0.0  # no hint: the core backs off exponentially
        return None

    # -- the four methods ----------------------------------------------------------------

    async def _members(self, client: httpx.AsyncClient, ctx: CollectContext) -> list[Member]:
        members: list[Member] = []
        pages = paginate_body_cursor(
            client,
            "/users.list",
            source=self.source,
            cursor_param="cursor",
            next_cursor=_next_cursor,
            params=self._team({"limit": self.settings.page_limit}),
        )
        number = 0
        async for body in pages:
            number += 1
            try:
                self._check(body, "users.list")
            except _AccessDenied as exc:
                # Without the member list there is nothing to report: a permissions problem.
                raise AuthenticationError(self.source, exc.message) from None
            members.extend(self._parse(UsersListPage, body, "users.list").members)
            ctx.progress(f"members page {number}")
        return members

    async def _billable(self, client: httpx.AsyncClient, ctx: CollectContext) -> dict[str, bool]:
        active: dict[str, bool] = {}
        pages = paginate_body_cursor(
            client,
            "/team.billableInfo",
            source=self.source,
            cursor_param="cursor",
            next_cursor=_next_cursor,
            params=self._team({"limit": self.settings.page_limit}),
        )
        async for body in pages:
            self._check(body, "team.billableInfo")
            page = self._parse(BillableInfoPage, body, "team.billableInfo")
            for user_id, info in page.billable_info.items():
                active[user_id] = bool(info.billing_active)
        ctx.progress("billable info read")
        return active

    async def _last_logins(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> dict[str, dt.datetime]:
        latest: dict[str, dt.datetime] = {}
        # ``before`` caps the logs at the run's clock, so a simulated clock sees no future logins;
        # past Slack's 100 pages it steps back to the oldest row read so far (rows sharing that
        # second are read twice, which changes no latest date).
        before = int(ctx.now.timestamp())
        read = 0
        while True:
            oldest: int | None = None
            more = False
            params = {"before": before}
            async for body, more in self._log_window(client, "team.accessLogs", params, ctx):
                read += 1
                for login in self._parse(AccessLogsPage, body, "team.accessLogs").logins:
                    when = self._login_time(login.date_first, login.date_last, ctx.now)
                    if when is not None and (
                        login.user_id not in latest or when > latest[login.user_id]
                    ):
                        latest[login.user_id] = when
                    first = _epoch_int(login.date_first)
                    if first is not None and (oldest is None or first < oldest):
                        oldest = first
                if more and read >= self.settings.max_log_pages:
                    notes.append(self._horizon_note(read, oldest, ctx))
                    return latest
            if not more:
                return latest
            if oldest is None or oldest >= before:
                notes.append(self._horizon_note(read, oldest, ctx, stuck=True))
                return latest
            before = oldest

    def _horizon_note(
        self, read: int, oldest: int | None, ctx: CollectContext, *, stuck: bool = False
    ) -> str:
        why = "Slack offers no older page" if stuck else "max_log_pages"
        since = (
            f" (entries since {dt.datetime.fromtimestamp(oldest, dt.UTC):%Y-%m-%d})"
            if oldest is not None
            else ""
        )
        return (
            f"team.accessLogs: read {read} pages{since}, stopped ({why}); "
            "older sign-ins were not read"
        )

    async def _integrations(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> list[Integration]:
        # Replay every change per app, oldest first, to know which apps are still installed.
        changes: list[tuple[dt.datetime, int, str, str, str]] = []
        params = self._team({})
        async for body in self._log_pages(client, "team.integrationLogs", params, notes, ctx):
            for log in self._parse(IntegrationLogsPage, body, "team.integrationLogs").logs:
                if log.app_id or log.app_type:
                    key, name = f"app:{log.app_id or log.app_type}", log.app_type or log.app_id
                elif log.service_id or log.service_type:
                    key, name = (
                        f"service:{log.service_id or log.service_type}",
                        log.service_type or log.service_id,
                    )
                else:
                    continue  # neither an app nor a service: nothing to name
                when = self._time(log.date, "team.integrationLogs date")
                # Ties within one second: the log lists newest first, so a later row is older.
                changes.append(
                    (when or _EPOCH, -len(changes), key, str(name), (log.change_type or "").lower())
                )
        installed: dict[str, bool] = {}
        names: dict[str, str] = {}
        for _when, _order, key, name, change in sorted(changes):
            names[key] = name
            if change in REMOVING:
                installed[key] = False
            elif change in ADDING:
                installed[key] = True
            else:
                # "updated" (or a code we do not know) changes nothing, except that it proves an app
                # we have no earlier event for exists (it was added before the oldest log we read).
                installed.setdefault(key, True)
        # The log dates are configuration changes, not use: an app installed a year ago may carry
        # traffic every minute. Slack exposes no last-use time outside Enterprise Grid analytics, so
        # last_used stays None (unknown), which the core counts as live (docs/methodology.md).
        seen: dict[str, Integration] = {}
        for key, present in installed.items():
            if not present:
                continue
            name = names[key]
            seen.setdefault(
                name.casefold(), Integration(app=name, kind="slack_app", direction="both")
            )
        return sorted(seen.values(), key=lambda integration: integration.app.casefold())

    async def _features(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> list[FeatureUsage] | None:
        """Member analytics, one file per day from yesterday back over the window; ``None`` (and
        the below-Grid note) when Slack refuses the method."""
        wanted = min(ctx.lookback_days, self.settings.analytics_days, ANALYTICS_KEPT_DAYS)
        today = ctx.now.astimezone(dt.UTC).date()
        days = [today - dt.timedelta(days=back) for back in range(1, wanted + 1)]
        tally = MemberTally()
        missing: dict[str, int] = {}
        for day in days:
            try:
                rows = await self._member_file(client, day)
            except _AccessDenied as exc:
                notes.append(f"{FEATURES_NOTE} (Slack answered {exc.code})")
                return None
            except _NoFile as exc:
                missing[exc.code] = missing.get(exc.code, 0) + 1
                continue
            tally.add(day, rows)
            ctx.progress(f"member analytics of {day} read")
        read = len(days) - sum(missing.values())
        if missing:
            codes = ", ".join(f"{code} x{count}" for code, count in sorted(missing.items()))
            notes.append(
                f"{ANALYTICS_METHOD}: no member file for {sum(missing.values())} of {len(days)} "
                f"days ({codes}); feature use counts the other {read}"
            )
        if not read:
            return None
        if wanted < ctx.lookback_days:
            notes.append(
                f"{ANALYTICS_METHOD}: read {wanted} days of member analytics (analytics_days), "
                f"not the whole {ctx.lookback_days}-day window"
            )
        whole = read == ctx.lookback_days
        return tally.features(window_days=read, every_user=True if whole else None)

    async def _member_file(self, client: httpx.AsyncClient, day: dt.date) -> list[MemberDay]:
        body = await get_json(
            client,
            f"/{ANALYTICS_METHOD}",
            source=self.source,
            params=self._team({"type": "member", "date": day.isoformat()}),
            parse=read_member_file,
        )
        if isinstance(body, MemberFile):
            return body.rows
        if isinstance(body, Unreadable):
            raise BadResponse(self.source, f"{ANALYTICS_METHOD} of {day} answered {body.reason}")
        envelope = self._parse(Envelope, body, ANALYTICS_METHOD)
        if envelope.ok:
            raise BadResponse(
                self.source, f"{ANALYTICS_METHOD} of {day} answered ok without a file"
            )
        code = _safe(envelope.error) or "unknown_error"
        if code in AUTH_ERRORS or code in ACCESS_ERRORS or code == "ratelimited":
            self._check(body, ANALYTICS_METHOD)  # raises the typed error
        # Not ready, out of range, ...: Slack's codes for a missing day are not documented.
        raise _NoFile(code)

    # -- helpers ---------------------------------------------------------------------------

    async def _log_pages(
        self,
        client: httpx.AsyncClient,
        method: str,
        params: dict[str, Any],
        notes: list[str],
        ctx: CollectContext,
    ) -> AsyncIterator[Any]:
        """Each page of a page/count log, up to ``max_log_pages`` and Slack's 100 (then a note)."""
        read = 0
        more = False
        async for body, more in self._log_window(client, method, params, ctx):
            read += 1
            yield body
            if more and read >= self.settings.max_log_pages:
                break
        else:
            if not more:
                return
        why = "max_log_pages" if read >= self.settings.max_log_pages else "Slack's 100-page limit"
        notes.append(f"{method}: read the first {read} pages ({why}); older entries were not read")

    async def _log_window(
        self, client: httpx.AsyncClient, method: str, params: dict[str, Any], ctx: CollectContext
    ) -> AsyncIterator[tuple[Any, bool]]:
        """(page, whether more exist) of one page/count query, pages 1 to 100 at most; guards
        against a page that repeats."""
        page = 1
        while True:
            query = {**params, "count": self.settings.log_page_count, "page": page}
            body = await get_json(client, f"/{method}", source=self.source, params=query)
            self._check(body, method)
            paging = self._parse(PagedBody, body, method).paging
            if paging is not None and paging.page is not None and paging.page != page:
                raise BadResponse(
                    self.source,
                    f"pagination loop: {method} answered page {paging.page} for page {page}",
                )
            pages = paging.pages if paging is not None else None
            more = pages is not None and page < pages
            yield body, more
            ctx.progress(f"{method} page {page}")
            if not more or page >= SLACK_MAX_PAGE:
                return
            page += 1

    async def _optional(self, work: Awaitable[_T], notes: list[str], consequence: str) -> _T | None:
        """Run one admin method; a method this token or plan cannot use becomes a note."""
        try:
            return await work
        except _AccessDenied as exc:
            notes.append(f"{exc.message}: {consequence}")
            return None

    def _check(self, body: Any, method: str) -> None:
        """Turn Slack's HTTP 200 ``ok: false`` answers into typed errors."""
        envelope = self._parse(Envelope, body, method)
        if envelope.ok:
            return
        code = _safe(envelope.error) or "unknown_error"
        if code in AUTH_ERRORS:
            raise AuthenticationError(
                self.source,
                f"Slack rejected the token ({code}) on {method}: check the token",
                body=body,
            )
        if code == "ratelimited":
            raise RateLimitExhausted(
                self.source, f"Slack kept answering {method} with ratelimited", body=body
            )
        if code in ACCESS_ERRORS:
            raise _AccessDenied(self.source, method, code, _safe(envelope.needed))
        raise PluginError(self.source, f"Slack answered {method} with error {code}", body=body)

    def _parse(self, model: type[_M], body: Any, method: str) -> _M:
        return parse_model(model, body, source=self.source, what=method)

    def _time(self, value: Any, what: str) -> dt.datetime | None:
        return parse_vendor_time(value, source=self.source, what=what)

    def _login_time(self, first: Any, last: Any, now: dt.datetime) -> dt.datetime | None:
        latest = self._time(last, "team.accessLogs date_last")
        if latest is not None and latest <= now:
            return latest
        # A row whose last login is after the run's clock still proves a login at date_first.
        earliest = self._time(first, "team.accessLogs date_first")
        return earliest if earliest is not None and earliest <= now else None

    def _team(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.settings.team_id:
            return {**params, "team_id": self.settings.team_id}
        return params

    def _account(self, member: Member, logins: dict[str, dt.datetime] | None) -> Account:
        profile = member.profile
        last = logins.get(member.id) if logins is not None else None
        return Account(
            id=member.id,
            email=profile.email if profile else None,
            name=member.real_name or (profile.real_name if profile else None) or member.name,
            status=AccountStatus.DEACTIVATED if member.deleted else AccountStatus.ACTIVE,
            assigned=not member.deleted,
            guest=member.is_restricted or member.is_ultra_restricted,
            last_active=last,
            activity_kind=ActivityKind.LOGIN if last is not None else None,
        )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _epoch_int(value: Any) -> int | None:
    """An access-log epoch (a number, sometimes a numeric string), or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _is_human(member: Member) -> bool:
    return not (member.is_bot or member.is_app_user or member.id == SLACKBOT_ID)


def _next_cursor(body: Any) -> str | None:
    metadata = body.get("response_metadata") if isinstance(body, dict) else None
    cursor = metadata.get("next_cursor") if isinstance(metadata, dict) else None
    if cursor is not None and not isinstance(cursor, str):
        raise TypeError("next_cursor is not a string")
    return cursor or None


def _safe(text: str | None) -> str | None:
    """A vendor error code fit for a one-line message."""
    if text is None:
        return None
    return "".join(ch for ch in text if ch.isprintable())[:80] or None
