"""The sandbox world in Intercom's shapes (``IntercomEmulator.world_data``) and the tool it brings.

Customer Success answers customers in Intercom: every seat holder is a teammate with an inbox seat
(leavers lose it), and a few salespeople are teammates without one. Each teammate's latest
activity is a successful sign-in in the admin activity log; some of them also changed outbound
messages or series. The Salesforce connection is declared with ``integrates_with``: Intercom's
log names installed apps only in free text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import HEALTHY, ContractSpec, ToolSpec, WorldView

from .emulator import IntercomData

TOOL_ID = "intercom"

TOOL = ToolSpec(
    TOOL_ID,
    "Intercom Advanced",
    "intercom",
    "Customer Success",
    ContractSpec(34_800, start=500, renewal=150, notice_days=60, seats=28),
    {"Customer Success": 0.35},
    mix=HEALTHY,
    sso_label="Intercom",
    integrates_with=("salesforce",),
)


def world_data(view: WorldView) -> IntercomData:
    admins: list[dict[str, Any]] = []
    logs: list[tuple[dt.datetime, dict[str, Any]]] = []
    for seat in view.seats(TOOL_ID):
        person = seat.employee
        aid = str(5_100_000 + person.key)
        admins.append(
            {
                "type": "admin",
                "id": aid,
                "name": person.name,
                "email": person.email,
                "job_title": person.title,
                "away_mode_enabled": False,
                "away_mode_reassign": False,
                "has_inbox_seat": not seat.suspended,
                "team_ids": [814_865],
                "team_priority_level": {},
            }
        )
        if seat.last_active is None:
            continue
        who = {"type": "admin", "id": aid, "email": person.email, "ip": "198.51.100.7"}
        logs.append(
            (
                seat.last_active,
                {
                    "id": f"log-{person.key}-login",
                    "performed_by": who,
                    "metadata": {"sign_in_method": "google"},
                    "created_at": int(seat.last_active.timestamp()),
                    "activity_type": "admin_login_success",
                    "activity_description": f"{person.name} successfully logged in.",
                },
            )
        )
        if person.key % 4 == 0:
            when = seat.last_active + dt.timedelta(minutes=20)
            if when <= view.instant:
                logs.append(
                    (
                        when,
                        {
                            "id": f"log-{person.key}-message",
                            "performed_by": who,
                            "metadata": {},
                            "created_at": int(when.timestamp()),
                            "activity_type": "message_state_change",
                            "activity_description": f"{person.name} changed a message from draft to live.",
                        },
                    )
                )
    logs.sort(key=lambda item: (item[0], item[1]["id"]), reverse=True)  # newest first
    return IntercomData(admins=admins, activity_logs=[entry for _, entry in logs])
