"""Test kit for the shared conformance suite (docs/architecture.md, "Test kits") and the Okta tests.

``sample_data()`` is a small org that crosses pages at the emulator's default page size (2) and holds
every case the plugin handles. With ``NOW`` as the run clock and the default 90-day lookback:

* apps: HubSpot (``licensing.seatCount`` 25), Salesforce (a ``siteURL``), Jasper (no assignments),
  Canva (``seatCount`` 0, i.e. never filled in), Legacy Webinar (``INACTIVE``: skipped);
* users: alice, bob, carol (never signs in), dave (suspended), erin (deprovisioned), frank (staged
  assignment to HubSpot), grace (app-level suspension in Salesforce), heidi (signed in to Salesforce,
  no longer assigned);
* System Log: successful SSOs, failed ones (bob, carol), one older than the lookback (frank), one
  after the run clock (frank), a ``user.session.start`` (not SSO), an SSO to an inactive app and one
  to a deleted app, and an event listing its ``AppInstance`` target second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .emulator import OktaData, OktaEmulator
from .plugin import OktaPlugin
from .settings import DEFAULT_ASSIGNED_STATUSES

PLUGIN = OktaPlugin
EMULATOR = OktaEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
BASE_URL = "https://acme.okta.test"

HUBSPOT, SALESFORCE, JASPER, CANVA, WEBINAR, DELETED = (
    "0oaHUBSPOT01",
    "0oaSALESFRC2",
    "0oaJASPERAI3",
    "0oaCANVA0004",
    "0oaWEBINAR05",
    "0oaDELETED06",
)

USERS: dict[str, tuple[str, str, str]] = {
    # key: (user id, e-mail, Okta user status)
    "alice": ("00uALICE0001", "alice@acme.example", "ACTIVE"),
    "bob": ("00uBOB000002", "bob@acme.example", "ACTIVE"),
    "carol": ("00uCAROL0003", "carol@acme.example", "ACTIVE"),
    "dave": ("00uDAVE00004", "dave@acme.example", "SUSPENDED"),
    "erin": ("00uERIN00005", "erin@acme.example", "DEPROVISIONED"),
    "frank": ("00uFRANK0006", "frank@acme.example", "ACTIVE"),
    "grace": ("00uGRACE0007", "Grace@Acme.Example", "ACTIVE"),
    "heidi": ("00uHEIDI0008", "heidi@acme.example", "ACTIVE"),
}


def iso(when: dt.datetime) -> str:
    """Okta's timestamp format: ``2026-01-05T15:58:20.353Z``."""
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def app(
    app_id: str, name: str, label: str, *, status: str = "ACTIVE", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": app_id,
        "name": name,
        "label": label,
        "status": status,
        "created": "2024-05-17T23:10:49.000Z",
        "lastUpdated": "2025-05-17T23:10:50.000Z",
        "signOnMode": "SAML_2_0",
        "features": [],
        "_links": {"users": {"href": f"{BASE_URL}/api/v1/apps/{app_id}/users"}},
    }
    body.update(extra)
    return body


def app_user(
    key: str, status: str, *, scope: str = "USER", app_email: bool = True
) -> dict[str, Any]:
    user_id, mail, user_status = USERS[key]
    profile: dict[str, Any] = {"displayName": key.title()}
    if app_email:
        profile["email"] = mail
    return {
        "id": user_id,
        "externalId": None,
        "created": "2025-01-31T18:25:01.000Z",
        "lastUpdated": "2025-01-31T18:25:03.000Z",
        "scope": scope,
        "status": status,
        "syncState": "DISABLED",
        "credentials": {"userName": mail},
        "profile": profile,
        "_embedded": {
            "user": {
                "id": user_id,
                "status": user_status,
                "lastLogin": None,
                "profile": {
                    "login": mail,
                    "email": mail,
                    "firstName": key.title(),
                    "lastName": "Doe",
                },
            }
        },
    }


