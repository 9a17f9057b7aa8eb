"""The sandbox world in Google Workspace's shapes (``GoogleWorkspaceEmulator.world_data``), when
Google Workspace is the company's identity provider, and the Workspace subscription it brings.

Every employee is a directory user with a Business Standard licence (``lastLoginTime`` is the epoch
for "never", as Google writes it); each user's latest SAML sign-in into each app within 90 days is a
``saml`` activity; the three latest grants of a few apps people connect to Gmail/Calendar are
``token`` activities.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import (
    AddonSpec,
    ContractSpec,
    Employee,
    ToolSpec,
    WorldView,
    epoch,
    iso_millis,
    stable_id,
)

from .emulator import GoogleWorkspaceData

CUSTOMER = "C0BRIGHT01"
SKU = ("Google-Apps", "1010020028", "Google Workspace Business Standard")
OAUTH_APPS = ("HubSpot", "Salesforce", "Zoom", "Calendly")
"""Third-party apps people grant Google OAuth access to (Gmail/Calendar sync), newest grants kept."""
ACTIVITY_DAYS = 90

TOOL = ToolSpec(
    "google_workspace",
    "Google Workspace Business Standard",
    "google_workspace",
    "Leadership",
    ContractSpec(
        69_120,
        start=1200,
        renewal=250,
        notice_days=30,
        seats=420,
        features=("mail", "calendar", "file-storage", "documents", "team-chat", "sites"),
        # Gemini bought for 50 seats; six people use it.
        addons=(AddonSpec("ai-assistant", 14_400, seats=50),),
    ),
    {},
    standalone="the company's own mail and documents",
)
"""A company whose identity provider is Google Workspace pays for Workspace itself."""


def _activity(
    application: str, person: Employee, when: dt.datetime, event: dict[str, Any]
) -> dict[str, Any]:
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": iso_millis(when),
            "uniqueQualifier": str(-(epoch(when) * 1000 + person.key)),
            "applicationName": application,
            "customerId": CUSTOMER,
        },
        "actor": {
            "email": person.email,
            "profileId": str(110_000_000_000 + person.key),
            "callerType": "USER",
        },
        "ipAddress": f"198.51.100.{person.key % 250 + 1}",
        "events": [event],
    }


def _directory(view: WorldView) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    product, sku, sku_name = SKU
    users, licences = [], []
    for person in view.employees:
        last = view.last_login(person)
        users.append(
            {
                "kind": "admin#directory#user",
                "id": str(110_000_000_000 + person.key),
                "primaryEmail": person.email,
                "name": {
                    "givenName": person.first,
                    "familyName": person.last,
                    "fullName": person.name,
                },
                "isAdmin": person.department == "Leadership",
                "suspended": view.suspended(person),
                "archived": False,
                "customerId": CUSTOMER,
                "creationTime": iso_millis(person.hired),
                "orgUnitPath": "/" + person.department.replace(" ", ""),
                "isEnrolledIn2Sv": True,
                # Google writes the epoch for "never": the plugin must read it as no login on record.
                "lastLoginTime": iso_millis(last) if last else "1970-01-01T00:00:00.000Z",
            }
        )
        licences.append(
            {
                "kind": "licensing#licenseAssignment",
                "etags": '"sandbox"',
                "userId": person.email,
                "productId": product,
                "productName": "Google Workspace",
                "skuId": sku,
                "skuName": sku_name,
                "selfLink": "https://licensing.googleapis.com/apps/licensing/v1/product/"
                f"{product}/sku/{sku}/user/{person.email}",
            }
        )
    return users, licences


def _token_event(label: str) -> dict[str, Any]:
    return {
        "type": "auth",
        "name": "authorize",
        "parameters": [
            {
                "name": "client_id",
                "value": stable_id("", len(label) * 97 + ord(label[0]), 10)
                + "-sandbox.apps.googleusercontent.com",
            },
            {"name": "app_name", "value": label},
            {"name": "client_type", "value": "WEB"},
            {
                "name": "scope",
                "multiValue": ["https://www.googleapis.com/auth/calendar.readonly", "openid"],
            },
        ],
    }


def world_data(view: WorldView) -> GoogleWorkspaceData:
    users, licences = _directory(view)
    horizon = view.instant - dt.timedelta(days=ACTIVITY_DAYS)
    saml: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    tokens: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    for key in sorted(view.apps):
        app = view.apps[key]
        if app.label is None:
            continue
        for seat in app.seats:
            when = seat.last_active
            if when is None or when < horizon:
                continue
            event = {
                "type": "login",
                "name": "login_success",
                "parameters": [
                    {"name": "application_name", "value": app.label},
                    {"name": "initiated_by", "value": "sp"},
                    {
                        "name": "orgunit_path",
                        "value": "/" + seat.employee.department.replace(" ", ""),
                    },
                    {"name": "saml_status_code", "value": "SUCCESS_URI"},
                ],
            }
            saml.append((when, seat.employee.key, _activity("saml", seat.employee, when, event)))
        if app.label in OAUTH_APPS:
            recent = sorted(
                (
                    (s.last_active, s.employee)
                    for s in app.seats
                    if s.last_active and s.last_active >= horizon and not s.suspended
                ),
                key=lambda pair: (pair[0], pair[1].key),
            )[-3:]
            for when, person in recent:
                activity = _activity("token", person, when, _token_event(app.label))
                tokens.append((when, person.key, activity))
    # The Reports API lists newest first.
    saml.sort(key=lambda item: (item[0], item[1]), reverse=True)
    tokens.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return GoogleWorkspaceData(
        customer_id=CUSTOMER,
        users=users,
        saml_activities=[row for _, _, row in saml],
        token_activities=[row for _, _, row in tokens],
        license_assignments=licences,
        usage_reports=_usage_reports(view),
        gemini_activities=_gemini(view),
        now=view.instant,
    )


GEMINI_USERS = 6
"""The Gemini add-on (bought for 50 in the story) is used by six people."""


def _usage_reports(view: WorldView) -> dict[str, list[dict[str, Any]]]:
    """The usage report of each of the last eight Pacific days, for every active user: a third of
    the suite carries all the use (Gmail and Drive for everyone who signs in; Calendar for a few;
    Docs, Chat and Sites for nobody), which is what the marketing-stack surveys describe."""
    reports: dict[str, list[dict[str, Any]]] = {}
    pacific_today = (view.instant - dt.timedelta(hours=8)).date()
    active = [
        (person, view.last_login(person)) for person in view.employees if not view.suspended(person)
    ]
    for back in range(3, 11):
        day = (pacific_today - dt.timedelta(days=back)).isoformat()
        rows = []
        for person, last in active:
            recent = last is not None and last >= view.instant - dt.timedelta(days=30)
            sent = (person.key % 17) if recent else 0
            parameters: list[dict[str, Any]] = [
                {
                    "name": "gmail:last_interaction_time",
                    "datetimeValue": iso_millis(last) if last else "1970-01-01T00:00:00.000Z",
                },
                {"name": "gmail:num_emails_sent", "intValue": str(sent)},
                {"name": "drive:num_items_edited", "intValue": str(sent // 3)},
                {
                    "name": "calendar:num_meetings_organized",
                    "intValue": str(int(person.key % 9 == 0 and recent)),
                },
                {"name": "docs:num_docs_edited", "intValue": "0"},
                {"name": "chat:num_messages_sent", "intValue": "0"},
                {"name": "sites:num_sites_edited", "intValue": "0"},
            ]
            rows.append(
                {
                    "kind": "admin#reports#usageReport",
                    "date": day,
                    "entity": {
                        "type": "USER",
                        "customerId": CUSTOMER,
                        "userEmail": person.email,
                        "profileId": str(110_000_000_000 + person.key),
                    },
                    "parameters": parameters,
                }
            )
        reports[day] = rows
    return reports


def _gemini(view: WorldView) -> list[dict[str, Any]]:
    """Gemini ``feature_utilization`` events of the six people who use it, a few a week."""
    users = [
        person
        for person in view.employees
        if not view.suspended(person) and view.last_login(person) is not None
    ][:GEMINI_USERS]
    events: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    for person in users:
        for days in range(1, 60, 3 + person.key % 4):
            when = view.instant - dt.timedelta(days=days, hours=person.key % 7)
            event = {
                "type": "ai_usage_event",
                "name": "feature_utilization",
                "parameters": [
                    {"name": "action", "value": ("summarize", "conversation")[days % 2]},
                    {"name": "app_name", "value": ("gmail", "docs")[person.key % 2]},
                ],
            }
            events.append(
                (when, person.key, _activity("gemini_in_workspace_apps", person, when, event))
            )
    events.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [row for _, _, row in events]
