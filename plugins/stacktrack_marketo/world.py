"""The sandbox world in Marketo's shapes (``MarketoEmulator.world_data``) and the tool it brings.

The tool is a legacy Marketo Engage instance kept beside HubSpot: a handful of Demand Gen and
RevOps people still hold seats, most of them rarely log in; its Salesforce sync (an API-only user)
still calls every day, while an old Zapier integration has been silent for months. Everything
Marketo can do the company's HubSpot also does, and most of its users already work in HubSpot.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import ContractSpec, LinkSpec, ToolSpec, WorldView

from .emulator import MarketoData, marketo_time

TOOL_ID = "marketo"

TOOL = ToolSpec(
    TOOL_ID,
    "Marketo Engage Select (legacy)",
    "marketo",
    "Demand Gen",
    ContractSpec(58_000, start=1300, renewal=95, notice_days=90, seats=15),
    {"Demand Gen": 0.15, "RevOps": 0.4},
    mix=(0.1, 0.2, 0.3, 0.4),
    pattern="overlap",
    links=(
        LinkSpec("Salesforce", 1250, kind="api_user", tracks_use=True),
        LinkSpec("Zapier", 800, kind="api_user", tracks_use=True, stale_days=200),
    ),
)


def user_row(
    userid: str, email: str, first: str, last: str, uid: int, *, api: bool = False
) -> dict[str, Any]:
    """One row of ``allusers.json`` (shared with the test kit's sample instance)."""
    return {
        "userid": userid,
        "firstName": first,
        "lastName": last,
        "emailAddress": email,
        "id": uid,
        "apiOnly": api,
    }


def user_detail(
    row: dict[str, Any], *, login: str | None, expires: str | None = None
) -> dict[str, Any]:
    """The ``user.json`` record of ``row``'s user: a Marketing User in the AllZones workspace."""
    return {
        **row,
        "optedIn": False,
        "failedLogins": 0,
        "failedDeviceCode": 0,
        "isLocked": False,
        "lockedReason": None,
        "userRoleWorkspaces": [
            {
                "accessRoleId": 2,
                "accessRoleName": "Marketing User",
                "workspaceId": 0,
                "workspaceName": "AllZones",
            }
        ],
        "expiresAt": expires,
        "lastLoginAt": login,
    }


def world_data(view: WorldView) -> MarketoData:
    users: list[dict[str, Any]] = []
    details: dict[str, dict[str, Any]] = {}
    for seat in view.seats(TOOL_ID):
        person = seat.employee
        row = user_row(person.email, person.email, person.first, person.last, 6_000 + person.key)
        users.append(row)
        details[person.email] = user_detail(
            row,
            login=marketo_time(seat.last_active) if seat.last_active else None,
            # A leaver's login was made to expire when they left.
            expires=marketo_time(person.left) if seat.suspended and person.left else None,
        )
    today = view.instant.date()
    days = [today - dt.timedelta(days=back) for back in range(6, -1, -1)]
    calls: dict[dt.date, list[dict[str, Any]]] = {day: [] for day in days}
    for index, link in enumerate(view.links(TOOL_ID, "api_user")):
        userid = f"{link.app.lower()}-api@brightlane.example"
        users.append(user_row(userid, userid, link.app, "", 9_000 + index, api=True))
        if link.last_used is None:
            continue
        for day in days:
            if day <= link.last_used.date():
                calls[day].append({"userId": userid, "count": 150 + 40 * index + day.day})
    usage = [
        {"date": day.isoformat(), "total": sum(u["count"] for u in rows), "users": rows}
        for day, rows in calls.items()
    ]
    return MarketoData(users=users, details=details, usage=usage)