def sso(
    key: str,
    app_id: str | None,
    label: str,
    when: dt.datetime,
    *,
    result: str = "SUCCESS",
    event_type: str = "user.authentication.sso",
    app_first: bool = True,
) -> dict[str, Any]:
    user_id, mail, _status = USERS[key]
    targets = [
        {
            "id": f"0ua{user_id[3:]}",
            "type": "AppUser",
            "alternateId": mail,
            "displayName": key.title(),
        }
    ]
    if app_id is not None:
        instance = {"id": app_id, "type": "AppInstance", "alternateId": label, "displayName": label}
        targets.insert(0 if app_first else 1, instance)
    return {
        "uuid": f"{key}-{app_id}-{int(when.timestamp())}-{result}",
        "published": iso(when),
        "eventType": event_type,
        "displayMessage": "User single sign on to app",
        "severity": "INFO",
        "outcome": {
            "result": result,
            "reason": None if result == "SUCCESS" else "INVALID_CREDENTIALS",
        },
        "actor": {"id": user_id, "type": "User", "alternateId": mail, "displayName": key.title()},
        "client": {"ipAddress": "192.0.2.10", "device": "Computer"},
        "target": targets,
        "legacyEventType": "core.user_auth.login_success",
        "version": "0",
    }


def sample_data() -> OktaData:
    apps = [
        app(HUBSPOT, "hubspot", "HubSpot", licensing={"seatCount": 25}),
        app(
            SALESFORCE,
            "salesforce",
            "Salesforce",
            settings={"app": {"siteURL": "https://acme.my.salesforce.com"}},
        ),
        app(JASPER, "jasper_ai", "Jasper"),
        app(CANVA, "canva", "Canva", signOnMode="BOOKMARK", licensing={"seatCount": 0}),
        app(WEBINAR, "webinarpro", "Legacy Webinar", status="INACTIVE"),
    ]
    app_users = {
        HUBSPOT: [
            app_user("alice", "ACTIVE"),
            app_user("bob", "PROVISIONED", scope="GROUP"),
            app_user("carol", "ACTIVE", app_email=False),
            app_user("dave", "ACTIVE"),  # the Okta user is suspended
            app_user("erin", "DEPROVISIONED"),
            app_user("frank", "STAGED"),
        ],
        SALESFORCE: [
            app_user("alice", "ACTIVE"),
            app_user("frank", "ACTIVE"),
            app_user("grace", "SUSPENDED"),
        ],
        JASPER: [],
        CANVA: [app_user("carol", "IMPLICIT", scope="GROUP")],
        WEBINAR: [app_user("alice", "ACTIVE")],
    }
    logs = [
        sso("frank", SALESFORCE, "Salesforce", ago(200)),  # before the lookback window
        sso("bob", HUBSPOT, "HubSpot", ago(50)),
        sso("alice", HUBSPOT, "HubSpot", ago(40)),
        sso("dave", HUBSPOT, "HubSpot", ago(20)),
        sso("alice", SALESFORCE, "Salesforce", ago(10), app_first=False),
        sso("heidi", SALESFORCE, "Salesforce", ago(7)),  # no longer assigned
        sso("frank", SALESFORCE, "Salesforce", ago(5)),
        sso("alice", HUBSPOT, "HubSpot", ago(3)),
        sso("bob", HUBSPOT, "HubSpot", ago(2), result="FAILURE"),
        sso("carol", HUBSPOT, "HubSpot", ago(1), result="FAILURE"),
        sso("grace", SALESFORCE, "Salesforce", ago(1), result="CHALLENGE"),
        sso("alice", WEBINAR, "Legacy Webinar", ago(4)),  # inactive app: skipped
        sso("bob", DELETED, "Deleted App", ago(6)),  # app no longer listed
        sso("carol", None, "", ago(1), event_type="user.session.start"),
        sso("frank", HUBSPOT, "HubSpot", NOW + dt.timedelta(days=2)),  # after the run clock
    ]
    logs.sort(key=lambda event: event["published"])
    return OktaData(apps=apps, app_users=app_users, logs=logs)


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "okta", "token": token}


def expected_assigned(data: OktaData) -> dict[str | None, set[str]]:
    """Per active app: assignments in a holding status whose Okta user is not suspended/deprovisioned."""
    holding = set(DEFAULT_ASSIGNED_STATUSES)
    result: dict[str | None, set[str]] = {}
    for item in data.apps:
        if item.get("status") == "INACTIVE":
            continue
        assigned = set()
        for user in data.app_users.get(item["id"], []):
            embedded = (user.get("_embedded") or {}).get("user") or {}
            if user.get("status") in holding and embedded.get("status") not in (
                "SUSPENDED",
                "DEPROVISIONED",
            ):
                assigned.add(user["id"])
        result[item["label"]] = assigned
    return result
