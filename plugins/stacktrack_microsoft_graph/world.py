"""The sandbox world in Microsoft Graph's shapes (``MicrosoftGraphEmulator.world_data``), when Entra
ID is the company's identity provider, and the Microsoft 365 licences such a company pays for.

Every employee is an Entra user (leavers blocked) with a Microsoft 365 E3 licence; a Copilot add-on
was bought for 50 people and few of them use it. The last successful sign-in is the person's latest
activity in any app. Every app behind SSO is an enterprise app whose user assignments are its seats
(shadow apps need no assignment); the sign-in log holds each user's latest successful sign-in into
each app within the 30 days a P1/P2 tenant keeps. A few apps people connect to their mailbox hold
delegated OAuth grants. The usage reports are derived from the same activity, deterministically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from stacktrack.testing.world import (
    CORE,
    SHELFWARE,
    ContractSpec,
    Employee,
    Seat,
    ToolSpec,
    WorldView,
)

from .emulator import MicrosoftGraphData

TENANT_DOMAIN = "brightlane.onmicrosoft.com"
TENANT_ID = MicrosoftGraphData.tenant_id
"""The emulator's tenant and app registration (the test kit uses the same ids)."""
CLIENT_ID = MicrosoftGraphData.client_id
PARTNER_TENANT = "7d1a3c55-0000-4000-8000-0000000a11e5"
SUITE_SKU = ("05e9a617-0261-4cee-bb44-138d3ef5d965", "SPE_E3")
COPILOT_SKU = ("639dec6b-bb19-468b-871c-c5c441c4b0cb", "Microsoft_365_Copilot")
SIGN_IN_DAYS = 30
"""A P1/P2 tenant keeps 30 days of sign-ins."""
OAUTH_APPS = ("HubSpot", "Salesforce", "Zoom", "Calendly")
"""Apps people connect to their Outlook mail and calendar (delegated grants, three latest users)."""
ADMIN_CONSENTED = ("Zapier", "Mail.ReadWrite Calendars.ReadWrite offline_access")
"""An app an admin consented to for everyone once: an integration no tool covers."""

SUITE = ToolSpec(
    "microsoft_365",
    "Microsoft 365 E3",
    "microsoft_365_e3",
    "Leadership",
    ContractSpec(
        181_440,
        start=1100,
        renewal=200,
        notice_days=30,
        seats=420,
        features=("mail", "file-storage", "sites", "team-chat", "calls", "video-meetings"),
    ),
    {"*": 1.0},
    mix=CORE,
    standalone="the company's own mail, documents and meetings",
    pattern="core",
)
COPILOT = ToolSpec(
    "m365_copilot",
    "Microsoft 365 Copilot",
    "microsoft_365_copilot",
    "Content",
    ContractSpec(18_000, start=200, renewal=165, notice_days=30, seats=50),
    {
        "Content": 0.4,
        "Demand Gen": 0.3,
        "Product Marketing": 0.4,
        "Leadership": 0.6,
        "Brand": 0.3,
    },
    mix=SHELFWARE,
    ramp_days=30,
    integrates_with=("microsoft_365",),
    pattern="shelfware",
)
TOOLS = (SUITE, COPILOT)


def guid(kind: str, number: int | str) -> str:
    """A GUID that is stable for one object (Graph ids are GUIDs)."""
    return str(uuid.UUID(hex=hashlib.md5(f"brightlane:{kind}:{number}".encode()).hexdigest()))


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _day(when: dt.datetime | None) -> str:
    return when.date().isoformat() if when else ""


def _reported(when: dt.datetime | None, refresh: dt.datetime) -> dt.datetime | None:
    """A last activity as the report knows it: the reports run to their refresh date, so someone
    active since was (we assume) last seen by them on that date."""
    return min(when, refresh) if when else None


def _minus(when: dt.datetime | None, days: int) -> dt.datetime | None:
    return when - dt.timedelta(days=days) if when else None


def _holders(view: WorldView, key: str) -> dict[int, Seat]:
    return {seat.employee.key: seat for seat in view.seats(key)}


def _sku(sku: tuple[str, str], plans: list[str], enabled: int, consumed: int) -> dict[str, Any]:
    sku_id, part = sku
    return {
        "accountId": TENANT_ID,
        "accountName": "Brightlane",
        "appliesTo": "User",
        "capabilityStatus": "Enabled",
        "consumedUnits": consumed,
        "id": f"{TENANT_ID}_{sku_id}",
        "prepaidUnits": {"enabled": enabled, "suspended": 0, "warning": 0, "lockedOut": 0},
        "servicePlans": [
            {
                "servicePlanId": guid("plan", name),
                "servicePlanName": name,
                "provisioningStatus": "Success",
                "appliesTo": "User",
            }
            for name in plans
        ],
        "skuId": sku_id,
        "skuPartNumber": part,
        "subscriptionIds": [guid("subscription", part)],
    }


