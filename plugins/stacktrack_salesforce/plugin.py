"""The ``salesforce`` plugin: licenses, users and connected-app grants of one Salesforce org.

Everything is SOQL through ``GET /services/data/vNN.N/query`` (docs/plugins/salesforce.md),
following ``nextRecordsUrl`` until ``done``:

* ``UserLicense``: ``TotalLicenses`` (purchased) and ``UsedLicenses`` for the configured license
  names;
* ``User``: active users holding one of those licenses, with ``LastLoginDate`` (null = never logged
  in);
* ``OauthToken``: per-user OAuth grants to connected apps, aggregated per ``AppName`` into
  integrations.

Feature usage (each an optional query: a refusal is a note, never a failed source):

* ``PermissionSetLicense`` (active ones): add-on licences with their own seats (``TotalLicenses``
  purchased, ``UsedLicenses`` assigned); ``PermissionSetLicenseAssign`` counts the holders when
  ``UsedLicenses`` is missing.
* ``ActivePermSetLicenseMetric`` and ``ActiveFeatureLicenseMetric``: Salesforce's daily snapshots,
  latest ``MetricsDate`` per licence: ``ActiveUserCount`` = holders who logged in within 30 days
  (``window_days = 30``). It is log-in activity of the licence's holders, the closest Salesforce
  comes to "used the feature".
* ``PackageLicense`` (not expired; ``AllowedLicenses = -1`` = site-wide, seats unknown) and
  ``UserPackageLicense`` (holders): AppExchange package seats, named by namespace.

Each becomes a ``FeatureUsage`` named as Salesforce names it (``MasterLabel``, ``FeatureType``,
namespace); the catalog maps the names it knows to feature keys.

An org without API access (Professional Edition without the API add-on) answers every query with
``API_DISABLED_FOR_ORG``: the run then reports nothing but a note saying which editions have it.

Salesforce signals its 24-hour API allocation with HTTP 403 ``REQUEST_LIMIT_EXCEEDED``. Waiting
seconds does not help, so it is not retried; it becomes ``RateLimitExhausted`` with a sentence
saying so.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

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
    ClientCredentialsAuth,
    CollectContext,
    FeatureUsage,
    Integration,
    Observation,
    Plugin,
    PluginError,
    PluginSettings,
    RateLimitExhausted,
    header_auth,
    paginate_next_url,
    parse_model,
)
from stacktrack_salesforce.models import (
    ActiveFeatureLicenseMetric,
    ActivePermSetLicenseMetric,
    OauthToken,
    PackageLicense,
    PermissionSetLicense,
    PermissionSetLicenseAssign,
    QueryPage,
    User,
    UserLicense,
    UserPackageLicense,
    error_codes,
    error_message,
)
from stacktrack_salesforce.settings import SalesforceSettings

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_salesforce.emulator import SalesforceEmulator


TOKEN_PATH = "/services/oauth2/token"
LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"

LICENSE_SOQL = "SELECT Id, Name, MasterLabel, Status, TotalLicenses, UsedLicenses FROM UserLicense"
USER_SOQL = (
    "SELECT Id, Username, Email, Name, IsActive, UserType, LastLoginDate, Profile.Name,"
    " Profile.UserLicense.Name FROM User"
    " WHERE IsActive = true AND Profile.UserLicense.Name IN ({names})"
)
# Never select AccessToken or DeleteToken (secrets): we only need usage evidence.
OAUTH_SOQL = "SELECT AppName, UserId, CreatedDate, LastUsedDate, UseCount FROM OauthToken"
API_DISABLED = "API_DISABLED_FOR_ORG"

PSL_SOQL = (
    "SELECT Id, MasterLabel, DeveloperName, Status, TotalLicenses, UsedLicenses"
    " FROM PermissionSetLicense"
)
PSL_ASSIGN_SOQL = "SELECT AssigneeId, PermissionSetLicenseId FROM PermissionSetLicenseAssign"
PSL_METRIC_SOQL = (
    "SELECT PermissionSetLicenseId, MasterLabel, DeveloperName, MetricsDate, TotalLicenses,"
    " AssignedUserCount, ActiveUserCount FROM ActivePermSetLicenseMetric"
    " ORDER BY MetricsDate DESC LIMIT 2000"
)
FEATURE_METRIC_SOQL = (
    "SELECT FeatureType, MetricsDate, TotalLicenseCount, AssignedUserCount, ActiveUserCount"
    " FROM ActiveFeatureLicenseMetric ORDER BY MetricsDate DESC LIMIT 2000"
)
PACKAGE_SOQL = (
    "SELECT Id, NamespacePrefix, Status, AllowedLicenses, UsedLicenses FROM PackageLicense"
)
PACKAGE_USER_SOQL = "SELECT PackageLicenseId, UserId FROM UserPackageLicense"
METRIC_WINDOW_DAYS = 30
"""``ActiveUserCount``: holders who logged in within the last 30 days (Salesforce's definition)."""


class _ConnectedAppAuth(ClientCredentialsAuth):
    """The connected app's client-credentials flow at ``/services/oauth2/token`` (form-encoded).

    One token for the run; a 401 on an API call (session expired) fetches a fresh token once and
    replays the request (``ClientCredentialsAuth``)."""

    endpoint = f"Salesforce's token endpoint ({TOKEN_PATH})"
    refused_hint = (
        "check client_id, client_secret and that the connected app allows the client-credentials "
        "flow"
    )

    def __init__(self, source: str, token_url: str, client_id: str, client_secret: str) -> None:
        super().__init__(source)
        self._token_url = token_url
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }

    def token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST", self._token_url, data=self._form, headers={"Accept": "application/json"}
        )


