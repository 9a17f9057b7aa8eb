"""The ``marketo`` plugin against its emulator: figures worked out by hand from the sample instance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina
from stacktrack_marketo import testkit
from stacktrack_marketo.emulator import MarketoEmulator
from stacktrack_marketo.models import marketo_time
from stacktrack_marketo.plugin import MarketoPlugin, MarketoSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import (
    AccountStatus,
    AuthenticationError,
    CollectContext,
    Observation,
    RateLimitExhausted,
)

SOURCE = "marketo"
SECRET = "mkto-secret-0123456789abcdef"
BASE = "https://sandbox.test/marketo"
NOW = testkit.NOW
ago = testkit.ago


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=5):
        yield


@pytest.fixture
def emulator() -> MarketoEmulator:
    return MarketoEmulator(testkit.sample_data(), token=SECRET, prefix="/marketo")


async def collect(transport: httpx.AsyncBaseTransport, **extra: Any) -> Observation:
    table = {**testkit.settings(SECRET), "base_url": BASE, **extra}
    plugin = MarketoPlugin(SOURCE, MarketoSettings.model_validate(table))
    async with build_client(plugin, transport=transport) as client:
        return await plugin.collect(client, CollectContext(source=SOURCE, now=NOW))


def whole_seconds(when: dt.datetime) -> dt.datetime:
    return when.replace(microsecond=0)


async def test_people_hold_seats_and_api_only_users_are_integrations(
    emulator: MarketoEmulator,
) -> None:
    observation = await collect(emulator.transport())
    (app,) = observation.apps
    accounts = {a.id: a for a in app.accounts or []}
    assert set(accounts) == {
        "ana@acme.test",
        "bo@acme.test",
        "cy@acme.test",
        "dee@acme.test",
        "0222ABC@AdobeID",
    }
    assert {a.last_active for a in [accounts["ana@acme.test"]]} == {whole_seconds(ago(2))}
    assert accounts["bo@acme.test"].last_active == whole_seconds(ago(40))
    assert accounts["cy@acme.test"].last_active is None
    assert accounts["dee@acme.test"].status is AccountStatus.DEACTIVATED
    assert not accounts["dee@acme.test"].assigned
    assert accounts["0222ABC@AdobeID"].email == "eve@acme.test"
    assert accounts["0222ABC@AdobeID"].last_active == whole_seconds(ago(3))
    (sync,) = app.integrations or []
    assert (sync.app, sync.use_count) == ("Salesforce Sync", 700)
    assert sync.last_used == dt.datetime.combine(NOW.date(), dt.time(), tzinfo=dt.UTC)
    assert observation.notes == ["1 API-only user(s) made no API call in the last 7 days: Zapier."]


async def test_stops_before_the_daily_quota_and_says_so(emulator: MarketoEmulator) -> None:
    # 48,990 calls today before the run: with 1,000 kept in reserve, 8 are left (the two usage
    # reads and four pages of users leave too few for five per-user reads).
    emulator.data.usage[-1]["total"] = 48_990
    observation = await collect(emulator.transport())
    (app,) = observation.apps
    assert app.activity_known is False
    assert all(a.last_active is None for a in app.accounts or [])
    assert any(
        note.startswith("Stopped before Marketo's daily API quota") for note in observation.notes
    )
    assert not any("user.json" in path for _, path in emulator.log)
    assert emulator.calls < emulator.data.daily_quota - 48_990


async def test_no_budget_for_the_user_list_fails_with_a_rate_limit_error(
    emulator: MarketoEmulator,
) -> None:
    emulator.data.usage[-1]["total"] = 49_500
    with pytest.raises(RateLimitExhausted, match="before Marketo's daily API quota"):
        await collect(emulator.transport())


async def test_quota_used_up_elsewhere_is_not_retried(emulator: MarketoEmulator) -> None:
    emulator.data.daily_quota = 0
    with pytest.raises(RateLimitExhausted, match="607"):
        await collect(emulator.transport())


async def test_606_on_http_200_is_waited_out(emulator: MarketoEmulator) -> None:
    emulator.force_throttle = 3
    observation = await collect(emulator.transport())
    assert emulator.throttled == 3
    assert len(observation.apps[0].accounts or []) == 5


async def test_expired_token_gets_a_new_one(emulator: MarketoEmulator) -> None:
    served = 0

    def expire_after_usage(request: httpx.Request) -> httpx.Response:
        nonlocal served
        response = emulator.handle(request)
        if request.url.path.endswith("usage.json"):
            served += 1
            emulator.expire_tokens()
        return response

    observation = await collect(httpx.MockTransport(expire_after_usage))
    assert len(observation.apps[0].accounts or []) == 5
    tokens = [path for _, path in emulator.log if "oauth/token" in path]
    assert len(tokens) >= 2


async def test_bad_client_secret_is_an_authentication_error(emulator: MarketoEmulator) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await collect(emulator.transport(), client_secret="wrong-secret-value")
    assert "client_secret" in caught.value.message
    assert "wrong-secret-value" not in str(caught.value)


async def test_login_dates_on_the_listing_spare_the_per_user_reads(
    emulator: MarketoEmulator,
) -> None:
    for row in emulator.data.users:
        row["lastLoginAt"] = (
            emulator.data.details[row["userid"]]["lastLoginAt"]
            if row["userid"] in emulator.data.details
            else None
        )
    await collect(emulator.transport())
    assert not any("user.json" in path for _, path in emulator.log)


def test_marketo_date_forms() -> None:
    expected = dt.datetime(2020, 2, 5, 1, 2, 23, tzinfo=dt.UTC)
    assert marketo_time("2020-02-05T01:02:23.000t+0000") == expected
    assert marketo_time("20200205T01:02:23.000t+0000") == expected
    assert marketo_time("2020-02-05T03:02:23.000t+0200") == expected
    assert marketo_time(None) is None


def test_identity_url_in_cleartext_to_a_remote_host_is_refused() -> None:
    from pydantic import ValidationError

    table = {**testkit.settings(SECRET), "base_url": BASE}
    with pytest.raises(ValidationError, match="identity_url uses plain http://"):
        MarketoSettings.model_validate({**table, "identity_url": "http://proxy.example/identity"})


async def test_an_ims_user_id_is_not_taken_for_an_e_mail(emulator: MarketoEmulator) -> None:
    emulator.data.users[-1] = {**emulator.data.users[-1], "emailAddress": None}
    (app,) = (await collect(emulator.transport())).apps
    account = next(a for a in app.accounts or [] if a.id == "0222ABC@AdobeID")
    assert account.email is None
