"""The sandbox world in OpenAI's shapes (``OpenAIEmulator.world_data``) and the tool it brings.

The tool is an OpenAI API platform organization bought as a pilot for the content team: its use
fades after the first months, and the only machine integration (a service account that fed
HubSpot) stopped calling months ago. It is not behind SSO, so every piece of evidence about it
comes from its own Admin API: members, each member's last API use, per-capability use and spend.

A seat is an organization member. Per-capability use follows the sandbox's feature-use model
(``ToolSpec.features``): completions for most members, images for a few who stopped after the first
months, embeddings for nearly nobody; each day of use is one daily usage bucket result.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import (
    ContractSpec,
    FeatureSpec,
    LinkSpec,
    ToolSpec,
    WorldView,
    stable_id,
)

from .emulator import OpenAIData, day_start

TOOL_ID = "openai_api"

TOOL = ToolSpec(
    TOOL_ID,
    "OpenAI API Platform (content pilot)",
    "openai_api",
    "Content",
    ContractSpec(
        24_000,
        start=240,
        renewal=110,
        notice_days=30,
        pricing="flat",
        features=("ai-api", "ai-image"),
    ),
    {"Content": 0.45, "Demand Gen": 0.2, "Product Marketing": 0.15},
    mix=(0.15, 0.3, 0.25, 0.3),
    curve=((240, 1.2), (160, 0.7), (90, 0.25), (30, 0.08), (0, 0.05)),
    ramp_days=20,
    pattern="pilot_theatre",
    links=(LinkSpec("HubSpot", 230, kind="service_account", tracks_use=True, stale_days=100),),
    features=(
        FeatureSpec("completions", share=0.8, frequency=0.7, events=6, name="Completions"),
        FeatureSpec("images", share=0.25, frequency=0.2, events=2, stops=120, name="Images"),
        FeatureSpec("embeddings", share=0.05, frequency=0.3, events=20, name="Embeddings"),
    ),
)

PROJECT = "proj_contentpilot01"


def _epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


def _result(capability: str, user_id: str | None, count: int) -> dict[str, Any]:
    return {
        "object": f"organization.usage.{capability}.result",
        "num_model_requests": count,
        "user_id": user_id,
        "project_id": PROJECT,
        "api_key_id": None,
        "model": None,
    }


def world_data(view: WorldView) -> OpenAIData:
    users: list[dict[str, Any]] = []
    usage: dict[str, dict[int, list[dict[str, Any]]]] = {}
    spend: dict[int, float] = {}
    ids: dict[int, str] = {}

    def use(capability: str, when: dt.datetime, user_id: str | None, count: int) -> None:
        start = day_start(when)
        usage.setdefault(capability, {}).setdefault(start, []).append(
            _result(capability, user_id, count)
        )
        spend[start] = spend.get(start, 0.0) + count * 0.04

    for index, seat in enumerate(view.seats(TOOL_ID)):
        person = seat.employee
        uid = stable_id("user-", person.key, 20)
        users.append(
            {
                "object": "organization.user",
                "id": uid,
                "name": person.name,
                "email": person.email,
                "role": "owner" if index == 0 else "reader",
                "added_at": _epoch(seat.assigned_at),
                "is_default": index == 0,
                "is_service_account": False,
                "is_scim_managed": False,
                "api_key_last_used_at": _epoch(seat.last_active) if seat.last_active else None,
                "user": {
                    "object": "user",
                    "id": uid,
                    "email": person.email,
                    "name": person.name,
                    "enabled": not seat.suspended,
                    "banned": False,
                },
            }
        )
        ids[person.key] = uid

    for capability, feature in view.features(TOOL_ID).items():
        for user in feature.users:
            member = ids.get(user.employee.key)
            for when in user.uses:
                use(capability, when, member, user.events_per_use)

    accounts: list[dict[str, Any]] = []
    keys: list[dict[str, Any]] = []
    for index, link in enumerate(view.links(TOOL_ID, "service_account")):
        sid = stable_id("svc_", index + 1, 16)
        accounts.append(
            {
                "object": "organization.project.service_account",
                "id": sid,
                "name": link.app,
                "role": "member",
                "created_at": _epoch(link.created),
            }
        )
        keys.append(
            {
                "object": "organization.project.api_key",
                "redacted_value": "sk-svc...x1",
                "name": f"{link.app.lower()}-sync",
                "created_at": _epoch(link.created),
                "last_used_at": _epoch(link.last_used) if link.last_used else None,
                "id": stable_id("key_", index + 1, 16),
                "owner_project_access": "active",
                "owner": {
                    "type": "service_account",
                    "service_account": {"id": sid, "name": link.app},
                },
            }
        )
        if link.last_used is not None:
            use("completions", link.last_used, None, 20 + link.use_count % 50)

    def buckets(by_day: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
        return [
            {"object": "bucket", "start_time": day, "end_time": day + 86_400, "results": rows}
            for day, rows in sorted(by_day.items())
        ]

    costs = {
        day: [
            {
                "object": "organization.costs.result",
                "amount": {"value": round(value, 2), "currency": "usd"},
                "line_item": None,
                "project_id": PROJECT,
            }
        ]
        for day, value in spend.items()
    }
    created = min((seat.assigned_at for seat in view.seats(TOOL_ID)), default=view.instant)
    return OpenAIData(
        users=users,
        projects=[
            {
                "id": PROJECT,
                "object": "organization.project",
                "name": "Content pilot",
                "created_at": _epoch(created),
                "archived_at": None,
                "status": "active",
            }
        ],
        service_accounts={PROJECT: accounts},
        api_keys={PROJECT: keys},
        usage={capability: buckets(by_day) for capability, by_day in usage.items()},
        costs=buckets(costs),
    )
