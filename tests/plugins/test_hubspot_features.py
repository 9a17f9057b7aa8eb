"""HubSpot feature use from the portal's assets (emails, workflows, forms, landing pages), each
user's sequences and the seats users hold, against the emulator: figures worked out by hand in
``testkit.FEATURES``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina
from stacktrack_hubspot import testkit
from stacktrack_hubspot.emulator import HubSpotEmulator
from stacktrack_hubspot.plugin import HubSpotPlugin, HubSpotSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation

TOKEN = "pat-na1-features"
NOW = testkit.NOW


@pytest.fixture(autouse=True)
def _no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


async def _collect(emulator: HubSpotEmulator) -> Observation:
    plugin = HubSpotPlugin(
        "hs",
        HubSpotSettings.model_validate({**testkit.settings(TOKEN), "base_url": "https://h.test"}),
    )
    async with build_client(plugin, transport=emulator.transport()) as client:
        return await plugin.collect(client, CollectContext(source="hs", now=NOW))


def _found(observation: Observation) -> dict[str, Any]:
    return {f.feature: f for f in observation.apps[0].features or []}


async def test_assets_become_feature_use() -> None:
    found = _found(await _collect(HubSpotEmulator(testkit.sample_data(), token=TOKEN)))
    got = {
        name: (
            f.active_users,
            f.events,
            None if f.last_used is None else round((NOW - f.last_used) / dt.timedelta(days=1)),
        )
        for name, f in found.items()
    }
    assert got == testkit.FEATURES
    assert found["Marketing email"].users == ["ana@acme.test", "bo@acme.test"]


async def test_every_listing_is_paged_and_emails_ask_for_stats() -> None:
    emulator = HubSpotEmulator(testkit.sample_data(), token=TOKEN)
    await _collect(emulator)
    emails = [p for _v, p in emulator.log if p.startswith("/marketing/v3/emails")]
    assert len(emails) == 3  # five emails, two a page
    assert all("includeStats=true" in p for p in emails)
    assert sum("after=" in p for _v, p in emulator.log if p.startswith("/automation/v4/flows")) == 1


async def test_a_refused_listing_is_a_note_saying_what_is_missing() -> None:
    data = testkit.sample_data()
    data.forbidden_assets = frozenset({"flows"})
    observation = await _collect(HubSpotEmulator(data, token=TOKEN))
    assert "Workflows" not in _found(observation)  # unknown, not zero
    assert "Marketing email" in _found(observation)
    assert any("workflows" in n and "automation scope" in n for n in observation.notes)


async def test_every_listing_refused_leaves_features_unknown() -> None:
    data = testkit.sample_data()
    data.forbidden_assets = frozenset(
        {"marketing_emails", "flows", "forms", "landing_pages", "sequences"}
    )
    for item in data.users:
        item.pop("seatNames", None)
    observation = await _collect(HubSpotEmulator(data, token=TOKEN))
    assert observation.apps[0].features is None
    assert observation.apps[0].accounts  # users and logins are untouched


async def test_without_stats_events_count_the_emails_published() -> None:
    data = testkit.sample_data()
    for item in data.marketing_emails:
        item.pop("stats")
    found = _found(await _collect(HubSpotEmulator(data, token=TOKEN)))
    assert found["Marketing email"].events == 2


async def test_sequences_are_asked_per_user_and_counted_by_owner() -> None:
    emulator = HubSpotEmulator(testkit.sample_data(), token=TOKEN)
    found = _found(await _collect(emulator))
    asked = [p for _v, p in emulator.log if p.startswith("/automation/v4/sequences")]
    owners = [p.split("userId=")[1].split("&")[0] for p in asked]
    # every user once; ana's three sequences take two pages of two
    assert sorted(owners) == sorted([*(u["id"] for u in emulator.data.users), "10000001"])
    sequences = found["Sequences"]
    assert sequences.users == ["ana@acme.test"]
    assert sequences.every_user is False  # enrolments in older sequences are not listed
    assert sequences.window_days == 90


async def test_seat_names_count_the_holders_of_each_paid_seat() -> None:
    found = _found(await _collect(HubSpotEmulator(testkit.sample_data(), token=TOKEN)))
    seats = {name: f.seats_assigned for name, f in found.items() if f.seats_assigned is not None}
    assert seats == testkit.SEATS
    assert all(found[name].seats_purchased is None for name in seats)  # no GA endpoint says


async def test_seat_names_that_are_not_a_list_of_names_are_not_said() -> None:
    data = testkit.sample_data()
    for item in data.users:
        item["seatNames"] = "Sales Seat"  # a shape the spec does not give: ignored, not fatal
    observation = await _collect(HubSpotEmulator(data, token=TOKEN))
    assert "Sales Seat" not in _found(observation)
    assert observation.apps[0].accounts


async def test_refused_sequences_are_a_note_and_unknown() -> None:
    data = testkit.sample_data()
    data.forbidden_assets = frozenset({"sequences"})
    observation = await _collect(HubSpotEmulator(data, token=TOKEN))
    assert "Sequences" not in _found(observation)
    assert any("automation.sequences.read" in n for n in observation.notes)


async def test_one_users_sequences_refused_leaves_the_others_counted() -> None:
    data = testkit.sample_data()
    data.sequence_errors = {"10000005": 404}
    observation = await _collect(HubSpotEmulator(data, token=TOKEN))
    assert _found(observation)["Sequences"].users == ["ana@acme.test"]
    assert any("sequences of 1 user(s) (HTTP 404)" in n for n in observation.notes)


async def test_sequences_without_a_user_id_are_refused_by_the_emulator() -> None:
    emulator = HubSpotEmulator(testkit.sample_data(), token=TOKEN)
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="https://h.test") as c:
        response = await c.get(
            "/automation/v4/sequences/", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert response.status_code == 400
