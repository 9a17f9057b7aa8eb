"""The ``google_workspace`` plugin: Workspace seats and sign-ins, SAML apps, third-party OAuth apps.

Built against docs/plugins/google_workspace.md (Admin SDK Directory and Reports, Enterprise
License Manager). Google Workspace is a directory (``reports_many_apps``) and also a product a company
pays for. It returns:

* the Workspace app itself (``app=None``, catalog product ``google_workspace``): every Directory user
  (``users.list``), ``lastLoginTime`` as the last activity (kind ``login``). Suspended users are
  ``suspended`` and archived ones ``deactivated``; neither holds a seat. When ``license_skus`` are
  configured, only users holding one of those License Manager SKUs are assigned; otherwise every
  active user is.
* one app per SAML application seen in the Reports API ``saml`` ``login_success`` events in the
  window, accounts = the users seen signing in (kind ``sso``). Google has no per-app assignment list
  in these APIs, so "assigned" for a SAML app can only mean "signed in during the window": such an
  app never shows never-active users. ``login_failure`` events are not asked for and are skipped.
* integrations of the Workspace app from the Reports ``token`` ``authorize`` events: one per
  third-party app (``app_name``), last grant as ``last_used`` and distinct granting users as
  ``active_users``. Grants are evidence of a connection, not of traffic: a ``revoke`` is not
  subtracted and API-call (``activity``) events are not read.

A Reports or License Manager refusal (HTTP 403 without a quota reason: the token lacks the scope)
degrades to a note; the Directory listing is required. Rate limits: 429, 503 and 403 with a
``rateLimitExceeded``/``userRateLimitExceeded``/``quotaExceeded`` reason are retried with exponential
backoff by the core (Google sends no wait hint); still limited afterwards is ``RateLimitExhausted``.

Auth: a service account with domain-wide delegation (``credentials_file`` or ``credentials`` +
``subject`` + ``scopes``; see ``service_account.py``) for unattended runs, or a ready OAuth access
token (``token``), which lasts about an hour.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

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
    Integration,
    Observation,
    Plugin,
    PluginError,
    RateLimitExhausted,
    gather_first_error,
    json_or_none,
    paginate_body_cursor,
    parse_model,
    parse_optional,
    parse_vendor_time,
)
from stacktrack_google_workspace.settings import GoogleWorkspaceSettings

from .models import (
    ActivitiesPage,
    Activity,
    DirectoryUser,
    ErrorBody,
    LicensesPage,
    UsageReport,
    UsageReportsPage,
    UsersPage,
)
from .service_account import ServiceAccountAuth, ServiceAccountKey, parse_key

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_google_workspace.emulator import GoogleWorkspaceEmulator


_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")

LICENSING_URL = "https://licensing.googleapis.com"
USERS_PATH = "/admin/directory/v1/users"
ACTIVITY_PATH = "/admin/reports/v1/activity/users/all/applications/{application}"
LICENSES_PATH = "/apps/licensing/v1/product/{product}/sku/{sku}/users"
USAGE_PATH = "/admin/reports/v1/usage/users/all/dates/{date}"
GEMINI = "gemini_in_workspace_apps"

USAGE_LAG_DAYS = 3
"""Usage reports lag by about 2-3 days: start three days back (Pacific time) ..."""
USAGE_MAX_TRIES = 4
"""... and step back a day while Google warns the data is not available yet."""
USAGE_APPS = ("gmail", "calendar", "drive", "docs", "chat", "sites")
"""Apps of the user usage report that are features of the suite (the catalog maps the names)."""
EVENT_COUNTERS = {"gmail": "num_emails_sent", "drive": "num_items_edited"}
"""The one counter per app reported as ``events`` (confirmed names); other apps: events unknown."""
TIMESTAMP_WINDOW_DAYS = 30
"""``*_time`` parameters ("last ... within the last 30 days" for Gmail) cover 30 days."""

RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
"""403 reasons that mean "slow down", not "not allowed" (uncertain here: see the plugin page)."""

REPORTS_MAX_DAYS = 179
"""The Reports API keeps 180 days and answers 400 to an older ``startTime``; a day less leaves room
for the request leaving a little after ``ctx.now`` (exactly 180 days back is on the edge)."""

_EPOCH_CUTOFF = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)


class GoogleWorkspacePlugin(Plugin[GoogleWorkspaceSettings]):
    name = "google_workspace"
    title = "Google Workspace"
    settings_model = GoogleWorkspaceSettings
    default_base_url = "https://admin.googleapis.com"
    observes = frozenset(
        {Capability.ACCOUNTS, Capability.ACTIVITY, Capability.INTEGRATIONS, Capability.FEATURES}
    )
    reports_many_apps = True
    product = "google_workspace"

    _config_dir: Path | None = None

    @classmethod
    def emulator(cls) -> type[GoogleWorkspaceEmulator]:
        from .emulator import GoogleWorkspaceEmulator

        return GoogleWorkspaceEmulator

    def auth(self) -> httpx.Auth | None:
        if self.settings.token is not None:
            return super().auth()
        return ServiceAccountAuth(
            self.source,
            self._key,
            subject=self.settings.subject or "",
            scopes=list(self.settings.scopes),
        )

    def secrets(self) -> list[str]:
        """The token or key content, and a key file's private key (its content is never shown)."""
        values = super().secrets()
        if self.settings.token is None:
            with contextlib.suppress(PluginError):  # unreadable: nothing of it can leak
                values.append(self._key().private_key)
        return values

    def _key(self) -> ServiceAccountKey:
        settings = self.settings
        if settings.credentials is not None:
            return parse_key(
                settings.credentials.get_secret_value(),
                source=self.source,
                where="the `credentials` setting",
            )
        path = settings.credentials_file
        if path is None:
            raise PluginError(self.source, "no service-account key is configured")
        if not path.is_absolute() and self._config_dir is not None:
            path = self._config_dir / path
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "unreadable"
            raise PluginError(
                self.source, f"cannot read credentials_file {str(path)!r}: {reason}"
            ) from None
        return parse_key(text, source=self.source, where=f"credentials_file {str(path)!r}")

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        """429 (``Retry-After`` if sent), and 403 whose error reason is a rate or quota limit."""
        wait = super().rate_limit_wait(response)
        if wait is not None or response.status_code != 403:
            return wait
        return 0.0 if _rate_limited(json_or_none(response)) else None

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        self._config_dir = ctx.config_dir
        notes: list[str] = []
        users, saml, grants, usage, gemini = await gather_first_error(
            self._users(client, ctx),
            self._optional(
                self._activities(client, ctx, "saml", "login_success"), notes, "SAML apps"
            ),
            self._optional(
                self._activities(client, ctx, "token", "authorize"), notes, "integrations"
            ),
            self._optional(self._usage(client, ctx, notes), notes, "suite feature use"),
            self._optional(self._gemini(client, ctx), notes, "Gemini use"),
        )
        features = None
        if usage is not None or gemini is not None:
            features = [*(usage or []), *([gemini] if gemini is not None else [])]
        licensed = None
        if self.settings.license_skus:
            licensed = await self._optional(
                self._licensed(client, ctx, users), notes, "license seats"
            )
        by_email = {user.primaryEmail.lower(): user for user in users if user.primaryEmail}
        workspace = AppUsage(
            app=None,
            accounts=self._workspace_accounts(users, licensed),
            activity_known=True,
            integrations=self._integrations(grants) if grants is not None else None,
            features=features,
        )
        if ctx.lookback_days > REPORTS_MAX_DAYS:
            notes.append(
                f"Google's Reports API keeps 180 days: SAML sign-ins and OAuth grants are read for "
                f"the last {REPORTS_MAX_DAYS} days (asked for {ctx.lookback_days})"
            )
        apps = [workspace]
        if saml is not None:
            apps.extend(self._saml_apps(saml, by_email, ctx))
        return Observation(apps=apps, notes=notes)

    # -- the listings ----------------------------------------------------------------------

    async def _users(self, client: httpx.AsyncClient, ctx: CollectContext) -> list[DirectoryUser]:
        users: list[DirectoryUser] = []
        params = {"customer": self.settings.customer, "maxResults": self.settings.users_page_size}
        number = 0
        async for body in self._pages(client, USERS_PATH, params, "Directory users.list"):
            number += 1
            users.extend(self._parse(UsersPage, body, "Directory users.list").users)
            ctx.progress(f"users page {number}")
        return users

    async def _activities(
        self, client: httpx.AsyncClient, ctx: CollectContext, application: str, event: str
    ) -> list[tuple[dt.datetime, str, str]]:
        """(time, actor e-mail, app name) of every ``event`` in the window."""
        end = ctx.now.astimezone(dt.UTC)
        days = _reports_days(ctx)
        params = {
            "eventName": event,
            "startTime": _rfc3339(end - dt.timedelta(days=days)),
            "endTime": _rfc3339(end),
            "maxResults": self.settings.activities_page_size,
        }
        what = f"Reports {application} activities"
        url = ACTIVITY_PATH.format(application=application)
        found: list[tuple[dt.datetime, str, str]] = []
        number = 0
        async for body in self._pages(client, url, params, what):
            number += 1
            for activity in self._parse(ActivitiesPage, body, what).items:
                found.extend(self._events(activity, event, end, what))
            ctx.progress(f"{application} activities page {number}")
        return found

    async def _usage(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> list[FeatureUsage] | None:
        """Per-app use from the newest ``userUsageReport`` day Google has data for."""
        pacific_today = (ctx.now.astimezone(dt.UTC) - dt.timedelta(hours=8)).date()
        what = "Reports user usage"
        for back in range(USAGE_LAG_DAYS, USAGE_LAG_DAYS + USAGE_MAX_TRIES):
            day = pacific_today - dt.timedelta(days=back)
            reports: list[UsageReport] = []
            waiting = False
            url = USAGE_PATH.format(date=day.isoformat())
            try:
                async for body in self._pages(client, url, {"maxResults": 1000}, what):
                    page = self._parse(UsageReportsPage, body, what)
                    reports.extend(page.usageReports)
                    waiting = waiting or any(
                        "not available" in (w.message or "")
                        or "DATA_NOT_AVAILABLE" in (w.code or "")
                        for w in page.warnings
                    )
            except PluginError as exc:
                if exc.status_code != 400 or isinstance(exc, AuthenticationError):
                    raise
                # A date Google will not serve (a clock ahead of Google's): no use figures.
                notes.append(
                    f"Google refused the usage report of {day} (HTTP 400): suite feature use unknown"
                )
                return None
            if reports or not waiting:
                ctx.progress(f"usage report of {day} read")
                return self._usage_features(reports, day)
        notes.append(
            f"Google's usage reports had no data for the {USAGE_MAX_TRIES} days before "
            f"{pacific_today - dt.timedelta(days=USAGE_LAG_DAYS - 1)} yet: suite feature use unknown"
        )
        return None

    def _usage_features(self, reports: list[UsageReport], day: dt.date) -> list[FeatureUsage]:
        active: dict[str, set[str]] = {app: set() for app in USAGE_APPS}
        events: dict[str, int] = {}
        last: dict[str, dt.datetime] = {}
        timed: set[str] = set()
        since = dt.datetime.combine(day, dt.time(), dt.UTC) - dt.timedelta(
            days=TIMESTAMP_WINDOW_DAYS
        )
        for report in reports:
            email = ((report.entity.userEmail if report.entity else None) or "").strip().lower()
            if not email:
                continue
            for parameter in report.parameters:
                app, _, field = (parameter.name or "").partition(":")
                if app not in active:
                    continue
                if field.endswith("_time"):
                    timed.add(app)
                    when = self._login_time(parameter.datetimeValue)  # the epoch = never
                    if when is None:
                        continue
                    if app not in last or when > last[app]:
                        last[app] = when
                    if when >= since:
                        active[app].add(email)
                elif field.startswith("num_"):
                    count = _count(parameter.intValue)
                    if count:
                        active[app].add(email)
                        if EVENT_COUNTERS.get(app) == field:
                            events[app] = events.get(app, 0) + count
                    elif EVENT_COUNTERS.get(app) == field and count == 0:
                        events.setdefault(app, 0)
        return [
            FeatureUsage(
                feature=app,
                name=f"{app} (usage report of {day})",
                active_users=len(active[app]),
                events=events.get(app),
                last_used=last.get(app),
                window_days=TIMESTAMP_WINDOW_DAYS if app in timed else 1,
                users=sorted(active[app]),
                # userKey=all reports every user; only the `*_time` parameters cover a 30-day
                # window, a day's counters alone cannot say "nobody used it all month".
                every_user=True if app in timed else None,
            )
            for app in USAGE_APPS
            if any(p.name and p.name.startswith(app + ":") for r in reports for p in r.parameters)
        ]

    async def _gemini(self, client: httpx.AsyncClient, ctx: CollectContext) -> FeatureUsage:
        """Gemini in Workspace apps: ``feature_utilization`` events per user in the window."""
        end = ctx.now.astimezone(dt.UTC)
        days = _reports_days(ctx)
        params = {
            "eventName": "feature_utilization",
            "startTime": _rfc3339(end - dt.timedelta(days=days)),
            "endTime": _rfc3339(end),
            "maxResults": self.settings.activities_page_size,
        }
        what = "Reports Gemini activities"
        users: set[str] = set()
        count = 0
        latest: dt.datetime | None = None
        async for body in self._pages(
            client, ACTIVITY_PATH.format(application=GEMINI), params, what
        ):
            for activity in self._parse(ActivitiesPage, body, what).items:
                email = ((activity.actor.email if activity.actor else None) or "").strip().lower()
                when = self._time(activity.id.time if activity.id else None, f"{what} id.time")
                if not email or when is None or when > end:
                    continue
                uses = sum(1 for event in activity.events if event.name == "feature_utilization")
                if not uses:
                    continue
                users.add(email)
                count += uses
                latest = when if latest is None or when > latest else latest
        ctx.progress("Gemini activities read")
        return FeatureUsage(
            feature=GEMINI,
            name="Gemini in Workspace apps",
            active_users=len(users),
            events=count,
            last_used=latest,
            window_days=days,
            users=sorted(users),
            every_user=True,  # the audit log holds every user's Gemini events
        )

    async def _licensed(
        self, client: httpx.AsyncClient, ctx: CollectContext, users: list[DirectoryUser]
    ) -> set[str]:
        """Lowercased e-mails holding one of the configured SKUs."""
        customer = self.settings.customer_id or next(
            (user.customerId for user in users if user.customerId), self.settings.customer
        )
        base = self.settings.licensing_base_url or ("" if self.settings.base_url else LICENSING_URL)
        holders: set[str] = set()
        for sku in self.settings.license_skus:
            path = LICENSES_PATH.format(
                product=quote(sku.product_id, safe=""), sku=quote(sku.sku_id, safe="")
            )
            params = {"customerId": customer, "maxResults": 1000}
            what = "License Manager assignments"
            async for body in self._pages(client, base.rstrip("/") + path, params, what):
                for item in self._parse(LicensesPage, body, what).items:
                    if item.userId:
                        holders.add(item.userId.strip().lower())
            ctx.progress(f"licenses of {sku.sku_id} read")
        return holders

    # -- mapping ---------------------------------------------------------------------------

    def _workspace_accounts(
        self, users: list[DirectoryUser], licensed: set[str] | None
    ) -> list[Account]:
        accounts = []
        seen: set[str] = set()
        for user in users:
            email = (user.primaryEmail or "").strip().lower() or None
            status = _status(user)
            assigned = status is AccountStatus.ACTIVE
            if licensed is not None:
                assigned = assigned and email in licensed
            last = self._login_time(user.lastLoginTime)
            accounts.append(
                Account(
                    id=user.id,
                    email=email,
                    name=user.name.fullName if user.name else None,
                    status=status,
                    assigned=assigned,
                    last_active=last,
                    activity_kind=ActivityKind.LOGIN if last is not None else None,
                )
            )
            if email:
                seen.add(email)
        # A licence held by an address the Directory did not list (another domain of the customer,
        # or a user deleted after the licence was given): still a paid seat.
        for email in sorted((licensed or set()) - seen):
            accounts.append(Account(id=email, email=email, assigned=True))
        return accounts

    def _saml_apps(
        self,
        logins: list[tuple[dt.datetime, str, str]],
        by_email: dict[str, DirectoryUser],
        ctx: CollectContext,
    ) -> list[AppUsage]:
        latest: dict[str, dict[str, dt.datetime]] = {}
        names: dict[str, str] = {}
        for when, email, app in logins:
            key = app.casefold()
            names.setdefault(key, app)
            per_app = latest.setdefault(key, {})
            if email not in per_app or when > per_app[email]:
                per_app[email] = when
        apps = []
        for key in sorted(latest):
            accounts = []
            for email, when in sorted(latest[key].items()):
                user = by_email.get(email)
                if user is not None:
                    status = _status(user)
                    account_id = user.id
                else:
                    # Signed in during the window but no longer in the Directory: deleted since.
                    status = AccountStatus.DEACTIVATED
                    account_id = email
                accounts.append(
                    Account(
                        id=account_id,
                        email=email,
                        name=user.name.fullName if user is not None and user.name else None,
                        status=status,
                        assigned=status is AccountStatus.ACTIVE,
                        last_active=when,
                        activity_kind=ActivityKind.SSO,
                    )
                )
            apps.append(
                AppUsage(
                    app=names[key],
                    accounts=accounts,
                    activity_known=True,
                    history_horizon_days=_reports_days(ctx),
                )
            )
        return apps

    def _integrations(self, grants: list[tuple[dt.datetime, str, str]]) -> list[Integration]:
        last: dict[str, dt.datetime] = {}
        users: dict[str, set[str]] = {}
        names: dict[str, str] = {}
        for when, email, app in grants:
            key = app.casefold()
            names.setdefault(key, app)
            if key not in last or when > last[key]:
                last[key] = when
            users.setdefault(key, set()).add(email)
        return [
            Integration(
                app=names[key],
                kind="oauth_token",
                direction="both",
                last_used=last[key],
                active_users=len(users[key]),
            )
            for key in sorted(names)
        ]

    def _events(
        self, activity: Activity, wanted: str, end: dt.datetime, what: str
    ) -> list[tuple[dt.datetime, str, str]]:
        email = (activity.actor.email if activity.actor else None) or ""
        email = email.strip().lower()
        when = self._time(activity.id.time if activity.id else None, f"{what} id.time")
        if not email or when is None or when > end:
            return []
        found = []
        for event in activity.events:
            if event.name != wanted:
                continue  # a login_failure, a revoke: not a sign-in, not a grant
            if wanted == "authorize":
                app = event.param("app_name") or event.param("client_id")
            else:
                app = event.param("application_name")
            app = (app or "").strip()
            if app:
                found.append((when, email, app))
        return found

    # -- helpers ---------------------------------------------------------------------------

    async def _pages(
        self, client: httpx.AsyncClient, url: str, params: dict[str, Any], what: str
    ) -> AsyncIterator[Any]:
        """``nextPageToken`` pages; a 403 still rate-limited after retries is ``RateLimitExhausted``."""
        pages = paginate_body_cursor(
            client,
            url,
            source=self.source,
            cursor_param="pageToken",
            next_cursor=_next_token,
            params=params,
        )
        try:
            async for body in pages:
                yield body
        except AuthenticationError as exc:
            if exc.status_code == 403 and _rate_limited(exc.body):
                raise RateLimitExhausted(
                    self.source,
                    f"still rate-limited by {what} after retrying (HTTP 403)",
                    status_code=403,
                ) from None
            if exc.status_code == 403:
                reason = _reason(exc.body)
                suffix = f", {reason}" if reason else ""
                raise _Refused(
                    self.source,
                    f"Google refused {what} (HTTP 403{suffix}): the token lacks a scope or admin role",
                    status_code=403,
                ) from None
            if exc.status_code == 401:
                raise AuthenticationError(
                    self.source,
                    "Google rejected the access token (HTTP 401): it is wrong or has expired "
                    "(access tokens last about an hour)",
                    status_code=401,
                    body=exc.body,
                ) from None
            raise

    async def _optional(self, work: Awaitable[_T], notes: list[str], what: str) -> _T | None:
        try:
            return await work
        except _Refused as exc:
            notes.append(f"{exc.message}: {what} unknown")
            return None

    def _parse(self, model: type[_M], body: Any, what: str) -> _M:
        return parse_model(model, body, source=self.source, what=what)

    def _time(self, value: Any, what: str) -> dt.datetime | None:
        return parse_vendor_time(value, source=self.source, what=what)

    def _login_time(self, value: Any) -> dt.datetime | None:
        when = self._time(value, "Directory lastLoginTime")
        # Google reports "never signed in" as the Unix epoch (1970-01-01T00:00:00.000Z) rather than
        # leaving the field out; the vendor does not document it, hence the defensive cut-off.
        if when is None or when < _EPOCH_CUTOFF:
            return None
        return when


def _count(value: Any) -> int | None:
    """An ``intValue`` (an int64 sent as a string), or ``None`` when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _reports_days(ctx: CollectContext) -> int:
    """Days of Reports activity to ask for: the lookback, never past what Google keeps."""
    return min(ctx.lookback_days, REPORTS_MAX_DAYS)


class _Refused(AuthenticationError):
    """A 403 on one listing: the token lacks that API's scope (a note for optional listings)."""


def _status(user: DirectoryUser) -> AccountStatus:
    if user.suspended:
        return AccountStatus.SUSPENDED
    if user.archived:
        return AccountStatus.DEACTIVATED
    return AccountStatus.ACTIVE


def _next_token(body: Any) -> str | None:
    token = body.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise TypeError("nextPageToken is not a string")
    return token or None


def _error(body: Any) -> Any:
    parsed = parse_optional(ErrorBody, body)
    return None if parsed is None else parsed.error


def _rate_limited(body: Any) -> bool:
    error = _error(body)
    return error is not None and any(item.reason in RATE_LIMIT_REASONS for item in error.errors)


def _reason(body: Any) -> str | None:
    error = _error(body)
    if error is None:
        return None
    for item in error.errors:
        if item.reason:
            return "".join(ch for ch in item.reason if ch.isprintable())[:60]
    return None


def _rfc3339(when: dt.datetime) -> str:
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )
