"""The ``microsoft_graph`` plugin: Microsoft 365 licences, Entra ID sign-ins and enterprise apps.

Entra ID is a directory (``reports_many_apps``) and Microsoft 365 a suite a company pays for per
licence. Endpoints, permissions and limits are in docs/plugins/microsoft_graph.md. It returns:

* one app per licence pool (``GET /v1.0/subscribedSkus``), labelled by ``skuPartNumber`` (``SPE_E3``,
  ``Microsoft_365_Copilot``, ...) for the catalog to match: ``prepaidUnits.enabled`` purchased, the
  users holding the SKU (``/v1.0/users`` ``assignedLicenses``) as accounts. Activity per pool:
  - a suite (a SKU with an Exchange Online plan): the user's ``lastSuccessfulSignInDateTime``
    (``lastSignInDateTime`` counts failures); without Entra ID P1/P2 Graph refuses
    ``signInActivity`` and the latest product activity of the Microsoft 365 active-user report
    stands in (noted);
  - Copilot: the Copilot usage report's ``lastActivityDate``;
  - anything else (Power BI Pro, Teams Premium, ...): seats and holders only, activity unknown.
* one app per enterprise app (a non-Microsoft ``servicePrincipal``) with user assignments
  (``appRoleAssignedTo``) or successful sign-ins (``auditLogs/signIns``, grouped by app) in the
  window. Sign-in logs are kept 7 days (Free) or 30 days (P1/P2): the plugin never asks past that
  and states the horizon. Assigned groups are expanded to their users (``transitiveMembers``).
* integrations of the suite pools from ``oauth2PermissionGrants``: which third-party apps hold
  delegated access to the tenant's data.
* features of the suite pools (per-product last activity, Teams chats/calls/meetings, the Copilot
  add-on's seats and use) and of the Copilot pool (Copilot per app) from the usage reports. When the
  tenant conceals names in reports, rows cannot be joined to users: that is said on the source and
  report rows never become users.

Optional parts that Graph refuses (a missing permission, a Free tenant) become notes; the licence
pools and the user listing are required.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, Field, model_validator

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
    PluginSettings,
    SecretStr,
    gather_first_error,
    get_json,
    header_auth,
    paginate_next_url,
    parse_model,
    parse_vendor_time,
)

from .auth import ClientCredentials
from .models import (
    AppRoleAssignment,
    CopilotUsageRow,
    GraphError,
    Page,
    PermissionGrant,
    ReportSettings,
    ServicePrincipal,
    SignIn,
    SubscribedSku,
    User,
)
from .reports import fetch_report

_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")

MICROSOFT_TENANTS = frozenset(
    {"f8cdef31-a31e-4b4a-93e4-5f571e91255a", "72f988bf-86f1-41af-91ab-2d7cd011db47"}
)
"""Tenants that own Microsoft's first-party apps (Teams, Exchange Online, Graph Explorer, ...)."""

FREE_RETENTION_DAYS = 7
PREMIUM_RETENTION_DAYS = 30
PREMIUM_PLANS = frozenset({"AAD_PREMIUM", "AAD_PREMIUM_P2"})
"""Service plans of Entra ID P1 and P2 (in their own SKUs and in suites such as SPE_E3)."""
SUITE_PLANS = frozenset({"EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD", "EXCHANGE_S_DESKLESS"})
"""A SKU carrying one of these Exchange Online plans is a Microsoft 365 / Office 365 suite."""
REPORT_PERIODS = (7, 30, 90, 180)
FEATURE_WINDOW_DAYS = 30
"""Feature figures cover 30 days: the default active window and Microsoft's own D30 period (the
Teams counts are the D30 report's totals)."""

NON_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
DENIED = "Authorization_RequestDenied"

USER_FIELDS = "id,userPrincipalName,mail,displayName,accountEnabled,userType,assignedLicenses"
SP_FIELDS = (
    "id,appId,displayName,appDisplayName,accountEnabled,servicePrincipalType,"
    "appOwnerOrganizationId,appRoleAssignmentRequired,homepage,tags"
)

# The usage reports list every licensed user, so their features count every user's use
# (``every_user``), concealed names or not. Keys are the catalog's feature vocabulary where one fits
# (docs/methodology.md), else the vendor's own name. Office 365 active-user detail: report product -> (feature, display name). Teams is read
# from its own, finer report (chats, calls, meetings) instead of this one's last-activity column.
OFFICE_PRODUCTS: dict[str, tuple[str, str]] = {
    "Exchange": ("mail", "Exchange Online"),
    "OneDrive": ("file-storage", "OneDrive"),
    "SharePoint": ("sites", "SharePoint"),
    "Yammer": ("Yammer", "Viva Engage (Yammer)"),
    "Skype For Business": ("Skype For Business", "Skype for Business"),
}
OFFICE_ACTIVITY = (*OFFICE_PRODUCTS, "Teams")
"""Products whose last activity stands in for a sign-in when ``signInActivity`` is refused."""
# Teams user activity detail: feature -> (display name, count columns).
TEAMS_COUNTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "team-chat": ("Teams chat", ("Team Chat Message Count", "Private Chat Message Count")),
    "calls": ("Teams calls", ("Call Count",)),
    "video-meetings": ("Teams meetings", ("Meeting Count",)),
}
COPILOT_FEATURE = ("ai-assistant", "Microsoft 365 Copilot")
# Copilot usage detail: field -> feature (the vendor's name: no vocabulary key per app).
COPILOT_APPS: dict[str, str] = {
    "copilotChatLastActivityDate": "Copilot Chat",
    "microsoftTeamsCopilotLastActivityDate": "Copilot in Teams",
    "wordCopilotLastActivityDate": "Copilot in Word",
    "excelCopilotLastActivityDate": "Copilot in Excel",
    "powerPointCopilotLastActivityDate": "Copilot in PowerPoint",
    "outlookCopilotLastActivityDate": "Copilot in Outlook",
    "oneNoteCopilotLastActivityDate": "Copilot in OneNote",
    "loopCopilotLastActivityDate": "Copilot in Loop",
}

