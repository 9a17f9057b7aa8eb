"""The sandbox world in GitHub Copilot's shapes, and the Copilot subscription this plugin brings.

The company's marketing-ops and web people hold Copilot seats (``TOOL``); each seat holder's GitHub
login is the e-mail's local part with dots as dashes (the demo config maps no logins to e-mails, so
the seats count under their logins). Leavers are removed from the organization (and so from
Copilot); ``last_activity_at`` is the seat's last activity in the world.
"""

from __future__ import annotations

import datetime as dt

from stacktrack.testing import MIXED, ContractSpec, Employee, ToolSpec, WorldView

from .emulator import CopilotData

ORG = "brightlane"

TOOL = ToolSpec(
    "github_copilot",
    "GitHub Copilot Business",
    "github_copilot",
    "RevOps",
    ContractSpec(4_560, start=240, renewal=125, notice_days=30, seats=20),
    {"RevOps": 0.7, "Product Marketing": 0.15, "Design": 0.2},
    mix=MIXED,
    category="developer-tools",
    capabilities=("ai-coding",),
    ramp_days=40,
    standalone="an editor assistant has no data to exchange",
)


def login(person: Employee) -> str:
    return person.email.split("@", 1)[0].replace(".", "-")


def _time(when: dt.datetime | None) -> str | None:
    return None if when is None else when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def world_data(view: WorldView) -> CopilotData:
    seats = [
        {
            "created_at": _time(seat.assigned_at),
            "updated_at": _time(seat.assigned_at),
            "pending_cancellation_date": None,
            "last_activity_at": _time(seat.last_active),
            "last_activity_editor": "vscode/1.95.0/copilot/1.250.0" if seat.last_active else None,
            "plan_type": "business",
            "assignee": {
                "login": login(seat.employee),
                "id": 9_000_000 + seat.employee.key,
                "type": "User",
            },
        }
        for seat in view.seats(TOOL.id)
        if not seat.suspended
    ]
    return CopilotData(org=ORG, seats=seats)
