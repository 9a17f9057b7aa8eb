"""The sandbox world's feature-use model (docs/sandbox.md, "Feature use")."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from stacktrack.sandbox import stack
from stacktrack.sandbox.world import World
from stacktrack.testing.world import CORE, ContractSpec, FeatureSpec, ToolSpec

SUITE = ToolSpec(
    "suite",
    "Suite Enterprise",
    "hubspot",
    "Demand Gen",
    ContractSpec(50_000, start=600, renewal=100, notice_days=30, seats=120),
    {"Demand Gen": 1.0, "Content": 1.0, "Sales": 0.5},
    mix=CORE,
    features=(
        FeatureSpec("marketing-email", share=0.6, frequency=0.6, events=3),
        FeatureSpec("workflows", share=0.0),
        FeatureSpec("landing-pages", share=0.5, stops=120),
        FeatureSpec("ai-assistant", count=6, seats=50, assigned=48, name="Copilot"),
    ),
)


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate(5, tools=(*stack.TOOLS, SUITE))


def window(view, days=30):
    return view.instant - dt.timedelta(days=days), view.instant + dt.timedelta(seconds=1)


def test_a_used_feature_has_users_events_and_a_recent_last_use(world: World) -> None:
    view = world.at(world.end)
    email = view.features("suite")["marketing-email"]
    start, end = window(view)
    assert email.active_users(start, end) > 10
    assert email.events(start, end) == 3 * sum(u.days_between(start, end) for u in email.users)
    assert email.last_used is not None and email.last_used >= start
    holders = {seat.employee.key for seat in view.seats("suite")}
    assert {user.employee.key for user in email.users} <= holders


def test_an_unused_feature_and_an_abandoned_one(world: World) -> None:
    view = world.at(world.end)
    assert view.features("suite")["workflows"].users == []
    pages = view.features("suite")["landing-pages"]
    start, end = window(view, days=90)
    assert pages.users and pages.active_users(start, end) == 0  # used once, then abandoned
    assert pages.last_used is not None
    assert pages.last_used <= world.end - dt.timedelta(days=119)


def test_an_add_on_bought_for_50_used_by_6(world: World) -> None:
    view = world.at(world.end)
    addon = view.features("suite")["ai-assistant"]
    assert addon.seats == 50 and len(addon.holders) <= 48
    assert len(addon.users) == 6
    assert {u.employee.key for u in addon.users} <= {e.key for e in addon.holders}
    assert addon.name == "Copilot"


def test_nothing_is_after_the_instant_and_the_past_is_a_prefix(world: World) -> None:
    earlier = world.end - dt.timedelta(weeks=10)
    then = world.at(earlier).features("suite")["marketing-email"]
    now = {
        u.employee.key: u for u in world.at(world.end).features("suite")["marketing-email"].users
    }
    for user in then.users:
        assert all(when <= earlier for when in user.uses)
        assert now[user.employee.key].uses[: len(user.uses)] == user.uses


def test_feature_use_changes_no_seat_and_no_other_tool(world: World) -> None:
    plain = dataclasses.replace(SUITE, features=())
    other = World.generate(5, tools=(*stack.TOOLS, plain))
    for key in ("suite", "mailchimp"):
        a = [(s.employee.key, s.last_active) for s in world.at(world.end).seats(key)]
        b = [(s.employee.key, s.last_active) for s in other.at(other.end).seats(key)]
        assert a and a == b
    assert other.at(other.end).features("suite") == {}