COPILOT_PART = re.compile(r"(^|_)(365|M365)_Copilot", re.IGNORECASE)
"""Microsoft 365 Copilot SKUs (``Microsoft_365_Copilot``, ``M365_Copilot``, ``..._EDU``); not Copilot
Studio, whose use the Microsoft 365 Copilot report does not cover."""
_HEX_NAME = re.compile(r"^[0-9A-Fa-f]{16,}$")


@dataclass(frozen=True)
class Call:
    """One Graph call: how to name it in a message, and the permission it needs."""

    label: str
    permission: str
    consequence: str = ""
    """What is lost when it is refused (for the note)."""


SKUS = Call("subscribedSkus", "Organization.Read.All")
USERS = Call("users", "User.Read.All")
SIGN_IN_ACTIVITY = Call(
    "users signInActivity",
    "AuditLog.Read.All",
    "last sign-ins unknown; activity of suite licences from the Microsoft 365 usage reports",
)
SERVICE_PRINCIPALS = Call(
    "servicePrincipals", "Application.Read.All", "enterprise apps not observed"
)
ASSIGNMENTS = Call(
    "appRoleAssignedTo", "Application.Read.All", "enterprise-app assignments not observed"
)
GROUP_MEMBERS = Call(
    "groups/transitiveMembers",
    "GroupMember.Read.All",
    "members of groups assigned to enterprise apps count only once they sign in",
)
SIGN_INS = Call("auditLogs/signIns", "AuditLog.Read.All", "SSO activity per app unknown")
GRANTS = Call(
    "oauth2PermissionGrants", "Directory.Read.All", "OAuth grants (integrations) not observed"
)
REPORT_SETTINGS = Call(
    "admin/reportSettings",
    "ReportSettings.Read.All",
    "concealed report names detected from the rows instead",
)
OFFICE_REPORT = Call(
    "reports/getOffice365ActiveUserDetail", "Reports.Read.All", "Microsoft 365 feature use unknown"
)
TEAMS_REPORT = Call(
    "reports/getTeamsUserActivityUserDetail", "Reports.Read.All", "Teams feature use unknown"
)
COPILOT_REPORT = Call(
    "copilot/reports/getMicrosoft365CopilotUsageUserDetail",
    "Reports.Read.All",
    "Copilot use unknown",
)


class MicrosoftGraphSettings(PluginSettings):
    """Settings of a ``microsoft_graph`` source."""

    tenant: str
    """The directory (tenant) id, or a verified domain such as ``contoso.onmicrosoft.com``."""
    client_id: str | None = None
    """The app registration's application (client) id."""
    client_secret: SecretStr | None = None
    """A client secret of that app registration, given as ``{ env = "NAME" }``."""
    authority_url: str = "https://login.microsoftonline.com"
    """The identity platform host (national clouds and the sandbox override it)."""
    scope: str = "https://graph.microsoft.com/.default"
    """The client-credentials scope: the Graph host's ``/.default``."""
    entra_premium: bool | None = None
    """Whether the tenant has Entra ID P1/P2; default: detected from its licences."""
    suite_skus: list[str] | None = None
    """``skuPartNumber`` values whose sign-ins count as use; default: SKUs with Exchange Online."""
    copilot_pool: bool = True
    """Report the Copilot licences as their own app (for a tool with ``product =
    "microsoft_365_copilot"``); ``false`` when the suite tool's contract lists Copilot as an add-on
    (feature ``ai-assistant``), so the pool is not also an unmatched app."""
    include_microsoft_apps: bool = False
    """Also report Microsoft's own first-party apps (Teams, Exchange Online, ...) as apps."""
    page_size: int = Field(default=999, ge=1, le=999)
    """``$top`` for users and service principals (Graph's maximum is 999)."""
    sign_ins_page_size: int = Field(default=1000, ge=1, le=1000)
    """``$top`` for sign-in logs."""

    @model_validator(mode="after")
    def _credentials(self) -> MicrosoftGraphSettings:
        if self.token is None and (self.client_id is None or self.client_secret is None):
            raise ValueError(
                "give client_id and client_secret (client credentials), or a ready access token"
            )
        return self