def _user(view: WorldView, person: Employee, licences: list[str]) -> dict[str, Any]:
    last = None if person.never_logs_in else view.last_login(person)
    return {
        "id": guid("user", person.key),
        "userPrincipalName": person.email,
        "mail": person.email,
        "displayName": person.name,
        "accountEnabled": not view.suspended(person),
        "userType": "Member",
        "assignedLicenses": [{"disabledPlans": [], "skuId": sku} for sku in licences],
        "signInActivity": {
            "lastSignInDateTime": _iso(last),
            "lastNonInteractiveSignInDateTime": None,
            "lastSuccessfulSignInDateTime": _iso(last),
        },
    }


def _principal(key: str, label: str, *, required: bool) -> dict[str, Any]:
    return {
        "id": guid("sp", key),
        "appId": guid("app", key),
        "displayName": label,
        "appDisplayName": label,
        "accountEnabled": True,
        "servicePrincipalType": "Application",
        "appOwnerOrganizationId": PARTNER_TENANT,
        "appRoleAssignmentRequired": required,
        "homepage": None,
        "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
    }


def _sign_in(person: Employee, key: str, label: str, when: dt.datetime) -> dict[str, Any]:
    return {
        "id": guid("signin", f"{person.key}:{key}:{when.isoformat()}"),
        "createdDateTime": _iso(when),
        "userDisplayName": person.name,
        "userPrincipalName": person.email,
        "userId": guid("user", person.key),
        "appId": guid("app", key),
        "appDisplayName": label,
        "clientAppUsed": "Browser",
        "isInteractive": True,
        "status": {"errorCode": 0, "failureReason": "Other.", "additionalDetails": None},
    }


def _office_row(person: Employee, last: dt.datetime | None) -> dict[str, Any]:
    k = person.key
    products = {
        "Exchange": last,
        "Teams": _minus(last, k % 3),
        "SharePoint": _minus(last, k % 11) if k % 4 else None,
        "OneDrive": _minus(last, k % 7) if k % 5 else None,
        "Yammer": None,
        "Skype For Business": None,
    }
    row: dict[str, Any] = {
        "User Principal Name": person.email,
        "Display Name": person.name,
        "Is Deleted": "False",
        "Deleted Date": "",
        "Assigned Products": "MICROSOFT 365 E3",
    }
    for product, when in products.items():
        row[f"Has {product} License"] = "True"
        row[f"{product} Last Activity Date"] = _day(when)
        row[f"{product} License Assign Date"] = _day(person.hired)
    return row


