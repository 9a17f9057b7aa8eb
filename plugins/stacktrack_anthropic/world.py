"""The sandbox world in Anthropic's shapes (``AnthropicEmulator.world_data``) and the tool it brings.

The tool is a Claude Console organization the RevOps team uses every day: people script CRM
clean-ups with Claude Code and call the Messages API from their automations (which the team wires
into HubSpot and Salesforce, declared as ``integrates_with`` since no API shows it). It is not
behind SSO: its evidence comes from its own Admin API.

A seat is an organization member. Claude Code and the Messages API follow the sandbox's feature-use
model (``ToolSpec.features``): each day of use is a Claude Code record (sessions, edits accepted or
rejected) or a messages usage result for that member.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import (
    CORE,
    ContractSpec,
    FeatureSpec,
    FeatureView,
    ToolSpec,
    WorldView,
    stable_id,
)

from .emulator import AnthropicData, rfc3339

TOOL_ID = "claude_console"

TOOL = ToolSpec(
    TOOL_ID,
    "Claude Console (RevOps automation)",
    "anthropic_api",
    "RevOps",
    ContractSpec(
        14_400,
        start=300,
        renewal=200,
        notice_days=30,
        seats=20,
        features=("code-assistant", "ai-api"),
    ),
    {"RevOps": 0.8, "Product Marketing": 0.15, "Demand Gen": 0.05},
    mix=CORE,
    integrates_with=("hubspot", "salesforce"),
    pattern="core",
    features=(
        FeatureSpec("claude_code", share=0.6, frequency=0.6, events=2, name="Claude Code"),
        FeatureSpec("messages_api", share=0.9, frequency=0.5, name="Messages API"),
    ),
)


_NONE = FeatureView("", None, FeatureSpec(""), [])


def _day(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def world_data(view: WorldView) -> AnthropicData:
    users: list[dict[str, Any]] = []
    messages: dict[dt.datetime, list[dict[str, Any]]] = {}
    claude_code: dict[str, list[dict[str, Any]]] = {}
    members: dict[int, str] = {}
    for index, seat in enumerate(view.seats(TOOL_ID)):
        person = seat.employee
        if seat.suspended:
            continue  # a leaver is removed from the organization
        uid = stable_id("user_", person.key, 24)
        users.append(
            {
                "id": uid,
                "type": "user",
                "email": person.email,
                "name": person.name,
                "role": "admin" if index == 0 else "developer",
                "added_at": rfc3339(seat.assigned_at),
            }
        )
        members[person.key] = uid

    for user in view.features(TOOL_ID).get("messages_api", _NONE).users:
        person = user.employee
        if person.key not in members:
            continue
        for when in user.uses:
            messages.setdefault(_day(when), []).append(
                {
                    "uncached_input_tokens": 2_000 + 37 * person.key % 5_000,
                    "cache_creation": {
                        "ephemeral_1h_input_tokens": 0,
                        "ephemeral_5m_input_tokens": 0,
                    },
                    "cache_read_input_tokens": 0,
                    "output_tokens": 400 + 11 * person.key % 900,
                    "server_tool_use": {"web_search_requests": 0},
                    "account_id": members[person.key],
                    "api_key_id": None,
                    "workspace_id": None,
                    "model": None,
                    "service_tier": None,
                    "context_window": None,
                }
            )
    for user in view.features(TOOL_ID).get("claude_code", _NONE).users:
        person = user.employee
        if person.key not in members:
            continue
        for when in user.uses:
            day = _day(when)
            claude_code.setdefault(day.date().isoformat(), []).append(
                {
                    "date": rfc3339(day),
                    "actor": {"type": "user_actor", "email_address": person.email},
                    "organization_id": "org-brightlane",
                    "customer_type": "api",
                    "terminal_type": "vscode",
                    "core_metrics": {
                        "num_sessions": user.events_per_use,
                        "lines_of_code": {"added": 40 + person.key % 120, "removed": 8},
                        "commits_by_claude_code": person.key % 3,
                        "pull_requests_by_claude_code": person.key % 2,
                    },
                    "tool_actions": {
                        "edit_tool": {"accepted": 3 + person.key % 7, "rejected": person.key % 3},
                        "write_tool": {"accepted": 1, "rejected": 0},
                    },
                    "model_breakdown": [],
                }
            )
    return AnthropicData(
        users=users,
        messages=[
            {
                "starting_at": rfc3339(day),
                "ending_at": rfc3339(day + dt.timedelta(days=1)),
                "results": rows,
            }
            for day, rows in sorted(messages.items())
        ],
        claude_code=claude_code,
    )
