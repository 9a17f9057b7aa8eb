"""The sandbox world in Okta's shapes (``OktaEmulator.world_data``), when Okta is the company's
identity provider.

Every employee is an Okta user (leavers suspended, people who never signed in still ``PROVISIONED``);
every app behind SSO is an ``Application`` whose assignments are its seats; the System Log holds each
user's latest SSO into each app within the last 90 days (the plugin keeps only the latest anyway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from stacktrack.testing.world import Employee, WorldView, iso_millis, stable_id

from .emulator import OktaData

LOG_DAYS = 90
"""System Log events are written for the last 90 days (Okta's usual retention)."""
BASE = "https://brightlane.okta.com"


def okta_user_id(employee: Employee) -> str:
    return "00u" + stable_id("", employee.key, 17)


def _app_id(index: int) -> str:
    return "0oa" + stable_id("", 500 + index, 17)


def _user(view: WorldView, person: Employee) -> dict[str, Any]:
    if view.suspended(person):
        status = "SUSPENDED"
    elif person.never_logs_in:
        status = "PROVISIONED"  # created, never activated
    else:
        status = "ACTIVE"
    return {
        "id": okta_user_id(person),
        "status": status,
        "created": iso_millis(person.hired),
        "activated": None if status == "PROVISIONED" else iso_millis(person.hired),
        "lastLogin": iso_millis(view.last_login(person)),
        "lastUpdated": iso_millis(person.left if view.suspended(person) else person.hired),
        "profile": {
            "firstName": person.first,
            "lastName": person.last,
            "login": person.email,
            "email": person.email,
            "department": person.department,
            "title": person.title,
        },
    }


def _sso(person: Employee, uid: str, app_id: str, label: str, when: dt.datetime) -> dict[str, Any]:
    return {
        "uuid": hashlib.md5(f"{uid}{app_id}{when}".encode()).hexdigest(),
        "published": iso_millis(when),
        "eventType": "user.authentication.sso",
        "displayMessage": "User single sign on to app",
        "severity": "INFO",
        "outcome": {"result": "SUCCESS", "reason": None},
        "actor": {
            "id": uid,
            "type": "User",
            "alternateId": person.email,
            "displayName": person.name,
        },
        "client": {"ipAddress": f"198.51.100.{person.key % 250 + 1}", "device": "Computer"},
        "target": [
            {"id": app_id, "type": "AppInstance", "alternateId": label, "displayName": label},
        ],
        "legacyEventType": "core.user_auth.login_success",
        "version": "0",
    }


def world_data(view: WorldView) -> OktaData:
    users = {person.key: _user(view, person) for person in view.employees}
    apps: list[dict[str, Any]] = []
    app_users: dict[str, list[dict[str, Any]]] = {}
    events: list[tuple[dt.datetime, str, dict[str, Any]]] = []
    horizon = view.instant - dt.timedelta(days=LOG_DAYS)
    for index, key in enumerate(sorted(view.apps)):
        app = view.apps[key]
        if app.label is None:
            continue  # not behind SSO
        app_id = _app_id(index)
        spec = app.spec
        okta_name = (
            spec.sso_aliases[0] if spec and spec.sso_aliases else key.lower().replace(".", "")
        )
        apps.append(
            {
                "id": app_id,
                "name": okta_name,
                "label": app.label,
                "status": "ACTIVE",
                "created": iso_millis(app.created),
                "lastUpdated": iso_millis(app.created),
                "signOnMode": "SAML_2_0",
                "features": [],
                "settings": {"app": {}},
                "_links": {"users": {"href": f"{BASE}/api/v1/apps/{app_id}/users"}},
            }
        )
        members = []
        for seat in app.seats:
            person = seat.employee
            uid = okta_user_id(person)
            members.append(
                {
                    "id": uid,
                    "externalId": None,
                    "created": iso_millis(seat.assigned_at),
                    "lastUpdated": iso_millis(seat.assigned_at),
                    "scope": "GROUP",
                    "status": "PROVISIONED",
                    "syncState": "SYNCHRONIZED",
                    "credentials": {"userName": person.email},
                    "profile": {"email": person.email, "displayName": person.name},
                    "_embedded": {"user": users[person.key]},
                }
            )
            when = seat.last_active
            if when is not None and when >= horizon:
                # Only each user's latest sign-in per app: the plugin keeps the latest anyway, and a
                # full log (every sign-in of 400 people for 90 days) would only slow the demo.
                events.append((when, f"{uid}{app_id}", _sso(person, uid, app_id, app.label, when)))
        app_users[app_id] = members
    events.sort(key=lambda item: (item[0], item[1]))  # oldest first, as the log stores them
    return OktaData(apps=apps, app_users=app_users, logs=[event for _, _, event in events])
