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


def email(
    eid: str, by: str, published: dt.datetime | None, sent: int, **extra: Any
) -> dict[str, Any]:
    return {
        "id": eid,
        "name": f"Email {eid}",
        "type": "BATCH_EMAIL",
        "state": "PUBLISHED" if published else "DRAFT",
        "isPublished": published is not None,
        "publishedAt": hs_time(published) if published else None,
        "createdById": by,
        "updatedById": by,
        "stats": {"counters": {"sent": sent, "open": sent // 4}},
        **extra,
    }


FEATURES: dict[str, tuple[int | None, int | None, int | None]] = {
    # vendor feature name: (active users, events, days since last use) for sample_data()
    "Marketing email": (2, 1500, 5),  # ana 5 days ago (1000 sent), bo 20 (500); the rest not
    "Workflows": (None, 2, None),  # two of three workflows enabled
    "Forms": (None, 1, 10),  # one form changed in the window
    "Landing pages": (0, 0, None),  # the only page was published 100 days ago
    # ana changed two sequences (4 and 8 days ago; a third 200 days ago), bo's recent one is
    # archived, cy's is 100 days old; dee's listing is empty; eve's is refused in one test
    "Sequences": (1, 2, 4),
    "Core Seat": (None, None, None),  # seat rows only count holders: ana, bo, cy
    "Sales Seat": (None, None, None),  # ana, bo
}
SEATS = {"Core Seat": 3, "Sales Seat": 2}
"""Holders per ``seatNames`` entry (dee holds none; eve's record has no ``seatNames`` field)."""
"""What the plugin reports for the sample's assets, worked out by hand (90-day lookback)."""


def sample_data() -> HubSpotData:
    data = _sample_people()
    data.marketing_emails = [
        email("501", "10000001", _ago(5), 1000),
        email("502", "10000002", _ago(20), 500),
        email("503", "10000003", _ago(200), 800),  # before the window
        email("504", "10000004", None, 0),  # a draft
        email("505", "10000005", _ago(3), 900, archived=True),
    ]
    data.flows = [
        {"id": "601", "name": "Nurture", "flowType": "WORKFLOW", "isEnabled": True},
        {"id": "602", "name": "Old", "flowType": "WORKFLOW", "isEnabled": False},
        {"id": "603", "name": "Lead rotation", "flowType": "WORKFLOW", "isEnabled": True},
    ]
    data.forms = [
        {"id": "f1", "name": "Demo request", "updatedAt": hs_time(_ago(10))},
        {"id": "f2", "name": "Webinar 2025", "updatedAt": hs_time(_ago(400))},
    ]
    data.landing_pages = [
        {
            "id": "701",
            "name": "Spring launch",
            "state": "PUBLISHED",
            "publishDate": hs_time(_ago(100)),
            "updatedById": "10000001",
        }
    ]
    data.sequences = {
        "10000001": [
            sequence("801", created=_ago(30), updated=_ago(4)),
            sequence("802", created=_ago(60), updated=_ago(8)),
            sequence("803", created=_ago(300), updated=_ago(200)),
        ],
        "10000002": [sequence("804", created=_ago(2), updated=_ago(2), archived=True)],
        "10000003": [sequence("805", created=_ago(100), updated=None)],
    }
    seats = {
        "10000001": ["Core Seat", "Sales Seat"],
        "10000002": ["Sales Seat", "Core Seat"],
        "10000003": ["Core Seat"],
        "10000004": [],
    }
    for item in data.users:
        if item["id"] in seats:
            item["seatNames"] = seats[item["id"]]
    return data


def sequence(
    sid: str, *, created: dt.datetime, updated: dt.datetime | None, archived: bool = False
) -> dict[str, Any]:
    """A sequence as the listing is parsed (its fields are not in the plugin page's evidence:
    only ``createdAt``, ``updatedAt`` and ``archived`` are read; the owner is the ``userId`` asked)."""
    return {
        "id": sid,
        "name": f"Sequence {sid}",
        "createdAt": hs_time(created),
        "updatedAt": hs_time(updated) if updated else None,
        "archived": archived,
    }


def _sample_people() -> HubSpotData:
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
