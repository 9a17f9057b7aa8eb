"""The sandbox world: deterministic, never ahead of its clock, and carrying every pattern of docs/sandbox.md."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io

import pytest

from stacktrack.sandbox import stack
from stacktrack.sandbox.world import DOMAIN, View, World

DAY = dt.timedelta(days=1)


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate(11)


@pytest.fixture(scope="module")
def today(world: World) -> View:
    return world.at(world.end)


def _fingerprint(view: View) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for key in sorted(view.apps):
        for seat in view.apps[key].seats:
            rows.append(
                (key, seat.employee.email, seat.assigned_at, seat.last_active, seat.suspended)
            )
    return rows


def active(view: View, key: str, days: int = 30) -> set[str]:
    since = view.instant - dt.timedelta(days=days)
    return {
        seat.employee.email
        for seat in view.apps[key].seats
        if seat.last_active is not None and seat.last_active >= since and not seat.suspended
    }


def test_same_seed_same_world_and_other_seed_another(world: World) -> None:
    again = World.generate(11)
    assert again.end == world.end
    assert [e.email for e in again.employees] == [e.email for e in world.employees]
    for weeks_back in (0, 9, 25):
        instant = world.end - dt.timedelta(weeks=weeks_back)
        assert _fingerprint(again.at(instant)) == _fingerprint(world.at(instant))
    other = World.generate(12)
    assert _fingerprint(other.at(other.end)) != _fingerprint(world.at(world.end))


def test_the_end_date_comes_from_the_seed_not_the_wall_clock() -> None:
    assert World.generate(3).end == World.generate(3).end
    assert World.generate(3).end.weekday() == 0  # a Monday
    end = dt.datetime(2030, 1, 7, 6, tzinfo=dt.UTC)
    assert World.generate(3, end=end).end == end
    with pytest.raises(ValueError):
        World.generate(3, end=dt.datetime(2030, 1, 7))  # noqa: DTZ001 - naive on purpose


def test_company_size_departments_and_addresses(world: World) -> None:
    assert 380 <= len(world.employees) <= 420
    departments = {e.department for e in world.employees}
    for name in ("Demand Gen", "Content", "Sales", "RevOps", "Design", "Leadership"):
        assert name in departments
    emails = [e.email for e in world.employees]
    assert len(set(emails)) == len(emails)
    assert all(email.endswith("@" + DOMAIN) for email in emails)


@pytest.mark.parametrize("weeks_back", [0, 4, 13, 25])
def test_nothing_is_ahead_of_the_instant(world: World, weeks_back: int) -> None:
    instant = world.end - dt.timedelta(weeks=weeks_back, hours=5)
    view = world.at(instant)
    assert all(e.hired <= instant for e in view.employees)
    for app in view.apps.values():
        assert app.created <= instant
        for seat in app.seats:
            assert seat.assigned_at <= instant
            assert seat.last_active is None or seat.last_active <= instant
            if seat.last_active is not None and seat.employee.left is not None:
                assert seat.last_active <= seat.employee.left
    for link in [link for app in view.apps.values() for link in app.links]:
        assert link.created <= instant
        assert link.last_used is None or link.last_used <= instant
    with pytest.raises(ValueError):
        world.at(instant.replace(tzinfo=None))


def test_stack_size_and_two_contracts_in_eur(world: World) -> None:
    # The base stack plus the tools installed plugins bring (AI seats, support, legacy MAP, ...).
    assert 22 <= len(world.tools) <= 34
    assert sum(1 for spec in world.tools if spec.contract.currency == "EUR") >= 2


def test_adding_or_removing_a_tool_changes_no_other_tool(world: World) -> None:
    """Each tool's seats come from its own generator: a plugin joining leaves the rest as it was."""
    extra = dataclasses.replace(world.tools[-1], id="newcomer", sso_label="Newcomer")
    fewer = World.generate(world.seed, tools=world.tools[1:])
    more = World.generate(world.seed, tools=(*world.tools, extra))
    removed = world.tools[0].id
    for other in (fewer, more):
        assert [e.email for e in other.employees] == [e.email for e in world.employees]
        kept = [row for row in _fingerprint(world.at(world.end)) if row[0] != removed]
        rows = [
            row for row in _fingerprint(other.at(other.end)) if row[0] not in (removed, "newcomer")
        ]
        assert rows == kept
    assert more.at(more.end).apps["newcomer"].seats


