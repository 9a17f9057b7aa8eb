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
    FeatureSpec,
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
    # A third of the suite carries the use: mail and files for nearly everyone, calendar for
    # some; documents, chat and sites barely or never.
    features=(
        FeatureSpec("mail", share=0.95, frequency=0.9, events=6, name="gmail"),
        FeatureSpec("file-storage", share=0.7, frequency=0.5, events=2, name="drive"),
        FeatureSpec("calendar", share=0.3, frequency=0.3, name="calendar"),
        FeatureSpec("documents", share=0.05, frequency=0.1, name="docs"),
        FeatureSpec("team-chat", share=0.0, name="chat"),
        FeatureSpec("sites", share=0.0, name="sites"),
        FeatureSpec("ai-assistant", count=6, seats=50, assigned=50, frequency=0.4, name="Gemini"),
    ),
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


USAGE_DAYS = 8
"""Usage reports of the last eight Pacific days (the plugin asks three days back, stepping back)."""
_COUNTERS = {
    "gmail": "num_emails_sent",
    "drive": "num_items_edited",
    "calendar": "num_meetings_organized",
    "docs": "num_docs_edited",
    "chat": "num_messages_sent",
    "sites": "num_sites_edited",
}
"""One counter per app; ``gmail`` also has ``last_interaction_time`` (the only confirmed ``*_time``)."""


def _usage_reports(view: WorldView) -> dict[str, list[dict[str, Any]]]:
    """Each day's user usage report from the tool's feature model: per active user, per app, the
    day's uses and Gmail's last interaction; an app nobody uses still reports 0 for everyone."""
    features = {
        f.name: f for f in view.features("google_workspace").values() if f.name in _COUNTERS
    }
    if not features:
        return {}
    by_person = {
        name: {user.employee.key: user for user in feature.users}
        for name, feature in features.items()
    }
    pacific_today = (view.instant - dt.timedelta(hours=8)).date()
    people = [p for p in view.employees if not view.suspended(p)]
    reports: dict[str, list[dict[str, Any]]] = {}
    for back in range(3, 3 + USAGE_DAYS):
        day = pacific_today - dt.timedelta(days=back)
        start = dt.datetime.combine(day, dt.time(8), dt.UTC)  # midnight Pacific
        end = start + dt.timedelta(days=1)
        rows = []
        for person in people:
            parameters: list[dict[str, Any]] = []
            for app, counter in _COUNTERS.items():
                if app not in features:
                    continue
                user = by_person[app].get(person.key)
                count = user.events_between(start, end) if user else 0
                parameters.append({"name": f"{app}:{counter}", "intValue": str(count)})
                if app == "gmail":
                    last = None
                    if user is not None:
                        last = max((t for t in user.uses if t < end), default=None)
                    parameters.append(
                        {
                            "name": "gmail:last_interaction_time",
                            "datetimeValue": iso_millis(last)
                            if last
                            else "1970-01-01T00:00:00.000Z",
                        }
                    )
            rows.append(
                {
                    "kind": "admin#reports#usageReport",
                    "date": day.isoformat(),
                    "entity": {
                        "type": "USER",
                        "customerId": CUSTOMER,
                        "userEmail": person.email,
                        "profileId": str(110_000_000_000 + person.key),
                    },
                    "parameters": parameters,
                }
            )
        reports[day.isoformat()] = rows
    return reports


def _gemini(view: WorldView) -> list[dict[str, Any]]:
    """One Gemini ``feature_utilization`` event per use of the AI add-on, within 180 days."""
    feature = view.features("google_workspace").get("ai-assistant")
    if feature is None:
        return []
    horizon = view.instant - dt.timedelta(days=180)
    events: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    for user in feature.users:
        person = user.employee
        for index, when in enumerate(user.uses):
            if when < horizon:
                continue
            event = {
                "type": "ai_usage_event",
                "name": "feature_utilization",
                "parameters": [
                    {"name": "action", "value": ("summarize", "conversation")[index % 2]},
                    {"name": "app_name", "value": ("gmail", "docs")[person.key % 2]},
                ],
            }
            events.append(
                (when, person.key, _activity("gemini_in_workspace_apps", person, when, event))
            )
    events.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [row for _, _, row in events]
