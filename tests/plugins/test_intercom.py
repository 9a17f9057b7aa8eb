"""The ``intercom`` plugin against its emulator: figures worked out by hand from the sample workspace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stamina
from pydantic import ValidationError
from stacktrack_intercom import testkit
from stacktrack_intercom.emulator import IntercomEmulator
from stacktrack_intercom.plugin import IntercomPlugin, IntercomSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation

SOURCE = "intercom"
TOKEN = "dG9rOmludGVyY29tLXRlc3QtdG9rZW4="
BASE = "https://sandbox.test/intercom"
NOW = testkit.NOW
ago = testkit.ago


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=5):
        yield


@pytest.fixture
def emulator() -> IntercomEmulator:
    return IntercomEmulator(testkit.sample_data(), token=TOKEN, prefix="/intercom")


async def collect(emulator: IntercomEmulator, **extra: Any) -> Observation:
    table = {**testkit.settings(TOKEN), "base_url": BASE, **extra}
    plugin = IntercomPlugin(SOURCE, IntercomSettings.model_validate(table))
    async with build_client(plugin, transport=emulator.transport()) as client:
        return await plugin.collect(client, CollectContext(source=SOURCE, now=NOW))


@pytest.mark.parametrize("style", ["url", "cursor"])
async def test_inbox_seats_and_last_successful_sign_in(
    emulator: IntercomEmulator, style: str
) -> None:
    emulator.data.next_style = style  # type: ignore[assignment]
    (app,) = (await collect(emulator)).apps
    accounts = {a.id: a for a in app.accounts or []}
    assert set(accounts) == {"1001", "1002", "1003", "1004", "1005"}  # the team is not a person
    assert {i for i, a in accounts.items() if a.assigned} == {"1001", "1002", "1004", "1005"}
    assert {i: a.last_active for i, a in accounts.items()} == {
        "1001": ago(1),  # the sign-in after the run clock is ignored
        "1002": None,  # only a failed sign-in
        "1003": ago(4),  # signed in, but holds no inbox seat
        "1004": None,
        "1005": None,  # 100 days ago: before the window
    }
    assert accounts["1005"].email == "eve@acme.test"


async def test_feature_work_from_the_activity_types(emulator: IntercomEmulator) -> None:
    observation = await collect(emulator)
    features = {f.feature: f for f in observation.apps[0].features or []}
    assert set(features) == {"outbound_messages", "series", "help_center", "macros"}
    assert (features["outbound_messages"].events, features["outbound_messages"].users) == (
        1,
        ["ana@acme.test"],
    )
    assert features["series"].users == ["bo@acme.test"]
    assert features["help_center"].last_used == ago(8)
    assert (features["macros"].active_users, features["macros"].events) == (0, 0)
    assert observation.apps[0].integrations is None
    assert any("1 app installs and 1 uninstalls" in note for note in observation.notes)


async def test_asks_for_the_window_with_the_version_header(emulator: IntercomEmulator) -> None:
    seen: list[httpx.Request] = []

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return emulator.handle(request)

    plugin = IntercomPlugin(
        SOURCE,
        IntercomSettings.model_validate({**testkit.settings(TOKEN), "base_url": BASE}),
    )
    async with build_client(plugin, transport=httpx.MockTransport(spy)) as client:
        await plugin.collect(client, CollectContext(source=SOURCE, now=NOW))
    assert all(r.headers["Intercom-Version"] == "2.14" for r in seen)
    first = parse_qs(
        urlsplit(str(next(r.url for r in seen if "activity_logs" in r.url.path))).query
    )
    assert first["created_at_after"] == [str(int(ago(90).timestamp()))]
    assert first["created_at_before"] == [str(int(NOW.timestamp()))]


async def test_plan_restricted_log_is_a_note(emulator: IntercomEmulator) -> None:
    emulator.data.logs_restricted = True
    observation = await collect(emulator)
    (app,) = observation.apps
    assert app.activity_known is False and app.features is None
    assert len(app.accounts or []) == 5
    assert "HTTP 403" in observation.notes[0]


def test_region_picks_the_host() -> None:
    eu = IntercomSettings.model_validate({**testkit.settings(TOKEN), "region": "eu"})
    assert eu.base_url == "https://api.eu.intercom.io"
    with pytest.raises(ValidationError):
        IntercomSettings.model_validate({**testkit.settings(TOKEN), "region": "mars"})


def test_emulator_requires_created_at_after(emulator: IntercomEmulator) -> None:
    response = emulator.handle(
        httpx.Request(
            "GET",
            "https://x.test/intercom/admins/activity_logs",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "parameter_not_found"
