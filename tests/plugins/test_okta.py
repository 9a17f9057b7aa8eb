"""The ``okta`` plugin against its emulator: figures worked out by hand from ``testkit.sample_data``.

NOW = 2026-11-01 12:00 UTC, lookback 90 days. Apps: HubSpot (seatCount 25), Salesforce (siteURL
acme.my.salesforce.com), Jasper (no assignments), Canva (seatCount 0), Legacy Webinar (INACTIVE).

HubSpot assignments: alice ACTIVE, bob PROVISIONED, carol ACTIVE -> assigned; dave ACTIVE but his Okta
user is SUSPENDED; erin DEPROVISIONED; frank STAGED -> not assigned. Successful SSOs in the window:
alice 40 and 3 days ago -> 3; bob 50 (his failure 2 days ago does not count); carol only a failure ->
none; dave 20; frank only after NOW -> none.
Salesforce: alice ACTIVE (10 days), frank ACTIVE (5 days; his 200-day-old one is outside the window),
grace app-SUSPENDED (a CHALLENGE outcome only); heidi signed in 7 days ago without an assignment.
Canva: carol IMPLICIT -> assigned, never signed in. The inactive app, its SSO and an SSO to an app no
longer listed are ignored.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError
from stacktrack_okta import testkit
from stacktrack_okta.emulator import OktaEmulator
from stacktrack_okta.plugin import OktaPlugin

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.plugin_api import AccountStatus, ActivityKind
from stacktrack.testing.conformance import JSON_VALUES, Harness, apps_by_name

TOKEN = "00okta-test-secret-token"
SOURCE = "corp-okta"
BASE_URL = "https://acme.okta.test"
ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE, HEIDI = (
    testkit.USERS[key][0]
    for key in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
)


KIT = Harness(testkit, source=SOURCE, token=TOKEN, base_url=BASE_URL)
_plugin = KIT.plugin
_collect = KIT.collect
_emulator = KIT.emulator
_answering = KIT.answering
_calls = KIT.calls
_at = KIT.ago
_by_app = apps_by_name


async def test_sample_figures_match_the_hand_count() -> None:
    observation = await _collect(_emulator().transport())

    apps = _by_app(observation)
    assert list(apps) == ["HubSpot", "Salesforce", "Jasper", "Canva"]  # INACTIVE app skipped
    assert observation.notes == []
    hubspot, salesforce, jasper, canva = (
        apps[k] for k in ("HubSpot", "Salesforce", "Jasper", "Canva")
    )

    assert (hubspot.app_id, hubspot.aliases, hubspot.seats_purchased) == (
        testkit.HUBSPOT,
        ["hubspot"],
        25,
    )
    assert salesforce.aliases == ["salesforce", "acme.my.salesforce.com"]
    assert salesforce.seats_purchased is None
    assert canva.seats_purchased is None  # seatCount 0: never filled in, unknown
    assert all(u.activity_known and u.history_horizon_days == 90 for u in observation.apps)
    assert all(u.integrations is None for u in observation.apps)

    hub = {a.id: a for a in hubspot.accounts or []}
    assert {k for k, a in hub.items() if a.assigned} == {ALICE, BOB, CAROL}
    assert {k: a.last_active for k, a in hub.items()} == {
        ALICE: _at(3),
        BOB: _at(50),
        CAROL: None,
        DAVE: _at(20),
        ERIN: None,
        FRANK: None,
    }
    assert hub[DAVE].status is AccountStatus.SUSPENDED
    assert hub[ERIN].status is AccountStatus.DEACTIVATED
    assert hub[FRANK].status is AccountStatus.INVITED
    assert hub[CAROL].email == "carol@acme.example"  # from the embedded user, not the app profile

    sfdc = {a.id: a for a in salesforce.accounts}
    assert {k for k, a in sfdc.items() if a.assigned} == {ALICE, FRANK}
    assert {k: a.last_active for k, a in sfdc.items()} == {
        ALICE: _at(10),
        FRANK: _at(5),
        GRACE: None,
        HEIDI: _at(7),
    }
    assert sfdc[GRACE].status is AccountStatus.SUSPENDED
    assert sfdc[GRACE].email == "grace@acme.example"
    assert sfdc[HEIDI].email == "heidi@acme.example"  # from the System Log actor

    assert jasper.accounts == []  # listed, with nobody assigned: not unknown
    assert [(a.id, a.assigned, a.last_active) for a in canva.accounts] == [(CAROL, True, None)]

    kinds = {a.activity_kind for u in observation.apps for a in u.accounts or [] if a.last_active}
    assert kinds == {ActivityKind.SSO}
    assert all(
        a.activity_kind is None
        for u in observation.apps
        for a in u.accounts or []
        if not a.last_active
    )

    # Active in a 30-day window among HubSpot's assigned users: alice only; never active: carol.
    window = testkit.NOW - dt.timedelta(days=30)
    assigned = [a for a in hubspot.accounts or [] if a.assigned]
    assert {a.id for a in assigned if a.last_active and a.last_active >= window} == {ALICE}
    assert {a.id for a in assigned if a.last_active is None} == {CAROL}


async def test_expected_assigned_agrees_with_the_plugin() -> None:
    observation = await _collect(_emulator().transport())
    seen = {u.app: {a.id for a in u.accounts or [] if a.assigned} for u in observation.apps}
    assert seen == testkit.expected_assigned(testkit.sample_data())


async def test_every_page_is_followed_with_the_documented_parameters() -> None:
    emulator = _emulator()
    await _collect(emulator.transport())

    apps = _calls(emulator, "/api/v1/apps")
    assert len(apps) == 3  # 5 apps, 2 per page
    assert all("limit=200" in p for p in apps)
    hub_users = _calls(emulator, f"/api/v1/apps/{testkit.HUBSPOT}/users")
    assert len(hub_users) == 3
    assert all(parse_qs(urlsplit(p).query)["expand"] == ["user"] for p in hub_users)
    assert not _calls(emulator, f"/api/v1/apps/{testkit.WEBINAR}/users")  # inactive: not read

    logs = _calls(emulator, "/api/v1/logs")
    # 12 SSO events (3 of them failed) fall in [NOW-90d, NOW): six pages of two.
    assert len(logs) == 6
    first = parse_qs(urlsplit(logs[0]).query)
    assert first["filter"] == ['eventType eq "user.authentication.sso"']
    assert first["since"] == ["2026-08-03T12:00:00.000Z"]
    assert first["until"] == ["2026-11-01T12:00:00.000Z"]
    assert all("after=" in p for p in logs[1:])


async def test_lookback_narrows_the_window() -> None:
    observation = await _collect(_emulator().transport(), lookback_days=30)
    hub = {a.id: a for a in _by_app(observation)["HubSpot"].accounts}
    assert hub[ALICE].last_active == _at(3)
    assert hub[BOB].last_active is None  # his only success is 50 days old
    assert all(u.history_horizon_days == 30 for u in observation.apps)


async def test_long_lookback_asks_only_what_okta_keeps_and_says_so() -> None:
    # A tool with a one-year active window: Okta refuses a since over 180 days back (400 E0000053)
    # and keeps 90 days, so the plugin asks for 90 and states the horizon instead of failing.
    data = testkit.sample_data()
    data.now = testkit.NOW
    emulator = _emulator(data)
    observation = await _collect(emulator.transport(), lookback_days=365)
    since = parse_qs(urlsplit(_calls(emulator, "/api/v1/logs")[0]).query)["since"][0]
    assert since == "2026-08-03T12:00:00.000Z"  # NOW - 90 days
    assert all(u.history_horizon_days == 90 for u in observation.apps)
    assert any("90 days of System Log" in note for note in observation.notes)
    hub = {a.id: a for a in _by_app(observation)["HubSpot"].accounts}
    assert hub[BOB].last_active == _at(50)


async def test_default_lookback_has_no_horizon_note() -> None:
    observation = await _collect(_emulator().transport())
    assert observation.notes == []


async def test_emulator_refuses_a_since_over_180_days_back_as_okta_does() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW
    headers = {"Authorization": f"SSWS {TOKEN}"}
    async with httpx.AsyncClient(transport=_emulator(data).transport(), base_url=BASE_URL) as c:
        old = await c.get(
            "/api/v1/logs", params={"since": "2026-05-01T00:00:00.000Z"}, headers=headers
        )
        edge = await c.get(
            "/api/v1/logs", params={"since": "2026-05-06T00:00:00.000Z"}, headers=headers
        )
    assert old.status_code == 400
    assert old.json()["errorCode"] == "E0000053"
    assert edge.status_code == 200


async def test_emulator_never_returns_events_older_than_90_days() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW
    headers = {"Authorization": f"SSWS {TOKEN}"}
    emulator = _emulator(data, page_size=1000)
    async with httpx.AsyncClient(transport=emulator.transport(), base_url=BASE_URL) as client:
        answer = await client.get(
            "/api/v1/logs",
            params={"since": "2026-05-06T00:00:00.000Z", "limit": 1000},
            headers=headers,
        )
    published = [
        dt.datetime.fromisoformat(e["published"].replace("Z", "+00:00")) for e in answer.json()
    ]
    assert published
    assert min(published) >= testkit.NOW - dt.timedelta(days=90)
    # the sample holds older events (frank's 200-day-old sign-in), so the cut did something
    assert any(
        dt.datetime.fromisoformat(e["published"].replace("Z", "+00:00"))
        < testkit.NOW - dt.timedelta(days=90)
        for e in data.logs
    )


async def test_assigned_statuses_setting() -> None:
    plugin = _plugin(assigned_statuses=["ACTIVE", "STAGED"])
    observation = await _collect(_emulator().transport(), plugin=plugin)
    hub = {a.id for a in _by_app(observation)["HubSpot"].accounts if a.assigned}
    assert hub == {ALICE, CAROL, FRANK}  # bob is PROVISIONED, no longer a holding status


async def test_failed_outcomes_never_count_even_unfiltered() -> None:
    # Whatever the server's filter does, only SUCCESS is a sign-in.
    data = testkit.sample_data()
    for event in data.logs:
        event["outcome"]["result"] = "FAILURE"
    observation = await _collect(_emulator(data).transport())
    assert all(a.last_active is None for u in observation.apps for a in u.accounts or [])
    assert HEIDI not in {a.id for u in observation.apps for a in u.accounts or []}


async def test_rate_limit_that_never_ends_is_exhausted() -> None:
    emulator = _emulator()
    emulator.force_throttle = 1000
    with pytest.raises(RateLimitExhausted) as caught:
        await _collect(emulator.transport())
    assert caught.value.source == SOURCE
    assert caught.value.body["errorCode"] == "E0000047"


def _response(status: int, headers: list[tuple[str, str]]) -> httpx.Response:
    return httpx.Response(status, headers=headers, content=b"{}")


def test_wait_is_reset_minus_server_date_plus_one() -> None:
    plugin = _plugin()
    date = 1_790_000_000
    http_date = email.utils.formatdate(date, usegmt=True)
    assert plugin.rate_limit_wait(
        _response(429, [("X-Rate-Limit-Reset", str(date + 7)), ("Date", http_date)])
    ) == pytest.approx(8.0)
    # Several reset headers: the earliest one.
    assert plugin.rate_limit_wait(
        _response(
            429,
            [
                ("X-Rate-Limit-Reset", str(date + 30)),
                ("X-Rate-Limit-Reset", str(date + 3)),
                ("Date", http_date),
            ],
        )
    ) == pytest.approx(4.0)
    # A reset already passed: retry after the one-second margin.
    assert plugin.rate_limit_wait(
        _response(429, [("X-Rate-Limit-Reset", str(date - 5)), ("Date", http_date)])
    ) == pytest.approx(1.0)
    # No reset header: "rate-limited, no hint" -> the core's exponential backoff.
    assert plugin.rate_limit_wait(_response(429, [])) == 0.0
    # Not a 429: not a rate limit, whatever the headers say.
    assert plugin.rate_limit_wait(_response(200, [("X-Rate-Limit-Reset", str(date + 7))])) is None
    assert plugin.rate_limit_wait(_response(503, [])) is None


async def test_emulator_rate_limit_answer_is_oktas() -> None:
    emulator = _emulator()
    emulator.force_throttle = 1
    async with httpx.AsyncClient(transport=emulator.transport(), base_url=BASE_URL) as client:
        response = await client.get("/api/v1/apps", headers={"Authorization": f"SSWS {TOKEN}"})
    assert response.status_code == 429
    assert response.json()["errorCode"] == "E0000047"
    assert response.headers["X-Rate-Limit-Remaining"] == "0"
    wait = _plugin().rate_limit_wait(response)
    assert wait is not None and 1.0 <= wait <= 3.0


async def test_bad_token_is_an_authentication_error_naming_the_source() -> None:
    emulator = OktaEmulator(testkit.sample_data(), token="the-real-one")
    with pytest.raises(AuthenticationError) as caught:
        await _collect(emulator.transport())
    assert caught.value.source == SOURCE
    assert SOURCE in str(caught.value)
    assert caught.value.status_code == 401
    assert caught.value.body["errorCode"] == "E0000011"
    assert TOKEN not in str(caught.value)


async def test_emulator_wants_ssws_not_bearer() -> None:
    emulator = _emulator()
    async with httpx.AsyncClient(transport=emulator.transport(), base_url=BASE_URL) as client:
        bearer = await client.get("/api/v1/apps", headers={"Authorization": f"Bearer {TOKEN}"})
        ssws = await client.get("/api/v1/apps", headers={"Authorization": f"SSWS {TOKEN}"})
    assert bearer.status_code == 401
    assert set(bearer.json()) == {
        "errorCode",
        "errorSummary",
        "errorLink",
        "errorId",
        "errorCauses",
    }
    assert ssws.status_code == 200
    assert 'rel="next"' in ssws.headers["Link"]
    assert ssws.headers["Link"].startswith(f"<{BASE_URL}/api/v1/apps?")


async def test_emulator_links_carry_the_mount_prefix() -> None:
    emulator = OktaEmulator(testkit.sample_data(), token=TOKEN, prefix="/okta")
    plugin = _plugin(base_url="http://127.0.0.1:9/okta")
    observation = await _collect(emulator.transport(), plugin=plugin)
    assert [u.app for u in observation.apps] == ["HubSpot", "Salesforce", "Jasper", "Canva"]
    assert all(path.startswith("/okta/api/v1/") for _verb, path in emulator.log)


async def test_emulator_filters_the_system_log() -> None:
    emulator = _emulator(page_size=100)
    headers = {"Authorization": f"SSWS {TOKEN}"}
    async with httpx.AsyncClient(transport=emulator.transport(), base_url=BASE_URL) as client:
        both = await client.get(
            "/api/v1/logs",
            params={
                "filter": 'eventType eq "user.authentication.sso" and outcome.result eq "SUCCESS"',
                "since": "2026-10-01T00:00:00.000Z",
                "until": "2026-11-01T12:00:00.000Z",
            },
            headers=headers,
        )
        bad = await client.get(
            "/api/v1/logs", params={"filter": "eventType sw 'user'"}, headers=headers
        )
    events = both.json()
    assert {e["outcome"]["result"] for e in events} == {"SUCCESS"}
    # dave 20, alice 10, heidi 7, bob 6 (deleted app), frank 5, alice 4 (inactive app), alice 3
    assert len(events) == 7
    assert bad.status_code == 400


async def test_repeated_link_is_a_bad_response() -> None:
    emulator = _emulator()
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse) as caught:
        await _collect(emulator.transport())
    assert "loop" in caught.value.message


async def test_empty_log_page_ends_the_listing_even_with_a_next_link() -> None:
    emulator = _emulator()
    calls: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/logs":
            calls.append(str(request.url))
            link = f'<{BASE_URL}/api/v1/logs?after=page{len(calls)}>; rel="next"'
            return httpx.Response(200, json=[], headers={"Link": link})
        return emulator.handle(request)

    observation = await _collect(httpx.MockTransport(handle))
    assert len(calls) == 1
    assert all(a.last_active is None for u in observation.apps for a in u.accounts or [])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/apps", {"not": "a list"}),
        ("/api/v1/apps", [{"label": "no id"}]),
        ("/api/v1/apps", [{"id": "0oa1", "licensing": {"seatCount": "many"}}]),
        (f"/api/v1/apps/{testkit.HUBSPOT}/users", [{"status": "ACTIVE"}]),
        (f"/api/v1/apps/{testkit.HUBSPOT}/users", [{"id": "00u1", "_embedded": "user"}]),
        ("/api/v1/logs", [{"eventType": "user.authentication.sso", "target": "app"}]),
        (
            "/api/v1/logs",
            [
                {
                    "eventType": "user.authentication.sso",
                    "published": "last tuesday",
                    "outcome": {"result": "SUCCESS"},
                    "actor": {"id": ALICE},
                    "target": [{"id": testkit.HUBSPOT, "type": "AppInstance"}],
                }
            ],
        ),
    ],
)
async def test_unexpected_shapes_are_bad_responses(path: str, body: Any) -> None:
    with pytest.raises(BadResponse) as caught:
        await _collect(_answering(_emulator(), path, json.dumps(body).encode()))
    assert caught.value.source == SOURCE


async def test_invalid_json_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        await _collect(_answering(_emulator(), "/api/v1/logs", b'[{"uuid": '))


async def test_server_error_after_retries_is_a_plugin_error() -> None:
    with pytest.raises(PluginError) as caught:
        await _collect(_answering(_emulator(), "/api/v1/apps", b"{}", status=500))
    assert caught.value.status_code == 500


_json = JSON_VALUES
_events = st.lists(
    st.fixed_dictionaries(
        {"eventType": st.just("user.authentication.sso") | _json},
        optional={
            "published": st.just("2026-10-01T00:00:00.000Z") | _json,
            "outcome": st.fixed_dictionaries({"result": st.just("SUCCESS") | _json}) | _json,
            "actor": st.fixed_dictionaries({"id": st.just(ALICE) | _json}) | _json,
            "target": st.lists(
                st.fixed_dictionaries(
                    {"id": st.just(testkit.HUBSPOT) | _json, "type": st.just("AppInstance") | _json}
                ),
                max_size=2,
            )
            | _json,
        },
    ),
    max_size=3,
)
_assignments = st.lists(
    st.fixed_dictionaries(
        {"id": st.just(ALICE) | _json},
        optional={"status": _json, "_embedded": _json, "profile": _json, "credentials": _json},
    ),
    max_size=3,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["/api/v1/apps", "/api/v1/logs", f"/api/v1/apps/{testkit.HUBSPOT}/users"]),
    body=_events | _assignments | _json,
)
async def test_arbitrary_payloads_only_raise_typed_errors(path: str, body: Any) -> None:
    try:
        await _collect(_answering(_emulator(), path, json.dumps(body).encode()))
    except PluginError as exc:
        assert exc.source == SOURCE


def test_settings_contract() -> None:
    model = OktaPlugin.settings_model
    with pytest.raises(ValidationError):
        model.model_validate({**testkit.settings(TOKEN), "base_url": BASE_URL, "tokne": "x"})
    with pytest.raises(ValidationError):
        model.model_validate(testkit.settings(TOKEN))  # the org URL is required: no default host
    with pytest.raises(ValidationError):
        model.model_validate({"plugin": "okta", "base_url": BASE_URL})  # the token is required
    parsed = model.model_validate({**testkit.settings(TOKEN), "base_url": BASE_URL})
    assert isinstance(parsed.token, SecretStr)
    assert TOKEN not in repr(parsed)
    assert OktaPlugin.default_base_url is None
    assert OktaPlugin.reports_many_apps is True
    assert OktaPlugin.emulator() is OktaEmulator
    assert TOKEN not in repr(_plugin().auth())
    assert _plugin().secrets() == [TOKEN]
