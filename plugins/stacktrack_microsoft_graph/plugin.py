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
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from stacktrack.plugin_api import (
    AuthenticationError,
    Capability,
    CollectContext,
    Observation,
    Plugin,
    PluginError,
    gather_first_error,
    get_json,
    header_auth,
    paginate_next_url,
    parse_model,
    parse_vendor_time,
)
from stacktrack_microsoft_graph.settings import MicrosoftGraphSettings

from .auth import ClientCredentials
from .mapping import FEATURE_WINDOW_DAYS, Mapper, sku_kind
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

if TYPE_CHECKING:  # the emulator is for tests and the sandbox, never the engine
    from stacktrack_microsoft_graph.emulator import MicrosoftGraphEmulator


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
REPORT_PERIODS = (7, 30, 90, 180)

NON_PREMIUM = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
DENIED = "Authorization_RequestDenied"

USER_FIELDS = "id,userPrincipalName,mail,displayName,accountEnabled,userType,assignedLicenses"
SP_FIELDS = (
    "id,appId,displayName,appDisplayName,accountEnabled,servicePrincipalType,"
    "appOwnerOrganizationId,appRoleAssignmentRequired,homepage,tags"
)


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


class MicrosoftGraphPlugin(Plugin[MicrosoftGraphSettings]):
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

    _auth: ClientCredentials | None = None

    @classmethod
    def emulator(cls) -> type[MicrosoftGraphEmulator]:
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
        builder = Mapper(
            plugin=self,
            ctx=ctx,
            notes=notes,
            skus=skus,
            users=users,
            stamps_known=stamps_known,
            retention=retention,
            period=period,
        )
        builder.read_reports(
            report_settings,
            office,
            teams,
            None
            if copilot is None
            else [self._parse(CopilotUsageRow, row, COPILOT_REPORT) for row in copilot],
        )
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
        wanted = [sp for sp in principals if self.is_third_party(sp)]

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

    def is_third_party(self, sp: ServicePrincipal) -> bool:
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


# -- helpers ---------------------------------------------------------------------------------


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


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
