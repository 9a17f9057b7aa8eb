"""The ``openai`` plugin against its emulator: figures worked out by hand from the sample org."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stamina
from pydantic import ValidationError
from stacktrack_openai import testkit
from stacktrack_openai.emulator import OpenAIEmulator
from stacktrack_openai.plugin import OpenAIPlugin, OpenAISettings

from stacktrack.http import build_client
from stacktrack.plugin_api import AccountStatus, CollectContext, Observation

SOURCE = "openai-main"
TOKEN = "sk-admin-0123456789abcdef"
BASE = "https://sandbox.test/openai/v1"
NOW = testkit.NOW


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def day(days: float) -> dt.datetime:
    return ago(days).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=5):
        yield


@pytest.fixture
def emulator() -> OpenAIEmulator:
    return OpenAIEmulator(testkit.sample_data(), token=TOKEN, prefix="/openai/v1")


async def collect(emulator: OpenAIEmulator, **extra: Any) -> Observation:
    table = {**testkit.settings(TOKEN), "base_url": BASE, **extra}
    plugin = OpenAIPlugin(SOURCE, OpenAISettings.model_validate(table))
    async with build_client(plugin, transport=emulator.transport()) as client:
        return await plugin.collect(client, CollectContext(source=SOURCE, now=NOW))


async def test_members_seats_and_last_api_use(emulator: OpenAIEmulator) -> None:
    (app,) = (await collect(emulator)).apps
    accounts = {a.id: a for a in app.accounts or []}
    assert app.activity_known is True
    assert {uid: a.last_active for uid, a in accounts.items()} == {
        "user_ana": day(1),  # yesterday's completions beat the key stamp of 2 days ago
        "user_bo": day(3),  # file search 3 days ago; completions 40 days ago
        "user_cy": None,  # a result with zero requests is not use
        "user_dee": ago(1),
        "user_svc": ago(1),
        "user_eve": ago(95),  # embeddings 100 days ago are outside the 90-day window
        "user_fay": None,  # a stamp after the run clock is ignored
    }
    assert {uid for uid, a in accounts.items() if a.assigned} == {
        "user_ana",
        "user_bo",
        "user_cy",
        "user_eve",
        "user_fay",
    }
    assert accounts["user_dee"].status is AccountStatus.DEACTIVATED
    assert accounts["user_eve"].email == "eve@acme.test"


async def test_capability_use_per_user(emulator: OpenAIEmulator) -> None:
    (app,) = (await collect(emulator)).apps
    features = {f.feature: f for f in app.features or []}
    assert set(features) == {
        "completions",
        "embeddings",
        "images",
        "audio_speeches",
        "audio_transcriptions",
        "moderations",
        "file_search_calls",
        "web_search_calls",
    }
    completions = features["completions"]
    # Ana 5 and Bo 3, plus 7 requests attributed to nobody (counted as events, not users).
    assert (completions.active_users, completions.events) == (2, 15)
    assert completions.users == ["ana@acme.test", "bo@acme.test"]
    assert completions.last_used == day(1)
    assert completions.window_days == 90
    assert (features["images"].active_users, features["images"].events) == (1, 2)
    assert features["file_search_calls"].users == ["bo@acme.test"]
    assert features["file_search_calls"].events == 4
    # Observed and unused: zero, not unknown.
    assert (features["embeddings"].active_users, features["embeddings"].events) == (0, 0)
    assert features["embeddings"].last_used is None


async def test_asks_for_the_window_in_daily_buckets_grouped_by_user(
    emulator: OpenAIEmulator,
) -> None:
    await collect(emulator, capabilities=["completions"])
    queries = [
        parse_qs(urlsplit(path).query)
        for method, path in emulator.log
        if "/usage/completions" in path
    ]
    assert queries, "the completions usage was not read"
    start = str(int(day(90).timestamp()))
    for query in queries:
        assert query["start_time"] == [start]
        assert query["end_time"] == [str(int(NOW.timestamp()))]
        assert query["bucket_width"] == ["1d"]
        assert query["group_by"] == ["user_id"]
        assert int(query["limit"][0]) <= 31


async def test_brackets_array_style(emulator: OpenAIEmulator) -> None:
    observation = await collect(emulator, array_style="brackets", capabilities=["completions"])
    (feature,) = observation.apps[0].features or []
    assert feature.active_users == 2
    assert any("group_by%5B%5D=user_id" in path for _, path in emulator.log)


async def test_service_accounts_are_integrations(emulator: OpenAIEmulator) -> None:
    (app,) = (await collect(emulator)).apps
    integrations = {i.app: i for i in app.integrations or []}
    # The archived project's service account is not listed; Ana's personal key is not a machine.
    assert set(integrations) == {"HubSpot", "Zapier"}
    assert integrations["HubSpot"].last_used == ago(2)
    # Never used since it was created 200 days ago: stale, not "unknown" (which counts as live).
    assert integrations["Zapier"].last_used == ago(200)


async def test_user_keys_as_integrations_when_asked(emulator: OpenAIEmulator) -> None:
    (app,) = (await collect(emulator, user_keys_as_integrations=True)).apps
    names = {i.app: i for i in app.integrations or []}
    assert set(names) == {"HubSpot", "Zapier", "ana-laptop"}
    assert names["ana-laptop"].last_used == ago(2)


async def test_spend_in_the_window_is_a_note(emulator: OpenAIEmulator) -> None:
    observation = await collect(emulator)
    assert observation.notes == [
        "OpenAI reports 15.75 USD spent in the last 90 days (organization costs)."
    ]


async def test_usage_refused_degrades_to_key_stamps(emulator: OpenAIEmulator) -> None:
    emulator.data.usage_forbidden = True
    emulator.data.costs_forbidden = True
    observation = await collect(emulator)
    (app,) = observation.apps
    assert app.features is None
    assert app.activity_known is True
    accounts = {a.id: a.last_active for a in app.accounts or []}
    assert accounts["user_ana"] == ago(2)
    assert accounts["user_bo"] is None
    assert len(observation.notes) == 2
    assert "usage" in observation.notes[0] and "costs" in observation.notes[1]


async def test_settings_reject_an_unknown_capability() -> None:
    with pytest.raises(ValidationError, match="chat_sessions"):
        OpenAISettings.model_validate(
            {"plugin": "openai", "token": TOKEN, "capabilities": ["chat_sessions"]}
        )


def get(emulator: OpenAIEmulator, path: str) -> httpx.Response:
    return emulator.handle(
        httpx.Request(
            "GET", f"https://x.test/openai/v1{path}", headers={"Authorization": f"Bearer {TOKEN}"}
        )
    )


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/organization/usage/completions?limit=5", "start_time"),
        ("/organization/usage/completions?start_time=0&limit=32", "between 1 and 31"),
        ("/organization/usage/vector_stores?start_time=0&group_by=user_id", "group_by"),
        ("/organization/costs?start_time=0&bucket_width=1h", "1d"),
        ("/organization/users?limit=101", "between 1 and 100"),
    ],
)
def test_emulator_enforces_the_documented_limits(
    emulator: OpenAIEmulator, path: str, reason: str
) -> None:
    response = get(emulator, path)
    assert response.status_code == 400
    assert reason in response.json()["error"]["message"]
