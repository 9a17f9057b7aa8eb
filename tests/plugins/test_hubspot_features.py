"""HubSpot feature use from the portal's assets (emails, workflows, forms, landing pages) against
the emulator: figures worked out by hand in ``testkit.FEATURES``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

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
    data.forbidden_assets = frozenset({"marketing_emails", "flows", "forms", "landing_pages"})
    observation = await _collect(HubSpotEmulator(data, token=TOKEN))
    assert observation.apps[0].features is None
    assert observation.apps[0].accounts  # users and logins are untouched


async def test_without_stats_events_count_the_emails_published() -> None:
    data = testkit.sample_data()
    for item in data.marketing_emails:
        item.pop("stats")
    found = _found(await _collect(HubSpotEmulator(data, token=TOKEN)))
    assert found["Marketing email"].events == 2
