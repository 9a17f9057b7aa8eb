"""Test kit of the ``intercom`` plugin for the shared conformance suite (docs/architecture.md).

The sample workspace, with ``NOW`` as the run clock and the default 90-day look-back:

* admins: Ana (inbox seat; signed in 1 and 10 days ago; changed a message and the help center),
  Bo (inbox seat; only a failed sign-in; created a series), Cy (no inbox seat; signed in 4 days
  ago), Dee (inbox seat; nothing), Eve (inbox seat; mixed-case e-mail; signed in 100 days ago,
  before the window) and a team entry, which older API versions list among admins;
* the log also holds an app install and an uninstall, a sign-in by someone no longer an admin
  and one after the run clock; entries newest first, five pages at the default page size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_intercom.emulator import IntercomData, IntercomEmulator
from stacktrack_intercom.plugin import IntercomPlugin

PLUGIN = IntercomPlugin
EMULATOR = IntercomEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def admin(aid: str, name: str, email: str, seat: bool) -> dict[str, Any]:
    return {
        "type": "admin",
        "id": aid,
        "name": name,
        "email": email,
        "job_title": "Support",
        "away_mode_enabled": False,
        "away_mode_reassign": False,
        "has_inbox_seat": seat,
        "team_ids": [814865],
        "team_priority_level": {},
    }


def log(n: int, who: str, email: str, kind: str, when: dt.datetime, text: str) -> dict[str, Any]:
    return {
        "id": f"log-{n}",
        "performed_by": {"type": "admin", "id": who, "email": email, "ip": "127.0.0.1"},
        "metadata": {"sign_in_method": "email_password"} if "login" in kind else {},
        "created_at": int(when.timestamp()),
        "activity_type": kind,
        "activity_description": text,
    }


def sample_data() -> IntercomData:
    entries = [
        log(
            1,
            "1001",
            "ana@acme.test",
            "admin_login_success",
            NOW + dt.timedelta(hours=2),
            "Ana Ruiz successfully logged in.",
        ),
        log(
            2,
            "1001",
            "ana@acme.test",
            "admin_login_success",
            ago(1),
            "Ana Ruiz successfully logged in.",
        ),
        log(
            3,
            "1001",
            "ana@acme.test",
            "message_state_change",
            ago(2),
            "Ana Ruiz changed your Welcome message from draft to live.",
        ),
        log(4, "1002", "bo@acme.test", "admin_login_failure", ago(3), "Bo Lee failed to log in."),
        log(
            5,
            "9999",
            "gone@acme.test",
            "admin_login_success",
            ago(3),
            "Gone Person successfully logged in.",
        ),
        log(
            6,
            "1003",
            "cy@acme.test",
            "admin_login_success",
            ago(4),
            "Cy Lite successfully logged in.",
        ),
        log(7, "1002", "bo@acme.test", "series_creation", ago(5), "Bo Lee created a series."),
        log(
            8,
            "1001",
            "ana@acme.test",
            "app_package_uninstallation",
            ago(6),
            "Ana Ruiz uninstalled an app.",
        ),
        log(
            9,
            "1001",
            "ana@acme.test",
            "help_center_settings_change",
            ago(8),
            "Ana Ruiz changed help center settings.",
        ),
        log(
            10,
            "1001",
            "ana@acme.test",
            "admin_login_success",
            ago(10),
            "Ana Ruiz successfully logged in.",
        ),
        log(
            11,
            "1001",
            "ana@acme.test",
            "app_package_installation",
            ago(20),
            "Ana Ruiz installed an app.",
        ),
        log(
            12,
            "1005",
            "eve@acme.test",
            "admin_login_success",
            ago(100),
            "Eve Old successfully logged in.",
        ),
    ]
    return IntercomData(
        admins=[
            admin("1001", "Ana Ruiz", "ana@acme.test", True),
            admin("1002", "Bo Lee", "bo@acme.test", True),
            {"type": "team", "id": "77", "name": "Support", "admin_ids": ["1001"]},
            admin("1003", "Cy Lite", "cy@acme.test", False),
            admin("1004", "Dee Never", "dee@acme.test", True),
            admin("1005", "Eve Old", "Eve@Acme.TEST", True),
        ],
        activity_logs=entries,
    )


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "intercom", "token": token}


def expected_assigned(data: IntercomData) -> dict[str | None, set[str]]:
    """Admins with an inbox seat hold a paid seat; teams are not people."""
    return {
        None: {a["id"] for a in data.admins if a.get("type") == "admin" and a.get("has_inbox_seat")}
    }
