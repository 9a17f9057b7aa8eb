"""The ``zoom`` plugin against its emulator: figures worked out by hand from the sample account."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stamina
from stacktrack_zoom import testkit
from stacktrack_zoom.emulator import ZoomEmulator
from stacktrack_zoom.plugin import ZoomPlugin, ZoomSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import AccountStatus, AuthenticationError, CollectContext, Observation

SOURCE = "zoom"
SECRET = "zoom-client-secret-0123456789"
BASE = "https://sandbox.test/zoom"
NOW = testkit.NOW
ago = testkit.ago


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=5):
        yield


@pytest.fixture
def emulator() -> ZoomEmulator:
    return ZoomEmulator(testkit.sample_data(), token=SECRET, prefix="/zoom")


def plugin(**extra: Any) -> ZoomPlugin:
    table = {
        **testkit.settings(SECRET),
        "base_url": BASE,
        "oauth_url": "https://sandbox.test/zoom/oauth/token",
        **extra,
    }
    return ZoomPlugin(SOURCE, ZoomSettings.model_validate(table))


async def collect(
    transport: httpx.AsyncBaseTransport, *, lookback: int = 90, **extra: Any
) -> Observation:
    source = plugin(**extra)
    async with build_client(source, transport=transport) as client:
        return await source.collect(
            client, CollectContext(source=SOURCE, now=NOW, lookback_days=lookback)
        )


def reports(emulator: ZoomEmulator) -> list[tuple[dt.date, dt.date]]:
    found = []
    for _, path in emulator.log:
        if "/report/users" in path:
            query = parse_qs(urlsplit(path).query)
            found.append(
                (dt.date.fromisoformat(query["from"][0]), dt.date.fromisoformat(query["to"][0]))
            )
    return found


async def test_licensed_users_hold_seats_and_sign_ins_are_activity(
    emulator: ZoomEmulator,
) -> None:
    (app,) = (await collect(emulator.transport())).apps
    accounts = {a.id: a for a in app.accounts or []}
    assert {uid for uid, a in accounts.items() if a.assigned} == {
        "z-ana",
        "z-bo",
        "z-dee",
        "z-eve",
        "z-gus",
    }
    assert {uid: a.last_active for uid, a in accounts.items()} == {
        "z-ana": ago(1),
        "z-bo": ago(10),
        "z-cy": ago(2),  # a Basic user: signed in, but holds no paid seat
        "z-dee": None,
        "z-eve": None,  # a stamp after the run clock
        "z-fay": ago(100),
        "z-gus": None,
    }
    assert accounts["z-fay"].status is AccountStatus.DEACTIVATED
    assert accounts["z-gus"].status is AccountStatus.INVITED
    assert (app.seats_purchased, app.seats_used) == (10, 5)


async def test_meetings_hosted_and_webinar_licences_are_features(emulator: ZoomEmulator) -> None:
    (app,) = (await collect(emulator.transport())).apps
    features = {f.feature: f for f in app.features or []}
    meetings = features["video-meetings"]
    assert (meetings.active_users, meetings.events) == (2, 8)  # Ana 5 + 2, Cy 1
    assert meetings.users == ["ana@acme.test", "cy@acme.test"]
    assert meetings.window_days == 90
    webinars = features["webinars"]
    assert (webinars.seats_purchased, webinars.seats_assigned) == (2, 1)
    assert webinars.active_users is None  # no endpoint says who hosted webinars


async def test_report_is_paged_by_month_within_six_months(emulator: ZoomEmulator) -> None:
    observation = await collect(emulator.transport(), lookback=365)
    slices = reports(emulator)
    assert slices
    assert all((to - start).days < 28 for start, to in slices)
    assert min(start for start, _ in slices) == NOW.date() - dt.timedelta(days=180)
    assert max(to for _, to in slices) == NOW.date()
    days = sorted(
        d
        for start, to in slices
        for d in range((start - NOW.date()).days, (to - NOW.date()).days + 1)
    )
    assert days == list(range(-180, 1)), "the slices cover every day once"
    meetings = next(f for f in observation.apps[0].features or [] if f.feature == "video-meetings")
    assert meetings.events == 8  # Eve's meeting 200 days ago is beyond what Zoom reports
    assert any("six months" in note for note in observation.notes)


async def test_free_plan_report_refusal_is_a_note(emulator: ZoomEmulator) -> None:
    emulator.data.plan = "basic"
    observation = await collect(emulator.transport())
    (app,) = observation.apps
    assert [f.feature for f in app.features or []] == ["webinars"]
    assert len(app.accounts or []) == 7
    assert any("Pro plan" in note for note in observation.notes)


async def test_plan_usage_refused_leaves_seats_unknown(emulator: ZoomEmulator) -> None:
    emulator.data.plans = None
    observation = await collect(emulator.transport())
    (app,) = observation.apps
    assert app.seats_purchased is None and app.seats_used is None
    assert "webinars" not in {f.feature for f in app.features or []}
    assert any("account:read:admin" in note for note in observation.notes)


async def test_one_token_per_run_and_a_new_one_when_it_expires(emulator: ZoomEmulator) -> None:
    await collect(emulator.transport())
    assert emulator.tokens_issued == 1

    fresh = ZoomEmulator(testkit.sample_data(), token=SECRET, prefix="/zoom")
    served = 0

    def expire_after_first_page(request: httpx.Request) -> httpx.Response:
        nonlocal served
        response = fresh.handle(request)
        if "/users" in request.url.path and response.status_code == 200:
            served += 1
            if served == 1:
                fresh.expire_tokens()
        return response

    observation = await collect(httpx.MockTransport(expire_after_first_page))
    assert fresh.tokens_issued == 2
    assert len(observation.apps[0].accounts or []) == 7


async def test_wrong_client_secret_is_an_authentication_error(emulator: ZoomEmulator) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await collect(emulator.transport(), client_secret="not-the-secret-at-all")
    assert "client_secret" in caught.value.message
    assert "not-the-secret-at-all" not in str(caught.value)


def get(emulator: ZoomEmulator, path: str) -> httpx.Response:
    token = emulator.handle(
        httpx.Request(
            "POST",
            "https://x.test/zoom/oauth/token?grant_type=account_credentials&account_id=acct-0001",
            headers={
                "Authorization": "Basic "
                + base64.b64encode(f"{testkit.CLIENT_ID}:{SECRET}".encode()).decode()
            },
        )
    ).json()["access_token"]
    return emulator.handle(
        httpx.Request(
            "GET", f"https://x.test/zoom{path}", headers={"Authorization": f"Bearer {token}"}
        )
    )


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/report/users?type=active&from=2026-09-01&to=2026-10-15", "one month"),
        ("/report/users?type=active&from=2026-04-01&to=2026-04-20", "six months"),
        ("/report/users?type=active", "required"),
    ],
)
def test_emulator_enforces_the_report_limits(
    emulator: ZoomEmulator, path: str, reason: str
) -> None:
    response = get(emulator, path)
    assert response.status_code == 400
    assert reason in response.json()["message"]


def test_oauth_url_in_cleartext_to_a_remote_host_is_refused() -> None:
    from pydantic import ValidationError

    table = {**testkit.settings(SECRET), "oauth_url": "http://proxy.example/oauth/token"}
    with pytest.raises(ValidationError, match="oauth_url uses plain http://"):
        ZoomSettings.model_validate(table)
    ZoomSettings.model_validate({**table, "oauth_url": "http://127.0.0.1:8765/zoom/oauth/token"})