class SalesforcePlugin(Plugin[SalesforceSettings]):
    name: ClassVar[str] = "salesforce"
    title: ClassVar[str] = "Salesforce"
    settings_model: ClassVar[type[PluginSettings]] = SalesforceSettings
    default_base_url: ClassVar[str | None] = None  # the instance URL is per org: required
    observes: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.SEATS,
            Capability.ACCOUNTS,
            Capability.ACTIVITY,
            Capability.INTEGRATIONS,
            Capability.FEATURES,
        }
    )
    product: ClassVar[str | None] = "salesforce"

    def auth(self) -> httpx.Auth | None:
        settings = self.settings
        if settings.token is not None:
            return header_auth("Authorization", f"Bearer {settings.token.get_secret_value()}")
        if settings.client_id is None or settings.client_secret is None:
            return None
        if not settings.base_url:
            raise PluginError(self.source, "base_url (the org's instance URL) is required")
        return _ConnectedAppAuth(
            self.source,
            settings.base_url.rstrip("/") + TOKEN_PATH,
            settings.client_id.get_secret_value(),
            settings.client_secret.get_secret_value(),
        )

    def rate_limit_wait(self, response: httpx.Response) -> float | None:
        # 403 REQUEST_LIMIT_EXCEEDED means the rolling 24-hour allocation is spent: retrying within
        # seconds only burns more of it, so it is never retried (collect() names it clearly).
        if response.status_code == 403:
            return None
        return super().rate_limit_wait(response)

    @classmethod
    def emulator(cls) -> type[SalesforceEmulator]:
        from stacktrack_salesforce.emulator import SalesforceEmulator

        return SalesforceEmulator

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        settings = self.settings
        notes: list[str] = []
        wanted = {name.casefold() for name in settings.license_names}

        ctx.progress("user licenses")
        try:
            license_records = await self._query(client, LICENSE_SOQL, "UserLicense")
        except _ApiDisabled as exc:
            return Observation(apps=[AppUsage(app=None)], notes=[exc.message])
        licenses = [self._parse(UserLicense, record, "UserLicense") for record in license_records]
        matching = [lic for lic in licenses if lic.name.casefold() in wanted]
        if matching:
            purchased = _total(lic.total_licenses for lic in matching)
            used = _total(lic.used_licenses for lic in matching)
        else:
            purchased = used = None
            available = ", ".join(sorted({lic.name for lic in licenses})) or "none"
            notes.append(
                f"No user license named {', '.join(settings.license_names)} in this org "
                f"(it has: {available}); seats purchased unknown. Set license_names."
            )

        ctx.progress("users")
        names = ", ".join(_soql_string(name) for name in settings.license_names)
        accounts: dict[str, Account] = {}
        for record in await self._query(client, USER_SOQL.format(names=names), "User"):
            user = self._parse(User, record, "User")
            license_name = user.license_name
            if not user.is_active or (
                license_name is not None and license_name.casefold() not in wanted
            ):
                continue  # the WHERE clause already excludes these; defensive
            accounts[user.id] = Account(
                id=user.id,
                email=user.email,
                name=user.name,
                status=AccountStatus.ACTIVE,
                assigned=True,
                last_active=user.last_login_date,
                activity_kind=ActivityKind.LOGIN,
            )

        ctx.progress("connected-app grants")
        tokens = [
            self._parse(OauthToken, record, "OauthToken")
            for record in await self._query(client, OAUTH_SOQL, "OauthToken")
        ]
        ctx.progress("feature and add-on licences")
        features = await self._features(client, notes)
        return Observation(
            apps=[
                AppUsage(
                    app=None,
                    seats_purchased=purchased,
                    seats_used=used,
                    accounts=list(accounts.values()),
                    activity_known=True,
                    history_horizon_days=None,  # LastLoginDate is kept for the account's lifetime
                    integrations=_integrations(tokens),
                    features=features,
                )
            ],
            notes=notes,
        )

    async def _query(self, client: httpx.AsyncClient, soql: str, what: str) -> list[dict[str, Any]]:
        """All records of one SOQL query, following ``nextRecordsUrl`` until ``done``."""
        records: list[dict[str, Any]] = []

        def following(body: Any) -> str | None:
            if body["done"] is True:
                return None
            link = body["nextRecordsUrl"]
            if not isinstance(link, str) or not link:
                raise TypeError("nextRecordsUrl")
            # nextRecordsUrl is a path on the instance host: resolve it against the host root, not
            # appended to the base URL's path (which a proxy or the sandbox mount may have).
            try:
                target = client.base_url.join(link)
            except httpx.InvalidURL:
                raise TypeError("nextRecordsUrl") from None
            if (target.scheme, target.netloc) != (client.base_url.scheme, client.base_url.netloc):
                # Never send the org's token to another host because a response said so.
                raise BadResponse(
                    self.source, f"the {what} query pointed its next page off the instance"
                )
            return str(target)

        try:
            async for body in paginate_next_url(
                client,
                f"/services/data/{self.settings.api_version}/query",
                source=self.source,
                params={"q": soql},
                next_url=following,
            ):
                page = parse_model(QueryPage, body, source=self.source, what=f"the {what} query")
                records.extend(page.records)
        except PluginError as exc:
            raise self._vendor_error(exc, what) from None
        return records

    async def _features(
        self, client: httpx.AsyncClient, notes: list[str]
    ) -> list[FeatureUsage] | None:
        """Add-on, feature and package licences; ``None`` when none of them could be read."""
        results = await asyncio.gather(
            *(
                self._optional(client, soql, what, notes)
                for soql, what in (
                    (PSL_SOQL, "PermissionSetLicense"),
                    (PSL_ASSIGN_SOQL, "PermissionSetLicenseAssign"),
                    (PSL_METRIC_SOQL, "ActivePermSetLicenseMetric"),
                    (FEATURE_METRIC_SOQL, "ActiveFeatureLicenseMetric"),
                    (PACKAGE_SOQL, "PackageLicense"),
                    (PACKAGE_USER_SOQL, "UserPackageLicense"),
                )
            )
        )
        psl_rows, assign_rows, psl_metric_rows, feature_rows, package_rows, package_user_rows = (
            results
        )
        if all(rows is None for rows in (psl_rows, psl_metric_rows, feature_rows, package_rows)):
            return None
        features: list[FeatureUsage] = []
        holders = _holders(
            (
                self._parse(PermissionSetLicenseAssign, r, "PermissionSetLicenseAssign")
                for r in assign_rows
            )
            if assign_rows is not None
            else None,
            lambda row: (row.license_id, row.assignee_id),
        )
        metrics = _latest(
            (
                self._parse(ActivePermSetLicenseMetric, r, "ActivePermSetLicenseMetric")
                for r in psl_metric_rows or []
            ),
            lambda row: row.license_id,
        )
        listed: set[str] = set()
        for record in psl_rows or []:
            lic = self._parse(PermissionSetLicense, record, "PermissionSetLicense")
            if (lic.status or "Active").casefold() != "active":
                continue  # disabled: nobody can hold it
            listed.add(lic.id)
            metric = metrics.get(lic.id)
            label = lic.master_label or lic.developer_name or lic.id
            assigned = lic.used_licenses
            if assigned is None and holders is not None:
                assigned = holders.get(lic.id, 0)
            features.append(
                FeatureUsage(
                    feature=label,
                    name=label,
                    seats_purchased=lic.total_licenses,
                    seats_assigned=assigned,
                    active_users=metric.active if metric else None,
                    window_days=METRIC_WINDOW_DAYS if metric else None,
                    # The metric counts every assignee's activity: nobody's use goes unseen.
                    every_user=True if metric and metric.active is not None else None,
                )
            )
        if psl_rows is None:  # the licence list was refused: the metrics still name each licence
            for license_id, metric in metrics.items():
                label = metric.master_label or metric.developer_name or license_id
                features.append(_metric_feature(label, metric))
        latest_features = _latest(
            (
                self._parse(ActiveFeatureLicenseMetric, r, "ActiveFeatureLicenseMetric")
                for r in feature_rows or []
            ),
            lambda row: row.feature_type,
        )
        for feature_type, row in sorted(latest_features.items()):
            features.append(_metric_feature(feature_type, row))
        package_holders = _holders(
            (self._parse(UserPackageLicense, r, "UserPackageLicense") for r in package_user_rows)
            if package_user_rows is not None
            else None,
            lambda row: (row.license_id, row.user_id),
        )
        for record in package_rows or []:
            package = self._parse(PackageLicense, record, "PackageLicense")
            if (package.status or "").casefold() == "expired":
                continue
            namespace = package.namespace or package.id
            assigned = package.used
            if assigned is None and package_holders is not None:
                assigned = package_holders.get(package.id, 0)
            features.append(
                FeatureUsage(
                    feature=namespace,
                    name=f"{namespace} (AppExchange package)",
                    # -1 = licensed site-wide: no seat count to compare with
                    seats_purchased=package.allowed
                    if package.allowed is not None and package.allowed >= 0
                    else None,
                    seats_assigned=assigned,
                )
            )
        return features

    async def _optional(
        self, client: httpx.AsyncClient, soql: str, what: str, notes: list[str]
    ) -> list[dict[str, Any]] | None:
        """One feature query; an object this org or user may not read becomes a note."""
        try:
            return await self._query(client, soql, what)
        except (RateLimitExhausted, BadResponse):
            raise
        except PluginError as exc:
            if exc.status_code not in (400, 403, 404):
                raise
            codes = error_codes(exc.body)
            code = codes[0] if codes else f"HTTP {exc.status_code}"
            if code == "INVALID_TYPE":
                hint = "this org's edition or API version does not expose it"
            else:
                hint = "the integration user needs View Setup and Configuration"
            notes.append(f"Salesforce refused the {what} query ({code}): {hint}; its seats unknown")
            return None

    def _vendor_error(self, exc: PluginError, what: str) -> PluginError:
        """Turn Salesforce error bodies (``[{"message", "errorCode"}]``) into clear typed errors."""
        if exc.status_code is None or isinstance(exc, BadResponse):
            return exc
        codes = error_codes(exc.body)
        message = error_message(exc.body)
        detail = f" ({codes[0]}{': ' + message if message else ''})" if codes else ""
        if API_DISABLED in codes:
            return _ApiDisabled(
                self.source,
                f"Salesforce API access is not enabled for this org ({API_DISABLED}): it needs "
                "Enterprise, Unlimited, Performance or Developer Edition, or Professional Edition "
                "with the API add-on; seats, activity, integrations and features are unknown",
                status_code=exc.status_code,
                body=exc.body,
            )
        if LIMIT_CODE in codes:
            return RateLimitExhausted(
                self.source,
                f"Salesforce refused the {what} query because the org's API request limit is "
                f"used up{detail}; the allocation is per rolling 24 hours, so this is not retried",
                status_code=exc.status_code,
                body=exc.body,
            )
        if exc.status_code == 401:
            return AuthenticationError(
                self.source,
                f"Salesforce rejected the credentials (HTTP 401{detail}): the access token is "
                "invalid or expired",
                status_code=401,
                body=exc.body,
            )
        if exc.status_code == 403:
            return AuthenticationError(
                self.source,
                f"Salesforce refused the {what} query (HTTP 403{detail}): the integration user "
                "lacks a permission (API Enabled, or read access to this object)",
                status_code=403,
                body=exc.body,
            )
        if codes:
            return type(exc)(
                self.source,
                f"the {what} query failed (HTTP {exc.status_code}{detail})",
                status_code=exc.status_code,
                body=exc.body,
            )
        return exc

    def _parse(self, model: type[_M], record: Any, what: str) -> _M:
        return parse_model(model, record, source=self.source, what=f"a {what} record")


class _ApiDisabled(PluginError):
    """The org has no API access at all (an edition limit, not a permission)."""


_R = TypeVar("_R")
_M = TypeVar("_M", bound=BaseModel)
_MetricT = TypeVar("_MetricT", ActivePermSetLicenseMetric, ActiveFeatureLicenseMetric)


def _holders(
    rows: Iterable[_R] | None, key: Callable[[_R], tuple[str | None, str | None]]
) -> dict[str, int] | None:
    """Distinct holders per licence id; ``None`` when the assignments were not readable."""
    if rows is None:
        return None
    seen: dict[str, set[str]] = {}
    for row in rows:
        license_id, holder = key(row)
        if license_id and holder:
            seen.setdefault(license_id, set()).add(holder)
    return {license_id: len(users) for license_id, users in seen.items()}


def _latest(rows: Iterable[_MetricT], key: Callable[[_MetricT], str | None]) -> dict[str, _MetricT]:
    """The newest snapshot per ``key`` (the metric objects keep one row per day); rows without a
    key are skipped."""
    latest: dict[str, _MetricT] = {}
    for row in rows:
        name = key(row)
        if not name:
            continue
        kept = latest.get(name)
        if kept is None or (row.metrics_date or dt.date.min) > (kept.metrics_date or dt.date.min):
            latest[name] = row
    return latest


