"""The test kit the stacktrack conformance suite runs against (``stacktrack.testing.PluginKit``).

``sample_data()`` is a five-seat organization that crosses pages at the emulator's default page size
(2): octo-ada (active 3 days before ``NOW``), octo-ben (never any telemetry: ``last_activity_at``
null), octo-cy (active 40 days before), octo-dee (pending cancellation, still holds the seat) and
octo-eve (activity stamped after ``NOW``: not "as of" the run).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .emulator import CopilotData, GitHubCopilotEmulator
from .plugin import GitHubCopilotPlugin

PLUGIN = GitHubCopilotPlugin
EMULATOR = GitHubCopilotEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
ORG = "acme"


def stamp(days_ago: float | None) -> str | None:
    if days_ago is None:
        return None
    return (NOW - dt.timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def seat(login: str, number: int, active_days_ago: float | None, **extra: Any) -> dict[str, Any]:
    return {
        "created_at": stamp(300),
        "updated_at": stamp(30),
        "pending_cancellation_date": None,
        "last_activity_at": stamp(active_days_ago),
        "last_activity_editor": "vscode/1.95.0/copilot/1.250.0" if active_days_ago else None,
        "plan_type": "business",
        "assignee": {"login": login, "id": number, "type": "User", "site_admin": False},
        "assigning_team": None,
        **extra,
    }


def sample_data() -> CopilotData:
    return CopilotData(
        org=ORG,
        seats=[
            seat("octo-ada", 1, 3),
            seat("octo-ben", 2, None),
            seat("octo-cy", 3, 40),
            seat("octo-dee", 4, 10, pending_cancellation_date="2026-12-01"),
            seat("octo-eve", 5, -2),
        ],
    )


def settings(token: str) -> dict[str, Any]:
    return {
        "plugin": "github_copilot",
        "org": ORG,
        "token": token,
        "emails": {"octo-ada": "ada@acme.example"},
    }


def expected_assigned(data: CopilotData) -> dict[str | None, set[str]]:
    """Every listed seat is held, pending cancellation included (GitHub bills it until then)."""
    return {None: {item["assignee"]["login"] for item in data.seats}}
