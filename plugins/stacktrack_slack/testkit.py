"""Test kit for the shared conformance suite (docs/architecture.md, "Test kits") and the Slack
tests.

``sample_data()`` is a small workspace that crosses pages at the emulator's default page size and
holds every case the plugin handles: full members, both kinds of guest, a deleted member, a bot, an
app user, Slackbot, members who never logged in, a login after the run clock, an app added then
removed, a service disabled then enabled again, and a service id given as a number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .emulator import ALL_SCOPES, SlackData, SlackEmulator
from .plugin import SLACKBOT_ID, SlackPlugin
from .world import member

PLUGIN = SlackPlugin
EMULATOR = SlackEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)


def ago(days: float) -> int:
    """Epoch seconds ``days`` before ``NOW`` (Slack's timestamps are epoch seconds)."""
    return int((NOW - dt.timedelta(days=days)).timestamp())


def _member(uid: str, name: str, email: str | None, **flags: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {"real_name": name.title(), "display_name": name}
    if email is not None:
        profile["email"] = email
    fields: dict[str, Any] = {
        "team_id": "T0ACME",
        "tz": "Europe/Paris",
        "profile": profile,
        **flags,
    }
    return member(uid, name, name.title(), ago(200), **fields)


def _login(uid: str, first: int, last: int, ip: str = "192.0.2.1") -> dict[str, Any]:
    return {
        "user_id": uid,
        "username": uid.lower(),
        "date_first": first,
        "date_last": last,
        "count": 3,
        "ip": ip,
        "user_agent": "SlackWeb Mozilla/5.0",
        "isp": "Example ISP",
        "country": "FR",
        "region": "IDF",
    }


def sample_data() -> SlackData:
    members = [
        _member("U01ALICE", "alice", "alice@acme.example", is_admin=True),
        _member("U02BOB", "bob", "bob@acme.example"),
        _member("U03CAROL", "carol", "carol@acme.example"),  # never logged in
        _member("U04DAVE", "dave", "dave@partner.example", is_restricted=True),  # guest
        _member(
            "U05ERIN", "erin", "erin@partner.example", is_ultra_restricted=True
        ),  # guest, no login
        _member("U06FRANK", "frank", "frank@acme.example", deleted=True),  # left
        _member("B07ZAPBOT", "zapier", None, is_bot=True),
        _member(SLACKBOT_ID, "slackbot", None),  # Slackbot says is_bot: false
        _member("U08WORKFLOW", "workflow", None, is_app_user=True),
        _member("U09GRACE", "grace", "Grace@Acme.Example"),  # mixed-case e-mail
        _member("U10HEIDI", "heidi", None),  # no users:read.email-visible address
    ]
    billable = {
        "U01ALICE": {"billing_active": True},
        "U02BOB": {"billing_active": True},
        "U03CAROL": {"billing_active": False},
        "U04DAVE": {"billing_active": True},
        "U05ERIN": {"billing_active": False},
        "U06FRANK": {"billing_active": False},
        "U09GRACE": {"billing_active": True},
        "U10HEIDI": {"billing_active": False},
    }
    logins = [
        _login("U01ALICE", ago(300), ago(3)),
        _login("U01ALICE", ago(100), ago(40), ip="198.51.100.7"),
        _login("U02BOB", ago(90), ago(45)),
        _login("U04DAVE", ago(20), ago(10)),
        _login("U06FRANK", ago(400), ago(20)),
        _login("U09GRACE", ago(60), ago(12)),
        _login("U09GRACE", ago(5), ago(-2), ip="203.0.113.9"),  # last login after the run clock
        _login("U10HEIDI", ago(-3), ago(-1)),  # only after the run clock: filtered by ``before``
        _login("B07ZAPBOT", ago(2), ago(1)),  # not a human: ignored
    ]
    integration_logs: list[dict[str, Any]] = [
        {
            "app_id": "A01HUBSPOT",
            "app_type": "HubSpot",
            "user_id": "U01ALICE",
            "user_name": "alice",
            "date": str(ago(200)),
            "change_type": "added",
            "scope": "chat:write,channels:read",
        },
        {
            "app_id": "A02JASPER",
            "app_type": "Jasper",
            "user_id": "U02BOB",
            "user_name": "bob",
            "date": str(ago(150)),
            "change_type": "added",
            "scope": "chat:write",
        },
        {
            "service_id": 1234567890,
            "service_type": "Google Calendar",
            "user_id": "U01ALICE",
            "user_name": "alice",
            "channel": "C01",
            "date": str(ago(140)),
            "change_type": "enabled",
            "scope": "incoming-webhook",
        },
        {
            "app_id": "A02JASPER",
            "app_type": "Jasper",
            "user_id": "U01ALICE",
            "user_name": "alice",
            "date": str(ago(90)),
            "change_type": "removed",
            "reason": "user",
            "scope": "chat:write",
        },
        {
            "service_id": "1234567890",
            "service_type": "Google Calendar",
            "user_id": "U01ALICE",
            "user_name": "alice",
            "channel": "C01",
            "date": str(ago(80)),
            "change_type": "disabled",
            "reason": "user",
            "scope": "incoming-webhook",
        },
        {
            "service_id": "1234567890",
            "service_type": "Google Calendar",
            "user_id": "U01ALICE",
            "user_name": "alice",
            "channel": "C01",
            "date": str(ago(70)),
            "change_type": "enabled",
            "scope": "incoming-webhook",
        },
        {
            "service_id": "3456789012",
            "service_type": "Airbrake",
            "user_id": "U02BOB",
            "user_name": "bob",
            "channel": "C02",
            "date": str(ago(60)),
            "change_type": "disabled",
            "reason": "user",
            "scope": "incoming-webhook",
        },
        {
            "app_id": "A03SFDC",
            "app_type": "Salesforce",
            "user_id": "U01ALICE",
            "user_name": "alice",
            "date": str(ago(30)),
            "change_type": "updated",
            "scope": "chat:write,users:read",
        },
    ]
    # The API lists newest first; the plugin must not depend on the order.
    integration_logs.reverse()
    return SlackData(
        members=members, billable_info=billable, logins=logins, integration_logs=integration_logs
    )


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "slack", "token": token}


def expected_assigned(data: SlackData) -> dict[str | None, set[str]]:
    """Humans who are not deleted: guests included, bots, app users and Slackbot not."""
    return {
        None: {
            member["id"]
            for member in data.members
            if not member.get("deleted")
            and not member.get("is_bot")
            and not member.get("is_app_user")
            and member["id"] != SLACKBOT_ID
        }
    }


def _day(days: int) -> str:
    return (NOW - dt.timedelta(days=days)).date().isoformat()


def member_line(uid: str, email: str | None, **use: Any) -> dict[str, Any]:
    """One ``admin.analytics.getFile`` member line: every column, zero or false unless given."""
    line: dict[str, Any] = {
        "enterprise_id": "E0ACME",
        "team_id": "T0ACME",
        "user_id": uid,
        "email_address": email,
        "is_guest": False,
        "is_billable_seat": True,
        "is_active": True,
        "is_active_ios": False,
        "is_active_android": False,
        "is_active_desktop": True,
        "reactions_added_count": 0,
        "messages_posted_count": 0,
        "channel_messages_posted_count": 0,
        "files_added_count": 0,
        "is_active_apps": False,
        "is_active_workflows": False,
        "is_active_slack_connect": False,
        "total_calls_count": 0,
        "slack_calls_count": 0,
        "slack_huddles_count": 0,
        "search_count": 0,
        "date_claimed": 1_600_000_000,
    }
    return {**line, **use}


GRID_FEATURES: dict[str, tuple[int, int | None, int]] = {
    # column: (active users, events, days since last use) over the 31 days read, by hand:
    # alice posts 12 + 5, bob 3, grace 1; alice huddled once, searched 4 times, ran a workflow and
    # an app; grace used Slack Connect; nobody called; bob's workflow 40 days ago is not read.
    "messages_posted_count": (3, 21, 1),
    "slack_huddles_count": (1, 1, 1),
    "slack_calls_count": (0, 0, -1),
    "search_count": (1, 4, 2),
    "is_active_workflows": (1, None, 1),
    "is_active_apps": (1, None, 2),
    "is_active_slack_connect": (1, None, 10),
}
"""``-1``: never used in the days read."""


def grid_data() -> SlackData:
    """``sample_data()`` on Enterprise Grid, the token holding ``admin.analytics:read``, with the
    member files of a few days (a day not listed is an empty file)."""
    data = sample_data()
    data.grid = True
    data.scopes = (*ALL_SCOPES, "admin.analytics:read")
    data.analytics_today = NOW.date().isoformat()
    alice, bob = ("U01ALICE", "alice@acme.example"), ("U02BOB", "bob@acme.example")
    data.member_analytics = {
        _day(1): [
            member_line(
                *alice, messages_posted_count=12, slack_huddles_count=1, is_active_workflows=True
            ),
            member_line(*bob, messages_posted_count=3),
        ],
        _day(2): [
            member_line(*alice, messages_posted_count=5, search_count=4, is_active_apps=True)
        ],
        _day(10): [
            member_line(
                "U09GRACE",
                "Grace@Acme.Example",
                messages_posted_count=1,
                is_active_slack_connect=True,
            )
        ],
        _day(40): [member_line(*bob, is_active_workflows=True)],
    }
    return data