def _metric_feature(
    label: str, metric: ActivePermSetLicenseMetric | ActiveFeatureLicenseMetric
) -> FeatureUsage:
    """A licence known from its metric alone: the metric counts every holder's activity."""
    return FeatureUsage(
        feature=label,
        name=label,
        seats_purchased=metric.total_licenses,
        seats_assigned=metric.assigned,
        active_users=metric.active,
        window_days=METRIC_WINDOW_DAYS,
        every_user=True if metric.active is not None else None,
    )


def _total(values: Iterable[int | None]) -> int | None:
    """Sum of counts; unknown (None) if any of them is unknown, never a silent 0."""
    items = list(values)
    known = [value for value in items if value is not None]
    if not items or len(known) < len(items):
        return None
    return sum(known)


def _soql_string(value: str) -> str:
    """A SOQL string literal: single quotes, with backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _integrations(tokens: list[OauthToken]) -> list[Integration]:
    """One integration per connected app: latest use, summed use count, distinct users."""
    by_app: dict[str, list[OauthToken]] = {}
    for token in tokens:
        by_app.setdefault(token.app_name, []).append(token)
    result = []
    for app, grants in sorted(by_app.items()):
        used = [grant.last_used_date for grant in grants if grant.last_used_date is not None]
        counts = [grant.use_count for grant in grants if grant.use_count is not None]
        users = {grant.user_id for grant in grants if grant.user_id}
        result.append(
            Integration(
                app=app,
                kind="oauth_token",
                direction="both",
                last_used=max(used) if used else None,
                use_count=sum(counts) if counts else None,
                active_users=len(users) if users else None,
            )
        )
    return result