def test_integrated_core_is_well_used(today: View) -> None:
    for key in ("salesforce", "hubspot", "slack"):
        seats = [s for s in today.apps[key].seats if not s.suspended]
        assert len(active(today, key)) / len(seats) > 0.75, key
    names = {link.app for link in today.links("salesforce", "oauth_token")}
    assert {"HubSpot", "Segment"} <= names
    destinations = {link.app for link in today.links("segment", "destination")}
    assert {"HubSpot", "Salesforce"} <= destinations


def test_shelfware_has_most_seats_idle(today: View) -> None:
    seats = today.apps["hootsuite"].seats
    assert len(seats) >= 20
    assert len(active(today, "hootsuite")) / len(seats) < 0.3


def test_two_email_tools_share_most_active_users(today: View) -> None:
    mailchimp = active(today, "mailchimp")
    assert len(mailchimp) >= 20
    assert len(mailchimp & active(today, "hubspot")) / len(mailchimp) >= 0.5


def test_ai_writing_pilots_are_recent_unconnected_and_fading(world: World, today: View) -> None:
    connected = {link.app for app in today.apps.values() for link in app.links}
    for key in ("jasper", "copy_ai"):
        spec = next(s for s in world.tools if s.id == key)
        assert 60 < spec.contract.start < 365  # bought within the last year, past the grace period
        assert spec.sso_label not in connected and not spec.integrates_with
    early = world.at(world.end - dt.timedelta(weeks=25))
    assert len(active(today, "jasper")) < len(active(early, "jasper")) / 2


def test_stale_integration_and_a_tool_unused_for_60_days(today: View) -> None:
    tokens = today.links("salesforce", "oauth_token")
    drift = next(link for link in tokens if link.app == "Drift")
    assert drift.last_used is not None and today.instant - drift.last_used > 90 * DAY
    live = [link for link in tokens if link.app != "Drift"]
    assert all(today.instant - link.last_used < DAY for link in live if link.last_used)
    assert today.apps["vidyard"].seats
    assert active(today, "vidyard", days=60) == set()


def test_shadow_apps_never_logged_in_suspended_and_bots(world: World, today: View) -> None:
    tool_labels = {spec.sso_label for spec in world.tools}
    for shadow in stack.SHADOW_APPS:
        assert shadow.label not in tool_labels
        assert active(today, shadow.label)
    never = [e for e in today.employees if today.last_login(e) is None]
    assert len(never) >= 3
    assert any(today.apps["salesforce"].seats)  # never-active people still hold seats somewhere:
    assigned = {s.employee.key for app in today.apps.values() for s in app.seats}
    assert any(e.key in assigned for e in never)
    assert sum(1 for e in today.employees if today.suspended(e)) >= 5
    assert today.links("slack")


def test_usage_evolves_adoption_and_seat_cleanup(world: World, today: View) -> None:
    early = world.at(world.end - dt.timedelta(weeks=25))
    assert len(today.apps["amplitude"].seats) > len(early.apps["amplitude"].seats)
    assert len(active(today, "amplitude")) > len(active(early, "amplitude"))
    before = world.at(world.end - dt.timedelta(days=60))
    after = world.at(world.end - dt.timedelta(days=50))
    assert len(after.apps["salesforce"].seats) < len(before.apps["salesforce"].seats)
    # Copy.ai did not exist half a year ago.
    assert "copy_ai" not in early.apps


_DIGEST = """
import dataclasses, hashlib, json
from stacktrack.sandbox import participants
from stacktrack.sandbox.world import World
world = World.generate(13)
view = world.at(world.end)
found = participants.emulators()
blob = {s: dataclasses.asdict(found[s].world_data(view)) for s in sorted(found)}
print(hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest())
"""


def test_vendor_data_does_not_depend_on_hash_randomisation() -> None:
    import os
    import subprocess
    import sys

    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()) as here:
        exec(_DIGEST, namespace)  # this process: its own (random) hash seed
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    there = subprocess.run(
        [sys.executable, "-c", _DIGEST], env=env, capture_output=True, text=True, check=True
    )
    assert here.getvalue().strip() == there.stdout.strip()