class MicrosoftGraphPlugin(Plugin):
    name = "microsoft_graph"
    title = "Microsoft Graph (Entra ID + Microsoft 365)"
    settings_model = MicrosoftGraphSettings
    default_base_url = "https://graph.microsoft.com"
    observes = frozenset(
        {
            Capability.SEATS,
            Capability.ACCOUNTS,
            Capability.ACTIVITY,
            Capability.FEATURES,
            Capability.INTEGRATIONS,
        }
    )
    reports_many_apps = True
    product = "microsoft_365"

    settings: MicrosoftGraphSettings
    _auth: ClientCredentials | None = None

    @classmethod
    def emulator(cls) -> Any:
        from .emulator import MicrosoftGraphEmulator

        return MicrosoftGraphEmulator

    def auth(self) -> httpx.Auth | None:
        s = self.settings
        if s.client_id is not None and s.client_secret is not None:
            token_url = (
                f"{s.authority_url.rstrip('/')}/{quote(s.tenant, safe='')}/oauth2/v2.0/token"
            )
            self._auth = ClientCredentials(
                source=self.source,
                token_url=token_url,
                client_id=s.client_id,
                client_secret=s.client_secret.get_secret_value(),
                scope=s.scope,
            )
            return self._auth
        assert s.token is not None  # the settings validator guarantees one or the other
        return header_auth("Authorization", f"Bearer {s.token.get_secret_value()}")

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        notes: list[str] = []
        skus, (users, stamps_known) = await gather_first_error(
            self._skus(client, ctx), self._users(client, ctx, notes)
        )
        premium = self._premium(skus, stamps_known)
        retention = PREMIUM_RETENTION_DAYS if premium else FREE_RETENTION_DAYS
        period = report_period(ctx.lookback_days)
        has_copilot = any(sku_kind(sku, self.settings.suite_skus) == "copilot" for sku in skus)
        (
            principals,
            sign_ins,
            grants,
            report_settings,
            office,
            teams,
            copilot,
        ) = await gather_first_error(
            self._optional(self._principals(client, ctx), notes, SERVICE_PRINCIPALS),
            self._optional(self._sign_ins(client, ctx, retention), notes, SIGN_INS),
            self._optional(self._grants(client), notes, GRANTS),
            self._optional(self._report_settings(client), notes, REPORT_SETTINGS),
            self._optional(
                self._report(
                    client,
                    f"/v1.0/reports/getOffice365ActiveUserDetail(period='D{period}')",
                    OFFICE_REPORT,
                ),
                notes,
                OFFICE_REPORT,
            ),
            self._optional(
                self._report(
                    client,
                    "/v1.0/reports/getTeamsUserActivityUserDetail"
                    f"(period='D{FEATURE_WINDOW_DAYS}')",
                    TEAMS_REPORT,
                ),
                notes,
                TEAMS_REPORT,
            ),
            self._optional(
                self._report(
                    client,
                    "/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail"
                    f"(period='D{period}')?$format=application/json",
                    COPILOT_REPORT,
                ),
                notes,
                COPILOT_REPORT,
            )
            if has_copilot
            else _none(),
        )
        assignments: dict[str, list[AppRoleAssignment]] | None = None
        members: dict[str, set[str]] | None = None
        if principals is not None:
            assignments = await self._optional(
                self._assignments(client, ctx, principals), notes, ASSIGNMENTS
            )
        if assignments:
            groups = sorted(
                {
                    a.principalId
                    for items in assignments.values()
                    for a in items
                    if a.principalType == "Group" and a.principalId
                }
            )
            if groups:
                members = await self._optional(
                    self._group_members(client, ctx, groups), notes, GROUP_MEMBERS
                )
        builder = _Builder(
            plugin=self,
            ctx=ctx,
            notes=notes,
            skus=skus,
            users=users,
            stamps_known=stamps_known,
            retention=retention,
            period=period,
        )
        builder.read_reports(report_settings, office, teams, copilot)
        apps = builder.licence_pools(grants, principals)
        apps += builder.enterprise_apps(principals, assignments, members, sign_ins)
        return Observation(apps=apps, notes=notes)

    # -- the listings ----------------------------------------------------------------------

    async def _skus(self, client: httpx.AsyncClient, ctx: CollectContext) -> list[SubscribedSku]:
        items = [
            self._parse(SubscribedSku, item, SKUS)
            async for item in self._items(client, "/v1.0/subscribedSkus", None, SKUS)
        ]
        ctx.progress(f"{len(items)} licence pools read")
        return items

    async def _users(
        self, client: httpx.AsyncClient, ctx: CollectContext, notes: list[str]
    ) -> tuple[list[User], bool]:
        """Every user; and whether ``signInActivity`` came with them."""
        params = {"$select": f"{USER_FIELDS},signInActivity", "$top": self.settings.page_size}
        try:
            users = [
                self._parse(User, item, USERS)
                async for item in self._items(client, "/v1.0/users", params, SIGN_IN_ACTIVITY)
            ]
            ctx.progress(f"{len(users)} users read")
            return users, True
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(self._refusal_note(exc, SIGN_IN_ACTIVITY))
        params = {"$select": USER_FIELDS, "$top": self.settings.page_size}
        users = [
            self._parse(User, item, USERS)
            async for item in self._items(client, "/v1.0/users", params, USERS)
        ]
        ctx.progress(f"{len(users)} users read (without sign-in activity)")
        return users, False

    async def _principals(
        self, client: httpx.AsyncClient, ctx: CollectContext
    ) -> list[ServicePrincipal]:
        params = {"$select": SP_FIELDS, "$top": self.settings.page_size}
        items = [
            self._parse(ServicePrincipal, item, SERVICE_PRINCIPALS)
            async for item in self._items(
                client, "/v1.0/servicePrincipals", params, SERVICE_PRINCIPALS
            )
        ]
        ctx.progress(f"{len(items)} service principals read")
        return items

    async def _assignments(
        self,
        client: httpx.AsyncClient,
        ctx: CollectContext,
        principals: list[ServicePrincipal],
    ) -> dict[str, list[AppRoleAssignment]]:
        wanted = [sp for sp in principals if self._is_third_party(sp)]

        async def one(sp: ServicePrincipal) -> list[AppRoleAssignment]:
            path = f"/v1.0/servicePrincipals/{quote(sp.id, safe='')}/appRoleAssignedTo"
            params = {"$top": self.settings.page_size}
            return [
                self._parse(AppRoleAssignment, item, ASSIGNMENTS)
                async for item in self._items(client, path, params, ASSIGNMENTS)
            ]

        found = await gather_first_error(*(one(sp) for sp in wanted))
        ctx.progress(f"assignments of {len(wanted)} enterprise apps read")
        return {sp.id: items for sp, items in zip(wanted, found, strict=True)}

    async def _group_members(
        self, client: httpx.AsyncClient, ctx: CollectContext, groups: list[str]
    ) -> dict[str, set[str]]:
        """Group id -> ids of the users in it, nested groups included (``transitiveMembers``)."""

        async def one(group: str) -> set[str]:
            path = f"/v1.0/groups/{quote(group, safe='')}/transitiveMembers"
            params = {"$select": "id", "$top": self.settings.page_size}
            found = set()
            async for item in self._items(client, path, params, GROUP_MEMBERS):
                kind = item.get("@odata.type")
                member = item.get("id")
                # Users only: nested groups are already flattened, devices and apps hold no seat.
                if isinstance(member, str) and kind in (None, "#microsoft.graph.user"):
                    found.add(member)
            return found

        found = await gather_first_error(*(one(group) for group in groups))
        ctx.progress(f"members of {len(groups)} assigned groups read")
        return dict(zip(groups, found, strict=True))

    async def _sign_ins(
        self, client: httpx.AsyncClient, ctx: CollectContext, retention: int
    ) -> tuple[list[SignIn], int]:
        """Sign-ins in the window, never older than the tenant keeps them; and the days asked."""
        days = min(ctx.lookback_days, retention)
        end = ctx.now.astimezone(dt.UTC)
        start = end - dt.timedelta(days=days)
        params = {
            "$filter": f"createdDateTime ge {_iso(start)} and createdDateTime le {_iso(end)}",
            "$top": self.settings.sign_ins_page_size,
        }
        items = [
            self._parse(SignIn, item, SIGN_INS)
            async for item in self._items(client, "/v1.0/auditLogs/signIns", params, SIGN_INS)
        ]
        ctx.progress(f"{len(items)} sign-ins read ({days} days)")
        return items, days

    async def _grants(self, client: httpx.AsyncClient) -> list[PermissionGrant]:
        return [
            self._parse(PermissionGrant, item, GRANTS)
            async for item in self._items(client, "/v1.0/oauth2PermissionGrants", None, GRANTS)
        ]

    async def _report_settings(self, client: httpx.AsyncClient) -> ReportSettings:
        body = await self._get(client, "/v1.0/admin/reportSettings", None, REPORT_SETTINGS)
        return self._parse(ReportSettings, body, REPORT_SETTINGS)

    async def _report(
        self, client: httpx.AsyncClient, url: str, call: Call
    ) -> list[dict[str, Any]]:
        try:
            return await fetch_report(client, url, source=self.source, what=call.label)
        except PluginError as exc:
            raise self._explained(exc, call) from None

    # -- Graph plumbing ---------------------------------------------------------------------

    async def _items(
        self, client: httpx.AsyncClient, path: str, params: dict[str, Any] | None, call: Call
    ) -> AsyncIterator[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink`` (a repeated link is a loop)."""
        pages = paginate_next_url(
            client,
            path,
            source=self.source,
            params=params,
            next_url=lambda body: body.get("@odata.nextLink") if isinstance(body, dict) else None,
        )
        try:
            async for body in pages:
                for item in self._parse(Page, body, call).value:
                    yield item
        except PluginError as exc:
            raise self._explained(exc, call) from None

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: dict[str, Any] | None, call: Call
    ) -> Any:
        try:
            return await get_json(client, path, source=self.source, params=params)
        except PluginError as exc:
            raise self._explained(exc, call) from None

    def _explained(self, exc: PluginError, call: Call) -> PluginError:
        """The same error, its message carrying Graph's ``error.code`` and ``error.message``."""
        code, message = graph_error(exc.body)
        if code is None:
            return exc
        text = f"{call.label}: {code}"
        if message:
            text += f": {message[:300]}"
        if code == DENIED:
            text += f" (grant the application permission {call.permission}, with admin consent)"
        elif code == NON_PREMIUM:
            text += " (needs Entra ID P1 or P2)"
        else:
            text += f" (HTTP {exc.status_code})"
        return type(exc)(self.source, text, status_code=exc.status_code, body=exc.body)

    async def _optional(self, task: Awaitable[_T], notes: list[str], call: Call) -> _T | None:
        """``task``'s result, or ``None`` with a note when Graph refuses it (403)."""
        try:
            return await task
        except AuthenticationError as exc:
            if exc.status_code != 403:
                raise
            notes.append(self._refusal_note(exc, call))
            return None

    def _refusal_note(self, exc: AuthenticationError, call: Call) -> str:
        code, _message = graph_error(exc.body)
        if code == NON_PREMIUM:
            why = "needs Entra ID P1 or P2 (the tenant has neither)"
        else:
            why = f"refused ({code or 'HTTP 403'}): grant the application permission {call.permission}"
        return f"{call.label} {why}; {call.consequence or 'not observed'}"

    def _parse(self, model: type[_M], body: Any, call: Call) -> _M:
        return parse_model(model, body, source=self.source, what=call.label)

    def _premium(self, skus: list[SubscribedSku], stamps_known: bool) -> bool:
        if self.settings.entra_premium is not None:
            return self.settings.entra_premium
        if stamps_known:
            return True  # Graph gives signInActivity only to P1/P2 tenants
        return any(
            (plan.servicePlanName or "").upper() in PREMIUM_PLANS
            and (plan.provisioningStatus or "Success") == "Success"
            for sku in skus
            if (sku.capabilityStatus or "Enabled") in ("Enabled", "Warning")
            for plan in sku.servicePlans
        )

    def _is_third_party(self, sp: ServicePrincipal) -> bool:
        if sp.servicePrincipalType not in (None, "Application"):
            return False
        if sp.accountEnabled is False:
            return False
        return self.settings.include_microsoft_apps or (
            (sp.appOwnerOrganizationId or "").lower() not in MICROSOFT_TENANTS
        )

    def time(self, value: Any, what: str) -> dt.datetime | None:
        return parse_vendor_time(value, source=self.source, what=what)


async def _none() -> None:
    return None


# -- mapping ---------------------------------------------------------------------------------


class _Builder:
    """Turns what Graph said into ``AppUsage`` objects (one run's worth of state)."""

    def __init__(
        self,
        *,
        plugin: MicrosoftGraphPlugin,
        ctx: CollectContext,
        notes: list[str],
        skus: list[SubscribedSku],
        users: list[User],
        stamps_known: bool,
        retention: int,
        period: int,
    ) -> None:
        self.plugin = plugin
        self.ctx = ctx
        self.notes = notes
        self.skus = skus
        self.users = users
        self.by_id = {user.id: user for user in users}
        self.by_upn = {
            user.userPrincipalName.strip().lower(): user for user in users if user.userPrincipalName
        }
        self.stamps_known = stamps_known
        self.retention = retention
        self.period = period
        self.now = ctx.now.astimezone(dt.UTC)
        self.cutoff = self.now - dt.timedelta(days=FEATURE_WINDOW_DAYS)
        """Features count the users active in the last 30 days (last use is reported as a date)."""
        self.concealed = False
        self.office: list[dict[str, Any]] | None = None
        self.teams: list[dict[str, Any]] | None = None
        self.copilot: list[CopilotUsageRow] | None = None
        self.holders: dict[str, set[str]] = {}
        for user in users:
            for licence in user.assignedLicenses:
                if licence.skuId:
                    self.holders.setdefault(licence.skuId, set()).add(user.id)

    # -- reports ---------------------------------------------------------------------------

    def read_reports(
        self,
        settings: ReportSettings | None,
        office: list[dict[str, Any]] | None,
        teams: list[dict[str, Any]] | None,
        copilot: list[dict[str, Any]] | None,
    ) -> None:
        self.office, self.teams = office, teams
        if copilot is not None:
            self.copilot = [
                self.plugin._parse(CopilotUsageRow, row, COPILOT_REPORT) for row in copilot
            ]
        names = [_text(row.get("User Principal Name")) for row in office or ()]
        names += [_text(row.get("User Principal Name")) for row in teams or ()]
        names += [row.userPrincipalName for row in self.copilot or ()]
        present = [name for name in names if name]
        if settings is not None and settings.displayConcealedNames is not None:
            self.concealed = settings.displayConcealedNames
        else:
            # No permission to read the setting: hashed names carry no "@" and look like hex.
            self.concealed = bool(present) and all(
                "@" not in name and _HEX_NAME.match(name) for name in present
            )
        if self.concealed:
            self.notes.append(
                "Microsoft 365 usage reports conceal user names (admin/reportSettings "
                "displayConcealedNames): report rows cannot be joined to users, so per-user report "
                "activity is unknown and feature counts are tenant-wide; an admin can turn the "
                "setting off in the Microsoft 365 admin center (Settings > Org settings > Reports)"
            )
        refreshed = [
            self.plugin.time(row.get("Report Refresh Date"), "Report Refresh Date")
            for row in (office or [])[:1]
        ]
        if refreshed and refreshed[0] is not None:
            lag = (self.now.date() - refreshed[0].date()).days
            self.notes.append(
                f"Microsoft 365 usage reports run to {refreshed[0].date().isoformat()} "
                f"({lag} days behind the run; Microsoft's reports lag about two days)"
            )

    def _office_dates(self) -> dict[str, dict[str, dt.datetime | None]]:
        """User id -> product -> last activity (joinable rows only)."""
        found: dict[str, dict[str, dt.datetime | None]] = {}
        if self.concealed:
            return found
        for row in self.office or ():
            user = self.by_upn.get((_text(row.get("User Principal Name")) or "").lower())
            if user is None:
                continue
            found[user.id] = {
                product: self.plugin.time(
                    row.get(f"{product} Last Activity Date"), f"{product} Last Activity Date"
                )
                for product in OFFICE_ACTIVITY
            }
        return found

    def _copilot_dates(self) -> dict[str, CopilotUsageRow]:
        if self.concealed:
            return {}
        found = {}
        for row in self.copilot or ():
            user = self.by_upn.get((row.userPrincipalName or "").strip().lower())
            if user is not None:
                found[user.id] = row
        return found

    # -- licence pools ---------------------------------------------------------------------

    def licence_pools(
        self, grants: list[PermissionGrant] | None, principals: list[ServicePrincipal] | None
    ) -> list[AppUsage]:
        suite_skus = self.plugin.settings.suite_skus
        kinds = {sku.skuId: sku_kind(sku, suite_skus) for sku in self.skus}
        suites = [sku for sku in self.skus if kinds[sku.skuId] == "suite"]
        copilot_skus = [sku for sku in self.skus if kinds[sku.skuId] == "copilot"]
        integrations = self._integrations(grants, principals or []) if grants is not None else None
        office = self._office_dates()
        copilot = self._copilot_dates()
        apps = []
        for sku in self.skus:
            kind = kinds[sku.skuId]
            self._unit_notes(sku)
            if kind == "copilot" and not self.plugin.settings.copilot_pool:
                continue  # reported as the suite's add-on feature only
            holders = self.holders.get(sku.skuId, set())
            features: list[FeatureUsage] | None = None
            activity_known = False
            horizon: int | None = None
            last: dict[str, tuple[dt.datetime | None, ActivityKind]] = {}
            if kind == "suite":
                if self.stamps_known:
                    activity_known = True
                    for uid in holders:
                        user = self.by_id[uid]
                        stamp = (
                            user.signInActivity.lastSuccessfulSignInDateTime
                            if user.signInActivity
                            else None
                        )
                        last[uid] = (
                            self.plugin.time(stamp, "signInActivity.lastSuccessfulSignInDateTime"),
                            ActivityKind.LOGIN,
                        )
                elif self.office is not None and not self.concealed:
                    activity_known = True
                    horizon = self.period
                    for uid in holders:
                        dates = [d for d in office.get(uid, {}).values() if d is not None]
                        last[uid] = (max(dates) if dates else None, ActivityKind.FEATURE)
                features = self._suite_features(holders, office, copilot, copilot_skus, suites)
            elif kind == "copilot":
                if self.copilot is not None and not self.concealed:
                    activity_known = True
                    horizon = self.period
                    for uid in holders:
                        row = copilot.get(uid)
                        when = (
                            self.plugin.time(row.lastActivityDate, "Copilot lastActivityDate")
                            if row
                            else None
                        )
                        last[uid] = (when, ActivityKind.FEATURE)
                features = self._copilot_app_features(holders, copilot)
            else:
                self.notes.append(
                    f"{sku.skuPartNumber or sku.skuId}: Graph reports no use of this licence "
                    "itself: seats and holders only, activity unknown"
                )
            apps.append(
                AppUsage(
                    app=sku.skuPartNumber or sku.skuId,
                    app_id=sku.skuId,
                    seats_purchased=sku.prepaidUnits.enabled if sku.prepaidUnits else None,
                    seats_used=sku.consumedUnits,
                    accounts=[
                        self._account(uid, *last.get(uid, (None, None))) for uid in sorted(holders)
                    ],
                    activity_known=activity_known,
                    history_horizon_days=horizon,
                    features=features,
                    integrations=integrations if kind == "suite" else None,
                )
            )
        return apps

    def _unit_notes(self, sku: SubscribedSku) -> None:
        name = sku.skuPartNumber or sku.skuId
        units = sku.prepaidUnits
        if units is not None:
            for field, meaning in (
                ("warning", "in warning (subscription expired, in its grace period)"),
                ("suspended", "suspended (subscription cancelled)"),
                ("lockedOut", "locked out"),
            ):
                count = getattr(units, field)
                if count:
                    self.notes.append(f"{name}: {count} units {meaning}, not counted as purchased")
        status = sku.capabilityStatus
        if status and status not in ("Enabled", "Warning"):
            self.notes.append(f"{name}: subscription status {status}")
        blocked = sum(
            1 for uid in self.holders.get(sku.skuId, ()) if self.by_id[uid].accountEnabled is False
        )
        if blocked:
            self.notes.append(
                f"{name}: {blocked} licences held by blocked accounts (they consume units but are "
                "not counted as assigned)"
            )

    def _account(self, uid: str, when: dt.datetime | None, kind: ActivityKind | None) -> Account:
        user = self.by_id[uid]
        enabled = user.accountEnabled is not False
        return Account(
            id=uid,
            email=user_email(user),
            name=user.displayName,
            status=AccountStatus.ACTIVE if enabled else AccountStatus.DEACTIVATED,
            assigned=enabled,
            guest=(user.userType or "").lower() == "guest",
            last_active=when,
            activity_kind=kind if when is not None else None,
        )

    # -- features --------------------------------------------------------------------------

    def _suite_features(
        self,
        holders: set[str],
        office: dict[str, dict[str, dt.datetime | None]],
        copilot: dict[str, CopilotUsageRow],
        copilot_skus: list[SubscribedSku],
        suites: list[SubscribedSku],
    ) -> list[FeatureUsage] | None:
        features: list[FeatureUsage] = []
        observed = False
        if self.office is not None:
            observed = True
            features += self._office_features(holders, office)
        if self.teams is not None:
            observed = True
            features += self._teams_features(holders)
        if copilot_skus and self.copilot is not None:
            observed = True
            features.append(self._copilot_addon(holders, copilot, copilot_skus, len(suites)))
        return features if observed else None

    def _office_features(
        self, holders: set[str], office: dict[str, dict[str, dt.datetime | None]]
    ) -> list[FeatureUsage]:
        features = []
        for product, (key, name) in OFFICE_PRODUCTS.items():
            if self.concealed:
                dates = [
                    self.plugin.time(row.get(f"{product} Last Activity Date"), product)
                    for row in self.office or ()
                ]
                users = None
            else:
                pairs = [(uid, office.get(uid, {}).get(product)) for uid in sorted(holders)]
                dates = [when for _uid, when in pairs]
                users = sorted(
                    user_email(self.by_id[uid]) or uid
                    for uid, when in pairs
                    if when is not None and when >= self.cutoff
                )
            recent = [d for d in dates if d is not None and d >= self.cutoff]
            seen = [d for d in dates if d is not None]
            features.append(
                FeatureUsage(
                    feature=key,
                    name=name,
                    active_users=len(recent),
                    last_used=max(seen) if seen else None,
                    window_days=FEATURE_WINDOW_DAYS,
                    every_user=True,
                    users=users,
                )
            )
        return features

    def _teams_features(self, holders: set[str]) -> list[FeatureUsage]:
        rows = self.teams or []
        if not self.concealed:
            wanted = {(self.by_id[uid].userPrincipalName or "").lower() for uid in holders}
            rows = [
                row
                for row in rows
                if (_text(row.get("User Principal Name")) or "").lower() in wanted
            ]
        features = []
        for key, (name, columns) in TEAMS_COUNTS.items():
            events = 0
            users: list[str] = []
            active = 0
            for row in rows:
                count = sum(_count(row.get(column)) for column in columns)
                events += count
                if count > 0:
                    active += 1
                    users.append((_text(row.get("User Principal Name")) or "").lower())
            features.append(
                FeatureUsage(
                    feature=key,
                    name=name,
                    active_users=active,
                    events=events,
                    window_days=FEATURE_WINDOW_DAYS,
                    every_user=True,
                    users=None if self.concealed else sorted(users),
                )
            )
        return features

    def _copilot_addon(
        self,
        holders: set[str],
        copilot: dict[str, CopilotUsageRow],
        copilot_skus: list[SubscribedSku],
        suite_count: int,
    ) -> FeatureUsage:
        """The Copilot add-on as a feature of this suite pool, with its own seats."""
        copilot_holders: set[str] = set()
        purchased = 0
        for sku in copilot_skus:
            copilot_holders |= self.holders.get(sku.skuId, set())
            purchased += (sku.prepaidUnits.enabled or 0) if sku.prepaidUnits else 0
        mine = {
            uid for uid in holders & copilot_holders if self.by_id[uid].accountEnabled is not False
        }
        if self.concealed:
            dates = [
                self.plugin.time(row.lastActivityDate, "Copilot lastActivityDate")
                for row in self.copilot or ()
            ]
            users = None
        else:
            dates = [
                self.plugin.time(copilot[uid].lastActivityDate, "Copilot lastActivityDate")
                if uid in copilot
                else None
                for uid in sorted(mine)
            ]
            users = sorted(
                user_email(self.by_id[uid]) or uid
                for uid, when in zip(sorted(mine), dates, strict=True)
                if when is not None and when >= self.cutoff
            )
        recent = [d for d in dates if d is not None and d >= self.cutoff]
        seen = [d for d in dates if d is not None]
        return FeatureUsage(
            feature=COPILOT_FEATURE[0],
            name=COPILOT_FEATURE[1],
            active_users=len(recent),
            last_used=max(seen) if seen else None,
            window_days=FEATURE_WINDOW_DAYS,
            every_user=True,
            # The pool's purchased units belong to this suite only when it is the only suite.
            seats_purchased=purchased if suite_count == 1 else None,
            seats_assigned=None if self.concealed and suite_count != 1 else len(mine),
            users=users,
        )

    def _copilot_app_features(
        self, holders: set[str], copilot: dict[str, CopilotUsageRow]
    ) -> list[FeatureUsage] | None:
        if self.copilot is None:
            return None
        if self.concealed:
            rows = list(self.copilot)
        else:
            rows = [copilot[uid] for uid in sorted(holders) if uid in copilot]
        features = []
        for field, name in COPILOT_APPS.items():
            dates = [
                (row, self.plugin.time(getattr(row, field), f"Copilot {field}")) for row in rows
            ]
            recent = [(row, d) for row, d in dates if d is not None and d >= self.cutoff]
            seen = [d for _row, d in dates if d is not None]
            features.append(
                FeatureUsage(
                    feature=name,
                    name=name,
                    active_users=len(recent),
                    last_used=max(seen) if seen else None,
                    window_days=FEATURE_WINDOW_DAYS,
                    every_user=True,
                    users=None
                    if self.concealed
                    else sorted((row.userPrincipalName or "").lower() for row, _d in recent),
                )
            )
        return features

    # -- integrations ----------------------------------------------------------------------

    def _integrations(
        self, grants: list[PermissionGrant], principals: list[ServicePrincipal]
    ) -> list[Integration]:
        by_id = {sp.id: sp for sp in principals}
        grouped: dict[str, list[PermissionGrant]] = {}
        for grant in grants:
            if grant.clientId:
                grouped.setdefault(grant.clientId, []).append(grant)
        edges = []
        for client_id, items in grouped.items():
            sp = by_id.get(client_id)
            if sp is not None and not self.plugin._is_third_party(sp):
                continue
            name = (sp.displayName or sp.appDisplayName) if sp is not None else None
            everyone = any((g.consentType or "") == "AllPrincipals" for g in items)
            people = {g.principalId for g in items if g.principalId}
            scopes = " ".join(g.scope or "" for g in items)
            writes = any(word in scopes for word in ("ReadWrite", ".Send", "Write"))
            edges.append(
                Integration(
                    app=name or client_id,
                    kind="oauth_grant",
                    direction="both" if writes else "out",
                    active_users=None if everyone else len(people),
                )
            )
        edges.sort(key=lambda edge: edge.app.casefold())
        return edges

    # -- enterprise apps -------------------------------------------------------------------

    def enterprise_apps(
        self,
        principals: list[ServicePrincipal] | None,
        assignments: dict[str, list[AppRoleAssignment]] | None,
        members: dict[str, set[str]] | None,
        sign_ins: tuple[list[SignIn], int] | None,
    ) -> list[AppUsage]:
        if principals is None and sign_ins is None:
            return []
        known = [sp for sp in principals or () if self.plugin._is_third_party(sp)]
        by_app_id = {sp.appId.lower(): sp for sp in principals or () if sp.appId}
        latest: dict[str, dict[str, tuple[dt.datetime, SignIn]]] = {}
        names: dict[str, str] = {}
        days: int | None = None
        if sign_ins is not None:
            events, days = sign_ins
            for event in events:
                if event.status is None or event.status.errorCode != 0:
                    continue  # a failed or interrupted sign-in is not use
                when = self.plugin.time(event.createdDateTime, "signIn createdDateTime")
                user = event.userId or (event.userPrincipalName or "").lower()
                if when is None or when > self.now or not user:
                    continue
                sp = by_app_id.get((event.appId or "").lower())
                if sp is not None:
                    if not self.plugin._is_third_party(sp):
                        continue
                    key = sp.id
                elif event.appDisplayName:
                    key = f"name:{event.appDisplayName.casefold()}"
                    names.setdefault(key, event.appDisplayName)
                else:
                    continue
                per_app = latest.setdefault(key, {})
                if user not in per_app or when > per_app[user][0]:
                    per_app[user] = (when, event)
        apps = []
        for sp in known:
            assigned = [a for a in (assignments or {}).get(sp.id, []) if a.principalType == "User"]
            groups = [a for a in (assignments or {}).get(sp.id, []) if a.principalType == "Group"]
            logins = latest.pop(sp.id, {})
            if not assigned and not groups and not logins:
                continue  # neither assigned nor used: no evidence of the app in this company
            holders = {a.principalId for a in assigned if a.principalId}
            for group in groups:
                if members is not None and group.principalId in members:
                    holders |= members[group.principalId] & self.by_id.keys()
            if groups and members is None:
                self.notes.append(
                    f"{sp.displayName or sp.appId}: {len(groups)} group assignments not expanded "
                    "(members count once they sign in)"
                )
            open_app = sp.appRoleAssignmentRequired is False and not holders
            apps.append(
                self._app(
                    sp.displayName or sp.appDisplayName or sp.appId or sp.id,
                    sp.appId,
                    _aliases(sp),
                    holders,
                    logins,
                    days,
                    assignments is not None,
                    open_app,
                )
            )
        for key, logins in sorted(latest.items()):
            if key.startswith("name:"):
                # Sign-ins to an app whose service principal was not listed (deleted since).
                apps.append(self._app(names[key], None, [], set(), logins, days, False, True))
        return apps

    def _app(
        self,
        label: str,
        app_id: str | None,
        aliases: list[str],
        assigned_ids: set[str],
        logins: dict[str, tuple[dt.datetime, SignIn]],
        days: int | None,
        assignments_known: bool,
        open_app: bool,
    ) -> AppUsage:
        accounts: dict[str, Account] = {}
        for uid in sorted(assigned_ids):
            user = self.by_id.get(uid)
            when = logins.get(uid, (None, None))[0]
            enabled = user is None or user.accountEnabled is not False
            accounts[uid] = Account(
                id=uid,
                email=user_email(user) if user else None,
                name=user.displayName if user else None,
                status=AccountStatus.ACTIVE if enabled else AccountStatus.DEACTIVATED,
                assigned=enabled,
                guest=user is not None and (user.userType or "").lower() == "guest",
                last_active=when,
                activity_kind=ActivityKind.SSO if when is not None else None,
            )
        for uid, (when, event) in sorted(logins.items()):
            if uid in accounts:
                continue
            user = self.by_id.get(uid)
            enabled = user is not None and user.accountEnabled is not False
            accounts[uid] = Account(
                id=uid,
                email=user_email(user) if user else _email(event.userPrincipalName),
                name=user.displayName if user else event.userDisplayName,
                status=AccountStatus.ACTIVE if enabled else AccountStatus.DEACTIVATED,
                # Where the app needs no assignment, signing in is what holding it means.
                assigned=open_app and enabled,
                last_active=when,
                activity_kind=ActivityKind.SSO,
            )
        return AppUsage(
            app=label,
            app_id=app_id,
            aliases=aliases,
            accounts=list(accounts.values()),
            activity_known=days is not None,
            history_horizon_days=days,
        )


# -- helpers ---------------------------------------------------------------------------------


def sku_kind(
    sku: SubscribedSku, suite_skus: list[str] | None = None
) -> Literal["suite", "copilot", "other"]:
    """How a licence pool's use is observed (see the module docstring)."""
    part = sku.skuPartNumber or ""
    if COPILOT_PART.search(part):
        return "copilot"
    if suite_skus is not None:
        return "suite" if part.casefold() in {s.casefold() for s in suite_skus} else "other"
    plans = {(plan.servicePlanName or "").upper() for plan in sku.servicePlans}
    return "suite" if plans & SUITE_PLANS else "other"


def report_period(lookback_days: int) -> int:
    """The shortest report period (D7, D30, D90, D180) that covers the lookback."""
    for days in REPORT_PERIODS:
        if days >= lookback_days:
            return days
    return REPORT_PERIODS[-1]


def graph_error(body: Any) -> tuple[str | None, str | None]:
    """``(error.code, error.message)`` of a Graph error body, or ``(None, None)``."""
    if not isinstance(body, dict):
        return None, None
    parsed = GraphError.model_validate(body) if isinstance(body.get("error"), dict) else None
    if parsed is None or parsed.error is None:
        return None, None
    return parsed.error.code, parsed.error.message


def user_email(user: User) -> str | None:
    """``mail``, else a UPN that is an address (a guest's ``#EXT#`` UPN is not)."""
    return _email(user.mail) or (
        _email(user.userPrincipalName) if "#EXT#" not in (user.userPrincipalName or "") else None
    )


def _email(value: str | None) -> str | None:
    value = (value or "").strip()
    return value.lower() if "@" in value else None


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _count(value: Any) -> int:
    try:
        return max(0, int(str(value or "0").strip() or "0"))
    except ValueError:
        return 0


def _aliases(sp: ServicePrincipal) -> list[str]:
    aliases: list[str] = []
    if sp.appDisplayName and sp.appDisplayName != sp.displayName:
        aliases.append(sp.appDisplayName)
    if sp.homepage:
        try:
            host = urlsplit(sp.homepage if "//" in sp.homepage else f"//{sp.homepage}").hostname
        except ValueError:
            host = None
        if host and host not in aliases:
            aliases.append(host)
    return aliases


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
