"""The sandbox world in Zoom's shapes (``ZoomEmulator.world_data``) and the Zoom tool it brings.

Every seat of the ``zoom`` tool is a Licensed user (leavers deactivated); a seat holder's latest
activity is both their last sign-in and a day on which they hosted meetings. The plan has the
contract's seats and two webinar licences, one of them assigned.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import ContractSpec, ToolSpec, WorldView, stable_id

from .emulator import ZoomData

TOOL_ID = "zoom"

TOOL = ToolSpec(
    TOOL_ID,
    "Zoom Business",
    "zoom",
    "Leadership",
    ContractSpec(32_400, start=1100, renewal=280, notice_days=30, seats=180),
    {
        "Sales": 0.8,
        "Customer Success": 0.8,
        "Leadership": 1.0,
        "Field Marketing": 0.5,
        "Product Marketing": 0.3,
    },
    sso_label="Zoom",
    sso_aliases=("zoomus",),
    standalone="meetings need no data flow",
)


def _stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def world_data(view: WorldView) -> ZoomData:
    users: list[dict[str, Any]] = []
    host_days: list[dict[str, Any]] = []
    active = 0
    for seat in view.seats(TOOL_ID):
        person = seat.employee
        uid = stable_id("z", person.key, 21)
        user: dict[str, Any] = {
            "id": uid,
            "first_name": person.first,
            "last_name": person.last,
            "email": person.email,
            "type": 2,
            "status": "inactive" if seat.suspended else "active",
            "dept": person.department,
            "role_id": "2",
            "timezone": "America/New_York",
            "verified": 1,
            "created_at": _stamp(seat.assigned_at),
            "last_client_version": "6.2.5.4567(mac)",
        }
        if seat.last_active is not None:
            user["last_login_time"] = _stamp(seat.last_active)
            meetings = 1 + person.key % 5
            host_days.append(
                {
                    "user_id": uid,
                    "date": seat.last_active.date().isoformat(),
                    "meetings": meetings,
                    "participants": meetings * 4,
                    "meeting_minutes": meetings * 35,
                }
            )
        active += not seat.suspended
        users.append(user)
    seats = TOOL.contract.seats or active
    return ZoomData(
        today=view.instant.date(),
        users=users,
        host_days=host_days,
        plans={
            "plan_base": [{"type": "monthly", "hosts": seats, "usage": active}],
            "plan_webinar": [{"type": "webinar500_monthly", "hosts": 2, "usage": 1}],
        },
    )
