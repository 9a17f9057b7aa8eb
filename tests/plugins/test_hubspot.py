"""The ``hubspot`` plugin against its emulator: figures computed by hand from the sample account."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina
from pydantic import ValidationError
from stacktrack_hubspot import testkit
from stacktrack_hubspot.emulator import HubSpotEmulator
from stacktrack_hubspot.plugin import HubSpotPlugin, HubSpotSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import (
    AuthenticationError,
    BadResponse,
    CollectContext,
    Observation,
    RateLimitExhausted,
)
from stacktrack.testing.conformance import Harness

SOURCE = "hubspot-main"
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
BASE = "https://sandbox.test/hubspot"
NOW = testkit.NOW


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    # Keep the retry count of the real policy (5 attempts) but skip the waits.
    with stamina.set_testing(True, attempts=5):
        yield


KIT = Harness(testkit, source=SOURCE, token=TOKEN, base_url=BASE)


def make_plugin(**extra: Any) -> HubSpotPlugin:
    return KIT.plugin(**extra)  # type: ignore[no-any-return]


async def collect(
    emulator: HubSpotEmulator, transport: httpx.AsyncBaseTransport | None = None, **extra: Any
) -> Observation:
    return await KIT.collect(transport or emulator.transport(), plugin=KIT.plugin(**extra))


@pytest.fixture
def emulator() -> HubSpotEmulator:
    return HubSpotEmulator(testkit.sample_data(), token=TOKEN, prefix="/hubspot")


def last_active(observation: Observation) -> dict[str, dt.datetime | None]:
    (app,) = observation.apps
    return {account.id: account.last_active for account in app.accounts or []}


EXPECTED_LAST_ACTIVE = {
    "10000001": ago(1),  # two successful logins: the latest
    "10000002": ago(5),
    "10000003": None,  # no login on record in 90 days (the analysis states the horizon)
    "10000004": None,  # only failed logins: not activity
    "10000005": ago(30),  # succeeded 30 days ago; the failure 1 day ago does not count
}


async def test_users_and_last_successful_login(emulator: HubSpotEmulator) -> None:
    observation = await collect(emulator)
    assert observation.notes == []
    (app,) = observation.apps
    assert app.app is None
    assert last_active(observation) == EXPECTED_LAST_ACTIVE
    assert set(EXPECTED_LAST_ACTIVE) == testkit.expected_assigned(emulator.data)[None]
    assert app.activity_known is True
    assert app.history_horizon_days == 90
    assert app.seats_purchased is None and app.seats_used is None  # no GA API for seats
    assert app.integrations is None  # not observed: no endpoint lists connected apps
    eve = next(a for a in app.accounts or [] if a.id == "10000005")
    assert (eve.email, eve.name) == ("eve@acme.test", "Eve Old")
    assert all(a.assigned and a.status == "active" for a in app.accounts or [])
    assert all(a.activity_kind == "login" for a in app.accounts or [])


async def test_every_page_is_followed(emulator: HubSpotEmulator) -> None:
    await collect(emulator)
    users = [path for _, path in emulator.log if "/settings/v3/users/" in path]
    logins = [path for _, path in emulator.log if "/account-info/v3/activity/login" in path]
    assert len(users) == 3  # 5 users, 2 per page
    assert len(logins) == 4  # 8 logins, 2 per page
    assert all("limit=100" in path for path in users)
    assert all("limit=200" in path for path in logins)
    assert sum("after=" in path for path in users + logins) == 2 + 3


async def test_login_history_403_degrades_to_activity_unknown(emulator: HubSpotEmulator) -> None:
    emulator.data.login_history_forbidden = True
    observation = await collect(emulator)
    (app,) = observation.apps
    assert set(last_active(observation)) == set(EXPECTED_LAST_ACTIVE)  # accounts still listed
    assert set(last_active(observation).values()) == {None}
    assert app.activity_known is False
    assert all(a.activity_kind is None for a in app.accounts or [])
    (note,) = observation.notes
    assert "403" in note and "account-info.security.read" in note and "unknown" in note


async def test_403_on_the_user_list_is_still_an_error(emulator: HubSpotEmulator) -> None:
    original = emulator.route

    def refuse_users(request: httpx.Request) -> httpx.Response:
        if "/settings/v3/users" in request.url.path:
            return httpx.Response(403, json={"status": "error", "message": "missing scopes"})
        return original(request)

    emulator.route = refuse_users  # type: ignore[method-assign]
    with pytest.raises(AuthenticationError) as caught:
        await collect(emulator)
    assert caught.value.status_code == 403


async def test_logins_outside_the_run_window_do_not_count(emulator: HubSpotEmulator) -> None:
    emulator.data.logins += [
        testkit.login("9100", 10000003, "cy@acme.test", NOW + dt.timedelta(days=1)),
        testkit.login("9101", 10000003, "cy@acme.test", ago(91)),
    ]
    assert last_active(await collect(emulator))["10000003"] is None


async def test_login_without_user_id_matches_by_email(emulator: HubSpotEmulator) -> None:
    orphan = testkit.login("9200", 0, "CY@acme.test", ago(3))
    orphan["userId"] = None
    emulator.data.logins.append(orphan)
    assert last_active(await collect(emulator))["10000003"] == ago(3)


async def test_rejected_token_names_the_source(emulator: HubSpotEmulator) -> None:
    emulator.token = "pat-na1-other"
    with pytest.raises(AuthenticationError) as caught:
        await collect(emulator)
    assert caught.value.source == SOURCE and str(caught.value).startswith(f"{SOURCE}: ")
    assert caught.value.status_code == 401
    assert TOKEN not in str(caught.value)


async def test_rate_limited_then_success_is_retried(emulator: HubSpotEmulator) -> None:
    emulator.force_throttle = 1
    observation = await collect(emulator)
    assert emulator.throttled == 1
    assert last_active(observation) == EXPECTED_LAST_ACTIVE


def test_emulator_rate_limit_answer_carries_hubspot_signals(
    emulator: HubSpotEmulator,
) -> None:
    emulator.force_throttle = 1
    with httpx.Client(transport=emulator.transport(), base_url="https://x.test/hubspot") as client:
        answer = client.get("/settings/v3/users/", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 429
    assert answer.json()["policyName"] == "SECONDLY"
    assert answer.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert answer.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in answer.headers


async def test_daily_limit_is_not_retried_and_says_so(emulator: HubSpotEmulator) -> None:
    emulator.rate_limit_policy = "DAILY"
    emulator.force_throttle = 10
    with pytest.raises(RateLimitExhausted) as caught:
        await collect(emulator)
    assert "daily API limit" in caught.value.message
    assert caught.value.source == SOURCE
    assert emulator.requests == 1


async def test_persistent_secondly_limit_gives_up_after_the_retries(
    emulator: HubSpotEmulator,
) -> None:
    emulator.force_throttle = 100
    with pytest.raises(RateLimitExhausted, match="SECONDLY limit"):
        await collect(emulator)
    assert emulator.requests == 5  # the policy's attempts, then a typed error


async def test_repeated_cursor_raises(emulator: HubSpotEmulator) -> None:
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse, match="pagination loop"):
        await collect(emulator)


async def test_malformed_login_is_a_bad_response(emulator: HubSpotEmulator) -> None:
    emulator.data.logins[3]["loginAt"] = "yesterday-ish"
    with pytest.raises(BadResponse, match="login"):
        await collect(emulator)


async def test_page_without_results_is_a_bad_response(emulator: HubSpotEmulator) -> None:
    emulator.route = lambda request: httpx.Response(200, json={"results": "nope"})  # type: ignore[method-assign]
    with pytest.raises(BadResponse, match="user list"):
        await collect(emulator)


async def test_default_base_url_is_hubapi(emulator: HubSpotEmulator) -> None:
    hosts: list[str] = []
    plain = HubSpotEmulator(testkit.sample_data(), token=TOKEN)

    def handle(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return plain.handle(request)

    plugin = HubSpotPlugin(SOURCE, HubSpotSettings.model_validate(testkit.settings(TOKEN)))
    async with build_client(plugin, transport=httpx.MockTransport(handle)) as client:
        await plugin.collect(client, CollectContext(source=SOURCE, now=NOW))
    assert set(hosts) == {"api.hubapi.com"}


def test_settings() -> None:
    with pytest.raises(ValidationError):
        HubSpotSettings.model_validate({"plugin": "hubspot"})  # the token is required
    with pytest.raises(ValidationError):
        HubSpotSettings.model_validate({"plugin": "hubspot", "token": "t", "portal": 1})
    settings = HubSpotSettings.model_validate(testkit.settings(TOKEN))
    assert TOKEN not in repr(settings)
    assert HubSpotPlugin(SOURCE, settings).secrets() == [TOKEN]
