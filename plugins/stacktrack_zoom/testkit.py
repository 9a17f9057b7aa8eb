"""Test kit of the ``zoom`` plugin for the shared conformance suite (docs/architecture.md).

The sample account (Business plan), with ``NOW`` as the run clock and the default 90-day look-back:

* active users (three pages at the default page size): Ana (Licensed; signed in yesterday; hosted
  5 meetings 3 days ago and 2 sixty days ago), Bo (Licensed; signed in 10 days ago; hosted
  nothing), Cy (Basic, a free user: no seat; hosted 1 meeting), Dee (Licensed; never signed in)
  and Eve (Licensed; mixed-case e-mail; a sign-in stamp after the run clock, ignored; a meeting
  200 days ago, beyond both the look-back and the six-month report limit);
* Fay is deactivated (status inactive), Gus is a pending Licensed invitation;
* plans: 10 base seats of which 5 used; webinars as one object (not an array): 2 licences, 1 used.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_zoom.emulator import ZoomData, ZoomEmulator
from stacktrack_zoom.plugin import ZoomPlugin

PLUGIN = ZoomPlugin
EMULATOR = ZoomEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
ACCOUNT_ID = "acct-0001"
CLIENT_ID = "zoom-client-id"


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user(
    uid: str,
    email: str,
    first: str,
    kind: int,
    *,
    status: str = "active",
    login: dt.datetime | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": uid,
        "first_name": first,
        "last_name": "Doe",
        "email": email,
        "type": kind,
        "status": status,
        "dept": "Marketing",
        "role_id": "2",
        "timezone": "Europe/Dublin",
        "verified": 1,
        "created_at": "2024-02-01T10:00:00Z",
        "last_client_version": "6.2.0.1234(mac)",
    }
    if login is not None:
        body["last_login_time"] = stamp(login)
    return body


def hosted(uid: str, days_ago: int, meetings: int) -> dict[str, Any]:
    return {
        "user_id": uid,
        "date": ago(days_ago).date().isoformat(),
        "meetings": meetings,
        "participants": meetings * 4,
        "meeting_minutes": meetings * 30,
    }


def sample_data() -> ZoomData:
    return ZoomData(
        account_id=ACCOUNT_ID,
        client_id=CLIENT_ID,
        today=NOW.date(),
        users=[
            user("z-ana", "ana@acme.test", "Ana", 2, login=ago(1)),
            user("z-bo", "bo@acme.test", "Bo", 2, login=ago(10)),
            user("z-cy", "cy@acme.test", "Cy", 1, login=ago(2)),
            user("z-dee", "dee@acme.test", "Dee", 2),
            user("z-eve", "Eve@Acme.TEST", "Eve", 2, login=NOW + dt.timedelta(hours=3)),
            user("z-fay", "fay@acme.test", "Fay", 2, status="inactive", login=ago(100)),
            user("z-gus", "gus@acme.test", "Gus", 2, status="pending"),
        ],
        host_days=[
            hosted("z-ana", 3, 5),
            hosted("z-ana", 60, 2),
            hosted("z-cy", 5, 1),
            hosted("z-eve", 200, 4),
        ],
        plans={
            "plan_base": [{"type": "monthly", "hosts": 10, "usage": 5}],
            "plan_webinar": {"type": "webinar500_monthly", "hosts": 2, "usage": 1},
        },
    )


def settings(token: str) -> dict[str, Any]:
    """``token`` is the app's client secret."""
    return {
        "plugin": "zoom",
        "account_id": ACCOUNT_ID,
        "client_id": CLIENT_ID,
        "client_secret": token,
    }


def expected_assigned(data: ZoomData) -> dict[str | None, set[str]]:
    """Licensed users who are active or pending hold a seat; Basic and deactivated users do not."""
    return {
        None: {
            u["id"]
            for u in data.users
            if u["type"] == 2 and u.get("status", "active") in ("active", "pending")
        }
    }
