"""Test kit for the shared conformance suite (docs/architecture.md, "Test kits") and the Graph tests.

``sample_data()`` is a small Entra ID P1 tenant that crosses pages at the emulator's default page
size (2). With ``NOW`` as the run clock and the default 90-day lookback (report period D90):

* licence pools: ``SPE_E3`` (a suite: Exchange Online; 10 bought), ``Microsoft_365_Copilot`` (5
  bought), ``POWER_BI_PRO`` (5 bought, 2 suspended units);
* users: alice (E3 + Copilot, signed in yesterday, Copilot in Word 5 days ago), bob (E3 + Copilot,
  last success 40 days ago, a failed attempt yesterday, never used Copilot), carol (E3, never signed
  in), dave (E3, blocked), erin (E3 + Copilot + Power BI, used Copilot yesterday: after the report's
  refresh date, so not in it yet), frank (a guest with Power BI), grace (no licence);
* enterprise apps: Salesforce (assignment required; alice, bob, carol and the Marketing group: carol,
  erin, blocked dave, a nested group, a device), HubSpot
  (no assignment required, nobody assigned, alice and erin sign in), Miro (erin signs in), Canva
  (nothing: not reported), Zapier (an OAuth client only), Microsoft Teams (first-party: skipped), a
  disabled app and a managed identity (skipped);
* sign-ins: successes, a failure (bob), one older than the 30-day retention, one after the run
  clock, one to an app whose service principal is gone ("Old Webinar Tool");
* OAuth grants: Zapier (two users, one with write scopes), Jasper (admin consent for everyone),
  Graph Explorer (first-party: skipped).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .emulator import MicrosoftGraphData, MicrosoftGraphEmulator
from .plugin import MICROSOFT_TENANTS, MicrosoftGraphPlugin

PLUGIN = MicrosoftGraphPlugin
EMULATOR = MicrosoftGraphEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
TENANT = "00000000-0000-4000-8000-00000000c0de"
CLIENT_ID = "11111111-2222-4333-8444-555555555555"
PARTNER_TENANT = "9e5b1c2d-0000-4000-8000-00000000beef"
MICROSOFT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
assert MICROSOFT in MICROSOFT_TENANTS

E3, COPILOT, POWER_BI = (
    "05e9a617-0261-4cee-bb44-138d3ef5d965",
    "639dec6b-bb19-468b-871c-c5c441c4b0cb",
    "f8a1db68-be16-40ed-86d5-cb42ce701560",
)
USERS: dict[str, str] = {
    key: f"{index:08d}-aaaa-4bbb-8ccc-{key:0>12}"
    for index, key in enumerate(("alice", "bob", "carol", "dave", "erin", "frank", "grace"), 1)
}
SP: dict[str, str] = {
    key: f"{index:08d}-5151-4151-8151-{key.lower():0>12}"
    for index, key in enumerate(
        (
            "salesforce",
            "hubspot",
            "miro",
            "canva",
            "zapier",
            "teams",
            "legacy",
            "identity",
            "graph",
            "explorer",
            "jasper",
        ),
        1,
    )
}
APP_ID: dict[str, str] = {key: value.replace("5151", "a99a") for key, value in SP.items()}


MARKETING = "99999999-0000-4000-8000-00000marketing"
"""A group assigned to Salesforce: carol (also assigned directly), erin, dave (blocked), a nested
group and a device (the listing is transitive: only its users hold seats)."""


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(days: float | None) -> str:
    """A report date ``days`` ago, or the empty string reports use for "never"."""
    return "" if days is None else ago(days).date().isoformat()


def sku(
    sku_id: str, part: str, plans: list[str], enabled: int, consumed: int, **units: int
) -> dict[str, Any]:
    return {
        "accountId": TENANT,
        "accountName": "Contoso",
        "appliesTo": "User",
        "capabilityStatus": "Enabled",
        "consumedUnits": consumed,
        "id": f"{TENANT}_{sku_id}",
        "prepaidUnits": {"enabled": enabled, "suspended": 0, "warning": 0, "lockedOut": 0, **units},
        "servicePlans": [
            {
                "servicePlanId": f"{index:08d}-0000-4000-8000-000000000000",
                "servicePlanName": name,
                "provisioningStatus": "Success",
                "appliesTo": "User",
            }
            for index, name in enumerate(plans)
        ],
        "skuId": sku_id,
        "skuPartNumber": part,
        "subscriptionIds": [f"{sku_id[:8]}-0000-4000-8000-000000000001"],
    }


def user(
    key: str,
    licences: list[str],
    *,
    success: dt.datetime | None = None,
    attempt: dt.datetime | None = None,
    enabled: bool = True,
    guest: bool = False,
) -> dict[str, Any]:
    tried = attempt or success
    upn = (
        f"{key}@contoso.example"
        if not guest
        else f"{key}_partner.example#EXT#@contoso.onmicrosoft.com"
    )
    return {
        "id": USERS[key],
        "userPrincipalName": upn,
        "mail": f"{key}@contoso.example" if not guest else f"{key}@partner.example",
        "displayName": f"{key.title()} Doe",
        "accountEnabled": enabled,
        "userType": "Guest" if guest else "Member",
        "assignedLicenses": [{"disabledPlans": [], "skuId": sku_id} for sku_id in licences],
        "signInActivity": {
            "lastSignInDateTime": iso(tried) if tried else None,
            "lastSignInRequestId": "c7df2760-2c81-4ef7-b578-5b5392b571df",
            "lastNonInteractiveSignInDateTime": None,
            "lastSuccessfulSignInDateTime": iso(success) if success else None,
            "lastSuccessfulSignInRequestId": None,
        },
    }


def principal(
    key: str, name: str, *, owner: str = PARTNER_TENANT, required: bool = True, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": SP[key],
        "appId": APP_ID[key],
        "displayName": name,
        "appDisplayName": name,
        "accountEnabled": True,
        "servicePrincipalType": "Application",
        "appOwnerOrganizationId": owner,
        "appRoleAssignmentRequired": required,
        "homepage": None,
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        "preferredSingleSignOnMode": "saml",
    }
    body.update(extra)
    return body


def assignment(app: str, principal_id: str, kind: str = "User", name: str = "") -> dict[str, Any]:
    return {
        "id": f"{principal_id[:8]}-assign-{app}",
        "appRoleId": "00000000-0000-0000-0000-000000000000",
        "createdDateTime": "2025-03-01T10:00:00Z",
        "deletedDateTime": None,
        "principalDisplayName": name or principal_id,
        "principalId": principal_id,
        "principalType": kind,
        "resourceDisplayName": app,
        "resourceId": SP[app],
    }


def sign_in(
    key: str, app: str, name: str, when: dt.datetime, *, error: int = 0, app_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": f"{key}-{app}-{int(when.timestamp())}",
        "createdDateTime": iso(when),
        "userDisplayName": f"{key.title()} Doe",
        "userPrincipalName": f"{key}@contoso.example",
        "userId": USERS[key],
        "appId": app_id or APP_ID[app],
        "appDisplayName": name,
        "clientAppUsed": "Browser",
        "isInteractive": True,
        "resourceDisplayName": name,
        "status": {
            "errorCode": error,
            "failureReason": "Other." if error == 0 else "Invalid username or password.",
            "additionalDetails": None,
        },
    }


def grant(client: str, scope: str, *, user_key: str | None = None) -> dict[str, Any]:
    return {
        "id": f"grant-{client}-{user_key or 'all'}",
        "clientId": SP[client],
        "consentType": "Principal" if user_key else "AllPrincipals",
        "principalId": USERS[user_key] if user_key else None,
        "resourceId": SP["graph"],
        "scope": scope,
    }


def office_row(key: str, **products: float | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "User Principal Name": f"{key}@contoso.example",
        "Display Name": f"{key.title()} Doe",
        "Is Deleted": "False",
        "Deleted Date": "",
        "Assigned Products": "MICROSOFT 365 E3",
    }
    for product in ("Exchange", "OneDrive", "SharePoint", "Skype For Business", "Yammer", "Teams"):
        row[f"Has {product} License"] = "True"
        row[f"{product} Last Activity Date"] = day(products.get(product.replace(" ", "_")))
        row[f"{product} License Assign Date"] = "2025-01-15"
    return row


def teams_row(key: str, chat: int, private: int, calls: int, meetings: int) -> dict[str, Any]:
    return {
        "User Id": USERS[key],
        "User Principal Name": f"{key}@contoso.example",
        "Last Activity Date": day(2) if chat + private + calls + meetings else "",
        "Is Deleted": "False",
        "Deleted Date": "",
        "Assigned Products": "MICROSOFT 365 E3",
        "Team Chat Message Count": str(chat),
        "Private Chat Message Count": str(private),
        "Call Count": str(calls),
        "Meeting Count": str(meetings),
        "Meetings Organized Count": "0",
        "Meetings Attended Count": str(meetings),
        "Has Other Action": "No",
        "Is Licensed": "Yes",
    }


def copilot_row(key: str, last: float | None, **apps: float | None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "reportRefreshDate": "",
        "userPrincipalName": f"{key}@contoso.example",
        "displayName": f"{key.title()} Doe",
        "lastActivityDate": day(last),
    }
    for field in (
        "copilotChat",
        "microsoftTeamsCopilot",
        "wordCopilot",
        "excelCopilot",
        "powerPointCopilot",
        "outlookCopilot",
        "oneNoteCopilot",
        "loopCopilot",
    ):
        row[f"{field}LastActivityDate"] = day(apps.get(field))
    return row


def sample_data() -> MicrosoftGraphData:
    skus = [
        sku(
            E3,
            "SPE_E3",
            ["EXCHANGE_S_ENTERPRISE", "TEAMS1", "SHAREPOINTENTERPRISE", "AAD_PREMIUM"],
            10,
            5,
        ),
        sku(
            COPILOT,
            "Microsoft_365_Copilot",
            ["M365_COPILOT_APPS", "GRAPH_CONNECTORS_COPILOT"],
            5,
            3,
        ),
        sku(POWER_BI, "POWER_BI_PRO", ["BI_AZURE_P2", "EXCHANGE_S_FOUNDATION"], 5, 2, suspended=2),
    ]
    users = [
        user("alice", [E3, COPILOT], success=ago(1)),
        user("bob", [E3, COPILOT], success=ago(40), attempt=ago(1)),
        user("carol", [E3]),
        user("dave", [E3], success=ago(100), enabled=False),
        user("erin", [E3, COPILOT, POWER_BI], success=ago(3)),
        user("frank", [POWER_BI], success=ago(8), guest=True),
        user("grace", [], success=ago(4)),
    ]
    principals = [
        principal("salesforce", "Salesforce", homepage="https://contoso.my.salesforce.com"),
        principal("hubspot", "HubSpot", required=False),
        principal("miro", "Miro", required=False),
        principal("canva", "Canva"),
        principal("zapier", "Zapier", required=False, tags=[]),
        principal("teams", "Microsoft Teams", owner=MICROSOFT, required=False),
        principal("legacy", "Legacy Tool", accountEnabled=False),
        principal("identity", "backup-job", servicePrincipalType="ManagedIdentity", tags=[]),
        principal("graph", "Microsoft Graph", owner=MICROSOFT, required=False),
        principal("explorer", "Graph Explorer", owner=MICROSOFT, required=False),
        principal("jasper", "Jasper", required=False),
    ]
    assignments = {
        SP["salesforce"]: [
            assignment("salesforce", USERS["alice"]),
            assignment("salesforce", USERS["bob"]),
            assignment("salesforce", USERS["carol"]),
            assignment("salesforce", MARKETING, "Group", "Marketing"),
        ],
        SP["legacy"]: [assignment("legacy", USERS["alice"])],
    }
    groups = {
        MARKETING: [
            {"@odata.type": "#microsoft.graph.user", "id": USERS["carol"]},
            {
                "@odata.type": "#microsoft.graph.group",
                "id": "88888888-0000-4000-8000-0000000nested",
            },
            {"@odata.type": "#microsoft.graph.user", "id": USERS["erin"]},
            {
                "@odata.type": "#microsoft.graph.device",
                "id": "77777777-0000-4000-8000-00000000laptop",
            },
            {"@odata.type": "#microsoft.graph.user", "id": USERS["dave"]},
        ]
    }
    sign_ins = [
        sign_in("alice", "salesforce", "Salesforce", ago(2)),
        sign_in("bob", "salesforce", "Salesforce", ago(3), error=50126),
        sign_in("bob", "salesforce", "Salesforce", ago(40)),  # past the 30-day retention
        sign_in("grace", "salesforce", "Salesforce", ago(4)),  # not assigned
        sign_in("alice", "hubspot", "HubSpot", ago(5)),
        sign_in("erin", "hubspot", "HubSpot", ago(6)),
        sign_in("erin", "miro", "Miro", ago(1)),
        sign_in("alice", "teams", "Microsoft Teams", ago(1)),  # first-party
        sign_in("carol", "hubspot", "HubSpot", NOW + dt.timedelta(hours=5)),  # after the clock
        sign_in(
            "alice",
            "salesforce",
            "Old Webinar Tool",
            ago(9),
            app_id="deadbeef-0000-4000-8000-00000000dead",
        ),
    ]
    grants = [
        grant("zapier", "Mail.Read offline_access", user_key="alice"),
        grant("zapier", "Files.ReadWrite.All", user_key="bob"),
        grant("jasper", "User.Read openid profile"),
        grant("explorer", "User.Read Directory.Read.All", user_key="alice"),
    ]
    office = [
        office_row("alice", Exchange=1, Teams=2, SharePoint=40),
        office_row("bob", Exchange=20),
        office_row("carol"),
        office_row("dave", Exchange=200),
        office_row("erin", Exchange=3, OneDrive=100),
    ]
    teams = [
        teams_row("alice", 10, 5, 2, 3),
        teams_row("bob", 0, 0, 0, 1),
        teams_row("erin", 0, 0, 0, 0),
    ]
    copilot = [  # alice last: her row is on the second page of the JSON report
        copilot_row("bob", None),
        copilot_row("erin", 1, copilotChat=1),  # after the report's refresh date
        copilot_row("alice", 5, wordCopilot=5, copilotChat=12),
    ]
    return MicrosoftGraphData(
        now=NOW,
        tenant_id=TENANT,
        client_id=CLIENT_ID,
        skus=skus,
        users=users,
        service_principals=principals,
        app_role_assignments=assignments,
        groups=groups,
        sign_ins=sign_ins,
        grants=grants,
        office365_active_users=office,
        teams_activity=teams,
        copilot_usage=copilot,
    )


def settings(token: str) -> dict[str, Any]:
    return {
        "plugin": "microsoft_graph",
        "tenant": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": token,
    }


def expected_assigned(data: MicrosoftGraphData) -> dict[str | None, set[str]]:
    """Licence pools: enabled holders. Enterprise apps (third-party, enabled, type Application, with
    a user assignment or a successful sign-in within 30 days): enabled assigned users, or, where the
    app needs no assignment and has none, the enabled users who signed in."""
    enabled = {u["id"] for u in data.users if u["accountEnabled"]}
    result: dict[str | None, set[str]] = {}
    for item in data.skus:
        result[item["skuPartNumber"]] = {
            u["id"]
            for u in data.users
            if u["accountEnabled"]
            and any(lic["skuId"] == item["skuId"] for lic in u["assignedLicenses"])
        }
    start = data.now - dt.timedelta(days=30)
    signers: dict[str, set[str]] = {}
    for event in data.sign_ins:
        when = dt.datetime.fromisoformat(event["createdDateTime"].replace("Z", "+00:00"))
        if event["status"]["errorCode"] == 0 and start <= when <= data.now:
            signers.setdefault(event["appId"], set()).add(event["userId"])
    app_ids = set()
    for sp in data.service_principals:
        app_ids.add(sp["appId"])
        if (
            sp["servicePrincipalType"] != "Application"
            or not sp["accountEnabled"]
            or sp["appOwnerOrganizationId"] in MICROSOFT_TENANTS
        ):
            continue
        users = {
            a["principalId"]
            for a in data.app_role_assignments.get(sp["id"], [])
            if a["principalType"] == "User"
        }
        for a in data.app_role_assignments.get(sp["id"], []):
            if a["principalType"] == "Group":
                users |= {
                    m["id"]
                    for m in data.groups.get(a["principalId"], [])
                    if m["@odata.type"] == "#microsoft.graph.user"
                }
        groups = [
            a for a in data.app_role_assignments.get(sp["id"], []) if a["principalType"] == "Group"
        ]
        seen = signers.get(sp["appId"], set())
        if not users and not groups and not seen:
            continue
        if users or sp["appRoleAssignmentRequired"]:
            result[sp["displayName"]] = users & enabled
        else:
            result[sp["displayName"]] = seen & enabled
    for event in data.sign_ins:
        if event["appId"] not in app_ids and event["appId"] in signers:
            result[event["appDisplayName"]] = signers[event["appId"]] & enabled
    return result
