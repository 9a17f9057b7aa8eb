"""Test kit of the ``hubspot`` plugin for the shared conformance suite (docs/architecture.md).

The sample account, with ``NOW`` as the run clock: five users (three pages at the default page
size). Ana logged in twice (latest 1 day ago), Bo once (5 days ago), Cy never in the 90 days, Dee
only failed to log in (not activity), Eve succeeded 30 days ago and failed 1 day ago (the failure
must not count). One successful login belongs to a user no longer in the account and is ignored.
``data.login_history_forbidden = True`` gives the lower-tier 403 on the login history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_hubspot.emulator import HubSpotData, HubSpotEmulator
from stacktrack_hubspot.plugin import HubSpotPlugin

PLUGIN = HubSpotPlugin
EMULATOR = HubSpotEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def hs_time(when: dt.datetime) -> str:
    """A datetime as HubSpot writes it: ``2022-04-01T19:36:24.303Z``."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def user(
    uid: str, email: str, first: str, last: str, *, super_admin: bool = False
) -> dict[str, Any]:
    return {
        "id": uid,
        "email": email,
        "firstName": first,
        "lastName": last,
        "roleIds": [] if super_admin else ["2201"],
        "primaryTeamId": "77",
        "secondaryTeamIds": [],
        "superAdmin": super_admin,
        "sendWelcomeEmail": False,
    }


def login(
    lid: str, user_id: int, email: str, when: dt.datetime, *, succeeded: bool = True
) -> dict[str, Any]:
    return {
        "countryCode": "ie",
        "email": email,
        "id": lid,
        "ipAddress": "45.56.67.89",
        "loginAt": hs_time(when),
        "loginSucceeded": succeeded,
        "regionCode": "d",
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64)",
        "userId": user_id,
    }


def _ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def sample_data() -> HubSpotData:
    return HubSpotData(
        users=[
            user("10000001", "ana@acme.test", "Ana", "Ruiz"),
            user("10000002", "bo@acme.test", "Bo", "Lee", super_admin=True),
            user("10000003", "cy@acme.test", "Cy", "Never"),
            user("10000004", "dee@acme.test", "Dee", "Failed"),
            user("10000005", "Eve@Acme.TEST", "Eve", "Old"),
        ],
        logins=[
            login("9001", 10000001, "ana@acme.test", _ago(1)),
            login("9002", 10000005, "eve@acme.test", _ago(1), succeeded=False),
            login("9008", 99999999, "gone@acme.test", _ago(2)),
            login("9003", 10000002, "bo@acme.test", _ago(5)),
            login("9004", 10000004, "dee@acme.test", _ago(6), succeeded=False),
            login("9005", 10000001, "ana@acme.test", _ago(10)),
            login("9006", 10000005, "eve@acme.test", _ago(30)),
            login("9007", 10000004, "dee@acme.test", _ago(40), succeeded=False),
        ],
    )


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "hubspot", "token": token}


def expected_assigned(data: HubSpotData) -> dict[str | None, set[str]]:
    """Every user of the account holds a seat (the v3 user has no deactivated state)."""
    return {None: {str(item["id"]) for item in data.users}}
