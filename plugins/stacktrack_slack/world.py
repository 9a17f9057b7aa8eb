"""The sandbox world in Slack's shapes (``SlackEmulator.world_data``) and the Slack tool it brings.

Every seat of the ``slack`` tool is a workspace member (leavers ``deleted``), billable when active in
the last 14 days; one access-log row per member with activity; the apps added to Slack are the tool's
integrations; a few bot users. Read by the sandbox through the emulator; ids derive from employee keys.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import (
    CORE,
    ContractSpec,
    Employee,
    FeatureSpec,
    LinkSpec,
    ToolSpec,
    WorldView,
    epoch,
    stable_id,
)

from .emulator import SlackData

BOTS = ("Polly", "HubSpot", "Salesforce", "Google Drive")
"""Bot users in the member list."""
TEAM = "T0BRIGHTLN"

TOOL = ToolSpec(
    "slack",
    "Slack Business+",
    "slack",
    "Leadership",
    ContractSpec(
        72_000,
        start=1100,
        renewal=300,
        notice_days=30,
        seats=420,
        features=(
            "team-chat",
            "huddles",
            "calls",
            "workflows",
            "apps",
            "shared-channels",
            "search",
        ),
    ),
    {"*": 1.0},  # everyone
    mix=CORE,
    sso_label="Slack",
    pattern="core",
    # What the member analytics file would show (it needs Enterprise Grid; Business+ sees none).
    features=(
        FeatureSpec("team-chat", share=0.95, frequency=0.9, events=12),
        FeatureSpec("search", share=0.7, frequency=0.4, events=3),
        FeatureSpec("huddles", share=0.5, frequency=0.2),
        FeatureSpec("apps", share=0.4, frequency=0.3),
        FeatureSpec("shared-channels", share=0.15, frequency=0.3, events=2),
        FeatureSpec("workflows", share=0.05, frequency=0.1),
        FeatureSpec("calls", share=0.0),
    ),
    links=tuple(
        LinkSpec(name, days, kind="app")
        for name, days in (
            ("Google Drive", 1000),
            ("Zoom", 900),
            ("Asana", 850),
            ("Salesforce", 700),
            ("HubSpot", 650),
            ("Notion", 200),
            ("Polly", 400),
        )
    ),
)


def slack_id(employee: Employee) -> str:
    return stable_id("U", employee.key, 10)


def member(uid: str, name: str, real_name: str, updated: int, **extra: Any) -> dict[str, Any]:
    """A ``users.list`` member with every flag off (``extra`` sets fields); the test kit uses it too."""
    return {
        "id": uid,
        "team_id": TEAM,
        "name": name,
        "real_name": real_name,
        "deleted": False,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": False,
        "is_app_user": False,
        "updated": updated,
        **extra,
    }


def world_data(view: WorldView) -> SlackData:
    seats = view.seats("slack")
    updated = epoch(view.instant - dt.timedelta(days=30))
    members: list[dict[str, Any]] = []
    billable: dict[str, dict[str, Any]] = {}
    logins: list[dict[str, Any]] = []
    fortnight = view.instant - dt.timedelta(days=14)
    for seat in seats:
        person = seat.employee
        uid = slack_id(person)
        handle = person.email.split("@", 1)[0]
        person_row = member(uid, handle, person.name, updated, tz="America/New_York")
        person_row.update(
            deleted=seat.suspended,
            is_admin=person.department == "Leadership",
            is_owner=person.key == 0,
            is_primary_owner=person.key == 0,
            profile={
                "email": person.email,
                "real_name": person.name,
                "display_name": handle,
                "title": person.title,
            },
        )
        members.append(person_row)
        active = seat.last_active
        billable[uid] = {
            "billing_active": not seat.suspended and active is not None and active >= fortnight
        }
        if active is not None:
            logins.append(
                {
                    "user_id": uid,
                    "username": handle,
                    "date_first": epoch(min(seat.assigned_at, active)),
                    "date_last": epoch(active),
                    "count": 1 + (active - seat.assigned_at).days // 2,
                    "ip": f"198.51.100.{person.key % 250 + 1}",
                    "user_agent": "SlackWeb Mozilla/5.0",
                    "isp": "Example ISP",
                    "country": "US",
                    "region": "NY",
                }
            )
    for index, bot in enumerate(BOTS):
        members.append(
            member(
                stable_id("B", 900 + index, 10),
                bot.lower().replace(" ", "_"),
                bot,
                updated,
                is_bot=True,
                profile={"real_name": bot, "display_name": bot},
            )
        )
    admin = next((s.employee for s in seats if s.employee.department == "Leadership"), None)
    logs: list[dict[str, Any]] = []
    for index, link in enumerate(view.links("slack")):
        row: dict[str, Any] = {
            "user_id": slack_id(admin) if admin else "USLACKBOT",
            "user_name": admin.email.split("@", 1)[0] if admin else "slackbot",
            "date": str(epoch(link.created)),
            "change_type": "added",
            "scope": "chat:write,channels:read",
        }
        if link.app == "Google Drive":  # a legacy service rather than an app
            row.update(
                service_id=str(5_000_000_000 + index), service_type=link.app, channel="C0GENERAL"
            )
        else:
            row.update(app_id=stable_id("A", index, 10), app_type=link.app)
        logs.append(row)
    logs.reverse()  # newest first, as the API lists them
    return SlackData(members=members, billable_info=billable, logins=logins, integration_logs=logs)