def _teams_row(person: Employee, last: dt.datetime | None, now: dt.datetime) -> dict[str, Any]:
    k = person.key
    recent = last is not None and last >= now - dt.timedelta(days=30)
    counts = (k * 7 % 40, k * 3 % 25, k % 6, k * 5 % 12) if recent else (0, 0, 0, 0)
    return {
        "User Id": guid("user", k),
        "User Principal Name": person.email,
        "Last Activity Date": _day(last) if recent else "",
        "Is Deleted": "False",
        "Deleted Date": "",
        "Assigned Products": "MICROSOFT 365 E3",
        "Team Chat Message Count": str(counts[0]),
        "Private Chat Message Count": str(counts[1]),
        "Call Count": str(counts[2]),
        "Meeting Count": str(counts[3]),
        "Meetings Organized Count": str(counts[3] // 3),
        "Meetings Attended Count": str(counts[3] - counts[3] // 3),
        "Has Other Action": "No",
        "Is Licensed": "Yes",
    }


def _copilot_row(person: Employee, last: dt.datetime | None) -> dict[str, Any]:
    k = person.key
    return {
        "reportRefreshDate": "",
        "userPrincipalName": person.email,
        "displayName": person.name,
        "lastActivityDate": _day(last),
        "copilotChatLastActivityDate": _day(last),
        "microsoftTeamsCopilotLastActivityDate": _day(last) if k % 3 == 0 else "",
        "wordCopilotLastActivityDate": _day(_minus(last, 1)) if k % 2 == 0 else "",
        "excelCopilotLastActivityDate": _day(_minus(last, 2)) if k % 5 == 0 else "",
        "powerPointCopilotLastActivityDate": _day(_minus(last, 3)) if k % 6 == 0 else "",
        "outlookCopilotLastActivityDate": _day(last) if k % 4 == 0 else "",
        "oneNoteCopilotLastActivityDate": "",
        "loopCopilotLastActivityDate": "",
    }


def world_data(view: WorldView) -> MicrosoftGraphData:
    now = view.instant
    refresh = now - dt.timedelta(days=MicrosoftGraphData.report_lag_days)
    suite = _holders(view, SUITE.id)
    copilot = _holders(view, COPILOT.id)
    skus = []
    for spec, sku, plans, holders in (
        (
            SUITE,
            SUITE_SKU,
            ["EXCHANGE_S_ENTERPRISE", "TEAMS1", "SHAREPOINTENTERPRISE", "AAD_PREMIUM"],
            suite,
        ),
        (COPILOT, COPILOT_SKU, ["M365_COPILOT_APPS", "GRAPH_CONNECTORS_COPILOT"], copilot),
    ):
        if spec.id in view.apps:
            bought = spec.contract.seats or len(holders)
            skus.append(_sku(sku, plans, bought, len(holders)))
    users, office, teams, copilot_rows = [], [], [], []
    for person in view.employees:
        licences = [
            sku_id
            for sku_id, holders in ((SUITE_SKU[0], suite), (COPILOT_SKU[0], copilot))
            if person.key in holders
        ]
        users.append(_user(view, person, licences))
        last = None if person.never_logs_in else view.last_login(person)
        if person.key in suite:
            office.append(_office_row(person, _reported(last, refresh)))
            teams.append(_teams_row(person, _reported(last, refresh), now))
        if person.key in copilot:
            used = _reported(copilot[person.key].last_active, refresh)
            copilot_rows.append(_copilot_row(person, used))
    principals: list[dict[str, Any]] = []
    assignments: dict[str, list[dict[str, Any]]] = {}
    sign_ins: list[tuple[dt.datetime, str, dict[str, Any]]] = []
    grants: list[dict[str, Any]] = []
    kept_since = now - dt.timedelta(days=SIGN_IN_DAYS)
    for key in sorted(view.apps):
        app = view.apps[key]
        if app.label is None:
            continue  # not behind SSO (the licence pools among them)
        sp = _principal(key, app.label, required=app.spec is not None)
        principals.append(sp)
        if app.spec is not None:
            assignments[sp["id"]] = [
                {
                    "id": guid("assignment", f"{key}:{seat.employee.key}"),
                    "appRoleId": "00000000-0000-0000-0000-000000000000",
                    "createdDateTime": _iso(seat.assigned_at),
                    "principalDisplayName": seat.employee.name,
                    "principalId": guid("user", seat.employee.key),
                    "principalType": "User",
                    "resourceDisplayName": app.label,
                    "resourceId": sp["id"],
                }
                for seat in app.seats
            ]
        for seat in app.seats:
            when = seat.last_active
            if when is not None and kept_since <= when <= now:
                # Only each user's latest sign-in per app: the plugin keeps the latest anyway.
                sign_ins.append((when, sp["id"], _sign_in(seat.employee, key, app.label, when)))
        if app.label in OAUTH_APPS:
            recent = sorted(
                (s for s in app.seats if s.last_active and not s.suspended),
                key=lambda s: (s.last_active, s.employee.key),
            )[-3:]
            grants += [
                {
                    "id": guid("grant", f"{key}:{seat.employee.key}"),
                    "clientId": sp["id"],
                    "consentType": "Principal",
                    "principalId": guid("user", seat.employee.key),
                    "resourceId": guid("sp", "microsoft-graph"),
                    "scope": "Mail.Read Calendars.Read offline_access",
                }
                for seat in recent
            ]
    name, scope = ADMIN_CONSENTED
    consented = _principal(name.lower(), name, required=False)
    principals.append(consented)
    grants.append(
        {
            "id": guid("grant", name),
            "clientId": consented["id"],
            "consentType": "AllPrincipals",
            "principalId": None,
            "resourceId": guid("sp", "microsoft-graph"),
            "scope": scope,
        }
    )
    sign_ins.sort(key=lambda item: (item[0], item[1]), reverse=True)  # newest first
    return MicrosoftGraphData(
        now=now,
        tenant_id=TENANT_ID,
        tenant_domain=TENANT_DOMAIN,
        client_id=CLIENT_ID,
        skus=skus,
        users=users,
        service_principals=principals,
        app_role_assignments=assignments,
        sign_ins=[row for _, _, row in sign_ins],
        grants=grants,
        office365_active_users=office,
        teams_activity=teams,
        copilot_usage=copilot_rows,
    )
