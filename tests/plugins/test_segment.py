"""The ``segment`` plugin against its emulator: figures worked out by hand from
``testkit.sample_data``.

Users: 5, all seats, no activity time anywhere. Sources: Javascript (Website) and HTTP API (Server)
are libraries, not apps; HubSpot and Salesforce are cloud-app sources (edges in); Stripe is
disabled. Destinations: HubSpot twice (one edge out), Google Analytics 4, Salesforce, Braze
(catalog slug only: "braze"); Mailchimp is disabled and Amplitude is fed only by the disabled
Stripe source.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError
from stacktrack_segment import testkit
from stacktrack_segment.emulator import SegmentData, SegmentEmulator
from stacktrack_segment.plugin import SegmentPlugin

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation

TOKEN = "sgp_test-secret-token"
SOURCE = "cdp"


@pytest.fixture(autouse=True)
def _no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


def _plugin(**extra: Any) -> SegmentPlugin:
    raw = {**testkit.settings(TOKEN), **extra}
    return SegmentPlugin(SOURCE, SegmentPlugin.settings_model.model_validate(raw))


async def _collect(transport: httpx.AsyncBaseTransport) -> Observation:
    plugin = _plugin()
    async with build_client(plugin, transport=transport) as client:
        return await plugin.collect(client, CollectContext(source=SOURCE, now=testkit.NOW))


def _emulator(data: SegmentData | None = None) -> SegmentEmulator:
    return SegmentEmulator(data or testkit.sample_data(), token=TOKEN)


def _answering(
    emulator: SegmentEmulator, path: str, body: Any, status: int = 200
) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == path:
            return httpx.Response(status, content=json.dumps(body).encode())
        return emulator.handle(request)

    return httpx.MockTransport(handle)


def _calls(emulator: SegmentEmulator, path: str) -> list[str]:
    return [p for _verb, p in emulator.log if p.split("?")[0] == path]


def _edges(observation: Observation) -> list[tuple[str, str, str]]:
    return [(i.app, i.kind, i.direction) for i in observation.apps[0].integrations or []]


async def test_sample_figures_match_the_hand_count() -> None:
    observation = await _collect(_emulator().transport())
    assert observation.notes == []
    [usage] = observation.apps
    assert usage.app is None
    accounts = {a.id: a for a in usage.accounts or []}
    assert set(accounts) == testkit.expected_assigned(testkit.sample_data())[None]
    assert len(accounts) == 5
    assert all(a.assigned and a.last_active is None and not a.guest for a in accounts.values())
    assert accounts["sgJDWk3K21k6LE3tLU9nRK"].email == "papi@acme.example"
    assert accounts["sgJDWk3K21k6LE3tLU9nRK"].name is None  # "" is no name
    assert usage.activity_known is False  # Segment keeps no login times: unknown, not "inactive"
    assert usage.seats_purchased is None and usage.seats_used is None
    assert _edges(observation) == [
        ("braze", "destination", "out"),
        ("Google Analytics 4", "destination", "out"),
        ("HubSpot", "destination", "out"),
        ("HubSpot", "source", "in"),
        ("Salesforce", "destination", "out"),
        ("Salesforce", "source", "in"),
    ]
    assert all(i.last_used is None for i in usage.integrations or [])


async def test_every_page_is_followed_with_the_documented_params() -> None:
    emulator = _emulator()
    await _collect(emulator.transport())
    assert len(_calls(emulator, "/users")) == 3  # 5 users, 2 per page
    assert len(_calls(emulator, "/sources")) == 3
    assert len(_calls(emulator, "/destinations")) == 4
    assert all("pagination.count=200" in p for _v, p in emulator.log)
    assert sum("pagination.cursor=" in p for _v, p in emulator.log) == 2 + 2 + 3


async def test_an_empty_workspace_is_observed_as_isolated_not_unknown() -> None:
    observation = await _collect(_emulator(SegmentData()).transport())
    [usage] = observation.apps
    assert usage.accounts == []
    assert usage.integrations == []


async def test_source_and_destination_rules() -> None:
    data = SegmentData(
        sources=[
            # No catalog entry: nothing names it as an app.
            {"id": "s1", "name": "mystery", "enabled": True},
            {"id": "s2", "name": "Intercom in", "enabled": True, "metadata": {"name": "Intercom"}},
            {
                "id": "s3",
                "name": "ios",
                "enabled": True,
                "metadata": {"name": "iOS", "categories": ["Mobile", "OTT"]},
            },
            {
                "id": "s4",
                "name": "Zendesk",
                "metadata": {"name": "Zendesk", "categories": ["Helpdesk"]},
            },
        ],
        destinations=[
            {
                "id": "d1",
                "name": "orphan",
                "enabled": True,
                "metadata": {"name": "Mixpanel"},
                "sourceId": "gone",
            },
            {"id": "d2", "name": "Label Only", "enabled": True, "sourceId": "s1"},
        ],
    )
    observation = await _collect(_emulator(data).transport())
    assert _edges(observation) == [
        ("Intercom", "source", "in"),  # categories unknown: counted as a cloud app
        # No catalog entry: the instance label is all there is.
        ("Label Only", "destination", "out"),
        ("Mixpanel", "destination", "out"),  # its source is not listed: kept, it is enabled
        ("Zendesk", "source", "in"),  # no enabled flag: not known to be disabled
    ]


async def test_rate_limit_then_success_gives_the_same_observation() -> None:
    expected = await _collect(_emulator().transport())
    emulator = _emulator()
    emulator.force_throttle = 1
    assert await _collect(emulator.transport()) == expected
    assert emulator.throttled == 1


async def test_rate_limit_that_never_ends_is_exhausted() -> None:
    emulator = _emulator()
    emulator.force_throttle = 1000
    with pytest.raises(RateLimitExhausted) as caught:
        await _collect(emulator.transport())
    assert caught.value.source == SOURCE


async def test_emulator_rate_limit_answer_is_segments() -> None:
    emulator = _emulator()
    emulator.force_throttle = 1
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url=SegmentPlugin.default_base_url
    ) as c:
        response = await c.get(
            "/users", params={"pagination.count": 2}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert response.status_code == 429
    [error] = response.json()["errors"]
    assert error["data"]["msBeforeNext"] >= 1
    assert (
        email.utils.parsedate_to_datetime(response.headers["X-RateLimit-Reset"]).tzinfo is not None
    )
    assert response.headers["X-RateLimit-Remaining"] == "0"


def _429(
    body: Any = None, headers: dict[str, str] | None = None, status: int = 429
) -> httpx.Response:
    content = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    return httpx.Response(status, content=content, headers=headers or {})


def test_rate_limit_wait_reads_segments_signals() -> None:
    plugin = _plugin()
    documented = {
        "errors": [
            {
                "type": "RequestError",
                "message": "Too many requests",
                "data": {"remainingPoints": 0, "msBeforeNext": 57647, "consumedPoints": 21},
            }
        ]
    }
    assert plugin.rate_limit_wait(_429(documented)) == pytest.approx(57.647)
    assert plugin.rate_limit_wait(_429(documented, status=200)) is None
    assert plugin.rate_limit_wait(_429(b"<html>busy</html>", {"Retry-After": "3"})) == 3.0
    reset = email.utils.formatdate(time.time() + 20, usegmt=True)
    assert 15 < plugin.rate_limit_wait(_429({"errors": []}, {"X-RateLimit-Reset": reset})) <= 20  # type: ignore[operator]
    assert plugin.rate_limit_wait(_429({"errors": [{"data": {"msBeforeNext": "soon"}}]})) == 0.0
    assert plugin.rate_limit_wait(_429(b"")) == 0.0


async def test_bad_token_is_an_authentication_error_naming_the_source() -> None:
    emulator = SegmentEmulator(testkit.sample_data(), token="the-real-one")
    with pytest.raises(AuthenticationError) as caught:
        await _collect(emulator.transport())
    assert caught.value.source == SOURCE
    assert SOURCE in str(caught.value)
    assert caught.value.status_code == 401
    assert caught.value.body == {"errors": [{"type": "unauthorized", "message": "Unauthorized"}]}
    assert TOKEN not in str(caught.value)


async def test_forbidden_is_an_authentication_error() -> None:
    body = {"errors": [{"type": "forbidden", "message": "Forbidden"}]}
    with pytest.raises(AuthenticationError):
        await _collect(_answering(_emulator(), "/destinations", body, status=403))


async def test_emulator_requires_pagination_count() -> None:
    emulator = _emulator()
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="https://api.segmentapis.com"
    ) as c:
        missing = await c.get("/sources", headers={"Authorization": f"Bearer {TOKEN}"})
        too_big = await c.get(
            "/sources",
            params={"pagination.count": 500},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert missing.status_code == 400 and too_big.status_code == 400
    assert missing.json()["errors"][0]["message"].startswith("pagination.count")


async def test_repeated_cursor_is_a_bad_response() -> None:
    emulator = _emulator()
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse) as caught:
        await _collect(emulator.transport())
    assert "loop" in caught.value.message
    assert caught.value.source == SOURCE


async def test_mounted_under_a_prefix() -> None:
    emulator = SegmentEmulator(testkit.sample_data(), token=TOKEN, prefix="/segment")
    plugin = _plugin(base_url="http://127.0.0.1:9/segment")
    async with build_client(plugin, transport=emulator.transport()) as client:
        observation = await plugin.collect(client, CollectContext(source=SOURCE, now=testkit.NOW))
    assert len(observation.apps[0].accounts or []) == 5
    assert all(p.startswith("/segment/") for _v, p in emulator.log)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/users", {"users": []}),  # no data envelope
        ("/users", {"data": {"users": [{"name": "no id"}]}}),
        ("/users", {"data": {"users": "everyone"}}),
        ("/sources", {"data": {"sources": [{"id": "s", "enabled": "perhaps"}]}}),
        ("/destinations", {"data": {"destinations": [], "pagination": {"next": 42}}}),
        ("/destinations", [1, 2, 3]),
    ],
)
async def test_unexpected_shapes_are_bad_responses(path: str, body: Any) -> None:
    with pytest.raises(BadResponse) as caught:
        await _collect(_answering(_emulator(), path, body))
    assert caught.value.source == SOURCE


async def test_invalid_json_is_a_bad_response() -> None:
    emulator = _emulator()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sources":
            return httpx.Response(200, content=b'{"data": {"sources": [')
        return emulator.handle(request)

    with pytest.raises(BadResponse):
        await _collect(httpx.MockTransport(handle))


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_item = st.fixed_dictionaries(
    {"id": st.text(max_size=4) | _json},
    optional={
        "email": _json,
        "name": _json,
        "enabled": _json,
        "sourceId": _json,
        "metadata": st.fixed_dictionaries({}, optional={"name": _json, "categories": _json})
        | _json,
    },
)
_list_key = st.sampled_from(["users", "sources", "destinations"])
_page = st.builds(
    lambda key, items, pagination: {"data": {key: items, "pagination": pagination}},
    _list_key,
    st.lists(_item, max_size=3) | _json,
    st.fixed_dictionaries({}, optional={"next": _json, "current": _json}) | _json,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(["/users", "/sources", "/destinations"]), body=_page | _json)
async def test_arbitrary_payloads_only_raise_typed_errors(path: str, body: Any) -> None:
    try:
        await _collect(_answering(_emulator(), path, body))
    except PluginError as exc:
        assert exc.source == SOURCE


def test_settings_reject_unknown_keys_and_keep_the_token_secret() -> None:
    model = SegmentPlugin.settings_model
    with pytest.raises(ValidationError):
        model.model_validate({**testkit.settings(TOKEN), "workspace": "x"})
    with pytest.raises(ValidationError):
        model.model_validate({"plugin": "segment"})
    with pytest.raises(ValidationError):
        model.model_validate({**testkit.settings(TOKEN), "page_size": 500})
    parsed = model.model_validate(testkit.settings(TOKEN))
    assert isinstance(parsed.token, SecretStr)
    assert TOKEN not in repr(parsed)
    assert SegmentPlugin.emulator() is SegmentEmulator
