"""The wave-2 plugins in the sandbox company: each reads back, from its own emulated API, the seats
and last activity the world gave its tool, and the AI tools report per-capability use.

Expected values come from the world view (``WorldView``), never from the plugins' output.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
import stamina

from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation
from stacktrack.sandbox.world import World
from stacktrack.testing import WorldView

TOKEN = "sandbox-secret-0123456789"
LOOKBACK = 90


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(scope="module")
def view() -> WorldView:
    world = World.generate(11)
    return world.at(world.end)  # type: ignore[return-value]


async def collect(vendor: str, view: WorldView) -> Observation:
    kit: Any = importlib.import_module(f"stacktrack_{vendor}.testkit")
    emulator = kit.EMULATOR.from_world(view, token=TOKEN, page_size=7, prefix=f"/{vendor}")
    base_url = f"https://sandbox.test/{vendor}"
    keys = kit.EMULATOR.world_settings(base_url=base_url, secret_env="UNUSED")
    table = {
        "plugin": vendor,
        "base_url": base_url,
        **{k: (TOKEN if isinstance(v, dict) else v) for k, v in keys.items()},
    }
    plugin = kit.PLUGIN("src", kit.PLUGIN.settings_model.model_validate(table))
    async with build_client(plugin, transport=emulator.transport()) as client:
        ctx = CollectContext(source="src", now=view.instant, lookback_days=LOOKBACK)
        return await plugin.collect(client, ctx)


def day_start(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def seats(view: WorldView, tool: str) -> dict[str, Any]:
    return {seat.employee.email: seat for seat in view.seats(tool)}


def recent(view: WorldView, when: dt.datetime | None, days: int = LOOKBACK) -> bool:
    return when is not None and when >= view.instant - dt.timedelta(days=days)


def by_email(observation: Observation) -> dict[str, Any]:
    (app,) = observation.apps
    return {account.email: account for account in app.accounts or []}


async def test_openai_pilot_seats_last_use_capabilities_and_a_stale_integration(
    view: WorldView,
) -> None:
    observation = await collect("openai", view)
    world_seats = seats(view, "openai_api")
    accounts = by_email(observation)
    assert set(accounts) == set(world_seats)
    assert {e for e, a in accounts.items() if a.assigned} == {
        e for e, s in world_seats.items() if not s.suspended
    }
    for email, seat in world_seats.items():
        assert accounts[email].last_active == (
            seat.last_active.replace(microsecond=0) if seat.last_active else None
        )
    (app,) = observation.apps
    features = {f.feature: f for f in app.features or []}
    start = day_start(view.instant - dt.timedelta(days=LOOKBACK))
    end = view.instant + dt.timedelta(seconds=1)
    for capability, used in view.features("openai_api").items():
        expected = {u.employee.email for u in used.users if u.days_between(start, end)}
        assert set(features[capability].users or []) == expected, capability
        assert features[capability].events == used.events(start, end), capability
    assert features["completions"].active_users
    (link,) = view.links("openai_api", "service_account")
    (edge,) = app.integrations or []
    assert edge.app == link.app and link.last_used is not None
    assert edge.last_used == link.last_used.replace(microsecond=0)
    assert edge.last_used < view.instant - dt.timedelta(days=30)  # stale: the pilot is isolated
    assert any("spent in the last 90 days" in note for note in observation.notes)


async def test_claude_console_members_and_claude_code_use(view: WorldView) -> None:
    observation = await collect("anthropic", view)
    world_seats = {e: s for e, s in seats(view, "claude_console").items() if not s.suspended}
    accounts = by_email(observation)
    assert set(accounts) == set(world_seats)
    used = view.features("claude_console")
    end = view.instant + dt.timedelta(seconds=1)
    windows = {
        "messages_api": day_start(view.instant - dt.timedelta(days=LOOKBACK)),
        "claude_code": day_start(view.instant - dt.timedelta(days=29)),  # 30 days, today included
    }
    latest: dict[str, dt.datetime] = {}
    for key, start in windows.items():
        for user in used[key].users:
            days = [when for when in user.uses if start <= when < end]
            if days and user.employee.email in world_seats:
                latest[user.employee.email] = max(
                    latest.get(user.employee.email, day_start(days[-1])), day_start(days[-1])
                )
    assert {e: a.last_active for e, a in accounts.items()} == {
        e: latest.get(e) for e in world_seats
    }
    features = {f.feature: f for f in observation.apps[0].features or []}
    coders = {
        u.employee.email
        for u in used["claude_code"].users
        if u.employee.email in world_seats and u.days_between(windows["claude_code"], end)
    }
    assert coders and set(features["claude_code"].users or []) == coders
    assert set(features["claude_code_accepted_edits"].users or []) == coders
    assert features["claude_code"].events == used["claude_code"].events(windows["claude_code"], end)
    assert any("accepted" in note for note in observation.notes)


async def test_zoom_licensed_seats_and_sign_ins(view: WorldView) -> None:
    observation = await collect("zoom", view)
    world_seats = seats(view, "zoom")
    accounts = by_email(observation)
    assert {e for e, a in accounts.items() if a.assigned} == {
        e for e, s in world_seats.items() if not s.suspended
    }
    for email, seat in world_seats.items():
        expected = seat.last_active.replace(microsecond=0) if seat.last_active else None
        assert accounts[email].last_active == expected
    (app,) = observation.apps
    assert app.seats_purchased == 180
    meetings = next(f for f in app.features or [] if f.feature == "video-meetings")
    hosts = {e for e, s in world_seats.items() if recent(view, s.last_active)}
    assert set(meetings.users or []) == hosts


async def test_intercom_inbox_seats_and_sign_ins(view: WorldView) -> None:
    observation = await collect("intercom", view)
    world_seats = seats(view, "intercom")
    accounts = by_email(observation)
    assert {e for e, a in accounts.items() if a.assigned} == {
        e for e, s in world_seats.items() if not s.suspended
    }
    for email, seat in world_seats.items():
        expected = seat.last_active if recent(view, seat.last_active) else None
        assert accounts[email].last_active == (
            expected.replace(microsecond=0) if expected else None
        )


async def test_marketo_people_integration_users_and_quota(view: WorldView) -> None:
    observation = await collect("marketo", view)
    world_seats = seats(view, "marketo")
    accounts = by_email(observation)
    assert set(accounts) == set(world_seats)
    assert {e for e, a in accounts.items() if a.assigned} == {
        e for e, s in world_seats.items() if not s.suspended
    }
    live = [
        link.app for link in view.links("marketo", "api_user") if recent(view, link.last_used, 7)
    ]
    assert [i.app for i in observation.apps[0].integrations or []] == live
    idle = [link.app for link in view.links("marketo", "api_user") if link.app not in live]
    assert all(name in " ".join(observation.notes) for name in idle)
