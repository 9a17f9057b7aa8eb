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
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError
from stacktrack_segment import testkit
from stacktrack_segment.emulator import SegmentData, SegmentEmulator
from stacktrack_segment.plugin import SegmentPlugin

from stacktrack.errors import AuthenticationError, BadResponse, PluginError
from stacktrack.plugin_api import Observation
from stacktrack.testing.conformance import JSON_VALUES, Harness

TOKEN = "sgp_test-secret-token"
SOURCE = "cdp"


KIT = Harness(testkit, source=SOURCE, token=TOKEN, base_url=None)
_plugin = KIT.plugin
_collect = KIT.collect
_emulator = KIT.emulator
_answering = KIT.answering
_calls = KIT.calls


def _edges(observation: Observation) -> list[tuple[str, str, str]]:
    return [(i.app, i.kind, i.direction) for i in observation.apps[0].integrations or []]


async def test_sample_figures_match_the_hand_count() -> None:
    observation = await _collect(_emulator().transport())
    # the only note: deliveries cover 30 days of the 90-day lookback
    assert [n for n in observation.notes if "at most 30 days" not in n] == []
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
    delivered = {
        i.app: (i.use_count, i.last_used)
        for i in usage.integrations or []
        if i.kind == "destination"
    }
    assert delivered == testkit.DELIVERED
    assert all(i.last_used is None for i in usage.integrations or [] if i.kind == "source")


async def test_delivery_overview_is_asked_per_enabled_destination_within_30_days() -> None:
    emulator = _emulator()
    emulator.data.now = testkit.NOW
    observation = await _collect(emulator.transport())
    asked = _calls(emulator, "/delivery-overview/successful-delivery")
    # dHub1, dGa4, dSfdc, dHub2, dBraze: not Mailchimp (disabled) nor Amplitude (disabled source)
    assert sorted(p.split("destinationConfigId=")[1].split("&")[0] for p in asked) == sorted(
        ["dHub1", "dGa4", "dSfdc", "dHub2", "dBraze"]
    )
    assert all("granularity=DAY" in p and "startTime=2026-10-02T12" in p for p in asked)
    assert any("at most 30 days" in note for note in observation.notes)


async def test_delivery_overview_refused_leaves_destinations_unknown_with_a_note() -> None:
    data = testkit.sample_data()
    data.delivery_overview = False
    observation = await _collect(_emulator(data).transport())
    [usage] = observation.apps
    assert all(i.use_count is None and i.last_used is None for i in usage.integrations or [])
    assert any("Delivery Overview" in n and "live" in n for n in observation.notes)


async def test_emulator_refuses_a_day_window_past_30_days() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW
    emulator = _emulator(data)
    params = {
        "sourceId": "srcWeb",
        "destinationConfigId": "dHub1",
        "granularity": "DAY",
        "endTime": "2026-11-01T12:00:00Z",
    }
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="https://api.segmentapis.com"
    ) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        path = "/delivery-overview/successful-delivery"
        old = await client.get(
            path, params={**params, "startTime": "2026-09-01T12:00:00Z"}, headers=headers
        )
        ok = await client.get(
            path, params={**params, "startTime": "2026-10-02T12:00:00Z"}, headers=headers
        )
    assert old.status_code == 400
    assert ok.json()["data"]["total"] == 1000


async def test_a_free_workspace_is_a_note_naming_the_plans() -> None:
    data = testkit.sample_data()
    data.plan = "free"
    observation = await _collect(_emulator(data).transport())
    [usage] = observation.apps
    assert usage.accounts is None and usage.integrations is None
    [note] = observation.notes
    assert "Team or Business plan" in note


async def test_every_page_is_followed_with_the_documented_params() -> None:
    emulator = _emulator()
    await _collect(emulator.transport())
    assert len(_calls(emulator, "/users")) == 3  # 5 users, 2 per page
    assert len(_calls(emulator, "/sources")) == 3
    assert len(_calls(emulator, "/destinations")) == 4
    assert all("pagination.count=200" in p for _v, p in emulator.log if "delivery" not in p)
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


async def test_forbidden_is_a_note_not_a_failed_source() -> None:
    # Segment's 403 means a Free workspace (no Public API) or a role that cannot read the lists.
    body = {"errors": [{"type": "forbidden", "message": "Forbidden"}]}
    observation = await _collect(_answering(_emulator(), "/destinations", body, status=403))
    assert observation.apps[0].integrations is None
    assert "HTTP 403" in observation.notes[0]


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
    observation = await _collect(emulator.transport(), plugin=plugin)
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


_json = JSON_VALUES
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
