"""The ``google_workspace`` plugin against its emulator: figures worked out by hand from the test kit.

NOW = 2026-11-01 12:00 UTC, lookback 90 days, configured SKU Google-Apps/1010020028.

Workspace (app None): alice (login 2 days ago), bob (35), carol (epoch = never), dave (suspended,
100), erin (no lastLoginTime, holds another SKU), frank (archived, 200), grace (10), plus ivan, who holds
the SKU but is not in the Directory. Assigned: alice, bob, carol, grace, ivan.
SAML in the window: Salesforce -> alice (3; also 20), olga (8; not in the Directory: deactivated);
bob's failure does not count. HubSpot -> grace (5), dave (60, suspended), bob (4: a success next to a
failure in one activity). Canva's sign-ins are before the window or after NOW: no Canva app.
Token grants in the window: HubSpot alice 10 + bob 40 -> last 10, 2 users (alice's revoke at 9 is not
a grant); Zapier grace 2 and 1 -> last 1, 1 user; Jasper carol 70; an unnamed app by its client id (6).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError
from stacktrack_google_workspace import testkit
from stacktrack_google_workspace.emulator import GoogleWorkspaceEmulator
from stacktrack_google_workspace.plugin import GoogleWorkspacePlugin

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.plugin_api import AccountStatus, ActivityKind, Observation
from stacktrack.testing.conformance import JSON_VALUES, Harness, apps_by_name

TOKEN = "ya29.test-secret-access-token"
SOURCE = "gws"
BASE_URL = "https://admin.googleapis.test"
ALICE, BOB, CAROL, DAVE, ERIN, FRANK, GRACE = (
    testkit.USERS[key][0] for key in ("alice", "bob", "carol", "dave", "erin", "frank", "grace")
)
USERS_PATH = "/admin/directory/v1/users"
SAML_PATH = "/admin/reports/v1/activity/users/all/applications/saml"
TOKEN_PATH = "/admin/reports/v1/activity/users/all/applications/token"
ACTIVE_USERS = {ALICE, BOB, CAROL, ERIN, GRACE}
"""Not suspended or archived: the seats when no SKU is configured (or licensing is refused)."""
LICENSE_PATH = f"/apps/licensing/v1/product/{testkit.PRODUCT}/sku/{testkit.SKU}/users"


KIT = Harness(testkit, source=SOURCE, token=TOKEN, base_url=BASE_URL)
_plugin = KIT.plugin
_collect = KIT.collect
_emulator = KIT.emulator
_answering = KIT.answering
_calls = KIT.calls
_at = KIT.ago
_by_app = apps_by_name


def _google_error(status: int, reason: str) -> bytes:
    error = {"code": status, "message": "nope", "errors": [{"reason": reason, "domain": "global"}]}
    return json.dumps({"error": error}).encode()


async def test_sample_figures_match_the_hand_count() -> None:
    observation = await _collect(_emulator().transport())
    assert observation.notes == []
    apps = _by_app(observation)
    assert list(apps) == [None, "HubSpot", "Salesforce"]

    workspace = apps[None]
    accounts = {a.id: a for a in workspace.accounts or []}
    assert {k for k, a in accounts.items() if a.assigned} == {
        ALICE,
        BOB,
        CAROL,
        GRACE,
        "ivan@acme.example",
    }
    assert {k: a.last_active for k, a in accounts.items()} == {
        ALICE: _at(2),
        BOB: _at(35),
        CAROL: None,  # the Unix epoch means "never signed in"
        DAVE: _at(100),
        ERIN: None,
        FRANK: _at(200),
        GRACE: _at(10),
        "ivan@acme.example": None,
    }
    assert accounts[DAVE].status is AccountStatus.SUSPENDED
    assert accounts[FRANK].status is AccountStatus.DEACTIVATED
    assert accounts[ERIN].status is AccountStatus.ACTIVE and not accounts[ERIN].assigned
    assert accounts[GRACE].email == "grace@acme.example"
    assert accounts[ALICE].name == "Alice Doe"
    assert {a.activity_kind for a in workspace.accounts or [] if a.last_active} == {
        ActivityKind.LOGIN
    }
    assert workspace.activity_known is True
    assert workspace.seats_purchased is None
    # Never active among assigned: carol and ivan; active in 30 days: alice and grace.
    assigned = [a for a in workspace.accounts or [] if a.assigned]
    assert {a.id for a in assigned if a.last_active is None} == {CAROL, "ivan@acme.example"}
    window = testkit.NOW - dt.timedelta(days=30)
    assert {a.id for a in assigned if a.last_active and a.last_active >= window} == {ALICE, GRACE}

    assert [(i.app, i.kind, i.last_used, i.active_users) for i in workspace.integrations] == [
        ("444-anon.apps.googleusercontent.com", "oauth_token", _at(6), 1),
        ("HubSpot", "oauth_token", _at(10), 2),
        ("Jasper", "oauth_token", _at(70), 1),
        ("Zapier", "oauth_token", _at(1), 1),
    ]

    salesforce = {a.id: a for a in apps["Salesforce"].accounts}
    assert {k: (a.last_active, a.assigned, a.status) for k, a in salesforce.items()} == {
        ALICE: (_at(3), True, AccountStatus.ACTIVE),
        "olga@acme.example": (_at(8), False, AccountStatus.DEACTIVATED),
    }
    hubspot = {a.id: a for a in apps["HubSpot"].accounts}
    assert {k: (a.last_active, a.assigned) for k, a in hubspot.items()} == {
        BOB: (_at(4), True),
        DAVE: (_at(60), False),
        GRACE: (_at(5), True),
    }
    for app in ("Salesforce", "HubSpot"):
        usage = apps[app]
        assert usage.activity_known and usage.history_horizon_days == 90
        assert usage.integrations is None
        assert {a.activity_kind for a in usage.accounts} == {ActivityKind.SSO}


async def test_failures_and_revokes_never_count_even_unfiltered() -> None:
    # A server (or proxy) that ignores ``eventName`` must not turn failures into sign-ins.
    data = testkit.sample_data()
    mail = {key: value[1] for key, value in testkit.USERS.items()}
    only_failures = [
        testkit.activity(
            "saml", mail["bob"], _at(1), testkit.saml_event("Salesforce", "login_failure")
        ),
    ]
    only_revokes = [
        testkit.activity("token", mail["alice"], _at(9), testkit.token_event("HubSpot", "revoke")),
    ]
    pages = {
        SAML_PATH: json.dumps({"items": only_failures}).encode(),
        TOKEN_PATH: json.dumps({"items": only_revokes}).encode(),
    }
    emulator = _emulator(data)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path in pages:
            return httpx.Response(200, content=pages[request.url.path])
        return emulator.handle(request)

    observation = await _collect(httpx.MockTransport(handle))
    assert [u.app for u in observation.apps] == [None]
    assert observation.apps[0].integrations == []  # observed, none found


async def test_expected_assigned_agrees_with_the_plugin() -> None:
    observation = await _collect(_emulator().transport())
    seen = {u.app: {a.id for a in u.accounts or [] if a.assigned} for u in observation.apps}
    assert seen == testkit.expected_assigned(testkit.sample_data())


async def test_every_page_is_followed_with_the_documented_parameters() -> None:
    emulator = _emulator()
    await _collect(emulator.transport())

    users = _calls(emulator, USERS_PATH)
    assert len(users) == 4  # 7 users, 2 per page
    assert parse_qs(urlsplit(users[0]).query)["customer"] == ["my_customer"]
    assert all("pageToken=" in p for p in users[1:])

    saml = _calls(emulator, SAML_PATH)
    assert len(saml) == 3  # 6 activities with a login_success in the window
    query = parse_qs(urlsplit(saml[0]).query)
    assert query["eventName"] == ["login_success"]
    assert query["startTime"] == ["2026-08-03T12:00:00.000Z"]
    assert query["endTime"] == ["2026-11-01T12:00:00.000Z"]
    tokens = _calls(emulator, TOKEN_PATH)
    assert len(tokens) == 3  # 6 authorize activities
    assert parse_qs(urlsplit(tokens[0]).query)["eventName"] == ["authorize"]

    licences = _calls(emulator, LICENSE_PATH)
    assert len(licences) == 3  # 6 holders of the SKU
    # The customer id comes from the Directory users (``my_customer`` is uncertain for licensing).
    assert parse_qs(urlsplit(licences[0]).query)["customerId"] == [testkit.CUSTOMER]


async def test_without_configured_skus_every_active_user_holds_a_seat() -> None:
    emulator = _emulator()
    observation = await _collect(emulator.transport(), plugin=_plugin(license_skus=[]))
    workspace = _by_app(observation)[None]
    assert {a.id for a in workspace.accounts or [] if a.assigned} == ACTIVE_USERS
    assert not _calls(emulator, LICENSE_PATH)


async def test_customer_settings_are_sent() -> None:
    emulator = _emulator()
    plugin = _plugin(customer=testkit.CUSTOMER, customer_id="C0ELSEWHERE")
    with pytest.raises(PluginError) as caught:  # the emulator knows no such licensing customer
        await _collect(emulator.transport(), plugin=plugin)
    assert caught.value.status_code == 400
    assert parse_qs(urlsplit(_calls(emulator, USERS_PATH)[0]).query)["customer"] == [
        testkit.CUSTOMER
    ]
    assert "customerId=C0ELSEWHERE" in _calls(emulator, LICENSE_PATH)[0]


async def test_reports_window_never_reaches_past_googles_180_days() -> None:
    # A one-year active window: Reports refuses a startTime older than 180 days (400), which used
    # to fail the whole source; both queries now ask for 179 days and the source says so.
    data = testkit.sample_data()
    data.now = testkit.NOW
    emulator = _emulator(data)
    observation = await _collect(emulator.transport(), lookback_days=365)
    saml = parse_qs(urlsplit(_calls(emulator, SAML_PATH)[0]).query)
    tokens = parse_qs(urlsplit(_calls(emulator, TOKEN_PATH)[0]).query)
    assert saml["startTime"] == ["2026-05-06T12:00:00.000Z"]
    assert tokens["startTime"] == ["2026-05-06T12:00:00.000Z"]
    assert any("keeps 180 days" in note for note in observation.notes)
    saml_apps = [u for u in observation.apps if u.app is not None]
    assert saml_apps and all(u.history_horizon_days == 179 for u in saml_apps)


def _features(observation: Observation) -> dict[str, Any]:
    workspace = next(u for u in observation.apps if u.app is None)
    return {f.feature: f for f in workspace.features or []}


async def test_usage_report_gives_per_app_feature_use() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW
    emulator = _emulator(data)
    features = _features(await _collect(emulator.transport()))
    asked = [p for _v, p in emulator.log if "/usage/users/all/dates/" in p]
    assert asked[0].split("/dates/")[1].split("?")[0] == testkit.USAGE_DAY  # NOW - 3 days
    gmail, drive, docs = features["gmail"], features["drive"], features["docs"]
    # bob's epoch timestamp is "never"; carol's last interaction is 40 days old
    assert (gmail.active_users, gmail.events, gmail.window_days) == (1, 12, 30)
    assert gmail.last_used == _at(3) and gmail.users == [testkit.USERS["alice"][1]]
    assert (drive.active_users, drive.events, drive.window_days, drive.last_used) == (2, 3, 1, None)
    assert (docs.active_users, docs.events) == (0, None)  # observed: nobody used it
    assert "calendar" not in features  # not in the report: not observed
    # Every user's report is read; only apps with a `*_time` parameter look back a month, so
    # only they can say nobody used the app in the window.
    assert (gmail.every_user, drive.every_user) == (True, None)


async def test_usage_report_steps_back_while_google_says_not_available() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW
    data.usage_lag_days = 5  # after 10-27 nothing is ready (10-28, 10-29 warn); 10-27 is
    emulator = _emulator(data)
    features = _features(await _collect(emulator.transport()))
    asked = [p.split("/dates/")[1].split("?")[0] for _v, p in emulator.log if "/usage/" in p]
    assert asked == ["2026-10-29", "2026-10-28", testkit.OLDER_USAGE_DAY]
    assert features["gmail"].users == [testkit.USERS["bob"][1]]
    assert features["gmail"].events == 4


async def test_usage_report_never_ready_is_a_note() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW
    data.usage_lag_days = 30
    observation = await _collect(_emulator(data).transport())
    assert "gmail" not in _features(observation)
    assert any("usage reports had no data" in n for n in observation.notes)
    assert "gemini_in_workspace_apps" in _features(observation)  # the rest still observed


async def test_a_usage_date_google_refuses_is_a_note_not_a_failed_source() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW - dt.timedelta(days=10)  # the run's date is in Google's future
    observation = await _collect(_emulator(data).transport())
    assert "gmail" not in _features(observation)
    assert any("usage" in n and "HTTP 400" in n for n in observation.notes)
    assert observation.apps[0].accounts


async def test_gemini_use_per_user() -> None:
    emulator = _emulator()
    gemini = _features(await _collect(emulator.transport()))["gemini_in_workspace_apps"]
    assert (gemini.active_users, gemini.events, gemini.last_used) == (2, 4, _at(1))
    assert gemini.every_user is True  # the audit log holds every user's events
    assert gemini.users == sorted([testkit.USERS["alice"][1], testkit.USERS["grace"][1].lower()])
    asked = [p for _v, p in emulator.log if "gemini_in_workspace_apps" in p]
    assert asked and all("eventName=feature_utilization" in p for p in asked)


async def test_emulator_refuses_a_start_time_older_than_180_days() -> None:
    data = testkit.sample_data()
    data.now = testkit.NOW
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=_emulator(data).transport(), base_url=BASE_URL) as c:
        old = await c.get(SAML_PATH, params={"startTime": "2026-05-01T00:00:00Z"}, headers=headers)
        kept = await c.get(SAML_PATH, params={"startTime": "2026-05-06T00:00:00Z"}, headers=headers)
    assert old.status_code == 400
    assert old.json()["error"]["errors"][0]["reason"] == "invalid"
    assert kept.status_code == 200


async def test_default_hosts_are_google_admin_and_licensing() -> None:
    emulator = _emulator()
    hosts: set[str] = set()

    def handle(request: httpx.Request) -> httpx.Response:
        hosts.add(f"{request.url.host} {request.url.path.split('/')[1]}")
        return emulator.handle(request)

    raw = testkit.settings(TOKEN)
    plugin = GoogleWorkspacePlugin(SOURCE, GoogleWorkspacePlugin.settings_model.model_validate(raw))
    await _collect(httpx.MockTransport(handle), plugin=plugin)
    assert hosts == {"admin.googleapis.com admin", "licensing.googleapis.com apps"}


@pytest.mark.parametrize("status", [403, 429, 503])
async def test_rate_limit_then_success_gives_the_same_observation(status: int) -> None:
    expected = await _collect(_emulator().transport())
    emulator = _emulator()
    emulator.rate_limit_status = status
    emulator.force_throttle = 1
    assert await _collect(emulator.transport()) == expected
    assert emulator.throttled == 1


async def test_403_rate_limit_that_never_ends_is_exhausted() -> None:
    emulator = _emulator()
    emulator.force_throttle = 1000
    with pytest.raises(RateLimitExhausted) as caught:
        await _collect(emulator.transport())
    assert caught.value.source == SOURCE
    assert "403" in caught.value.message


def test_rate_limit_wait_reads_the_403_reason() -> None:
    plugin = _plugin()

    def wait(status: int, body: bytes, headers: dict[str, str] | None = None) -> float | None:
        return plugin.rate_limit_wait(httpx.Response(status, content=body, headers=headers))

    for reason in ("rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"):
        assert wait(403, _google_error(403, reason)) == 0.0
    assert wait(403, _google_error(403, "insufficientPermissions")) is None
    assert wait(403, b"not json") is None
    assert wait(429, b"{}") == 0.0
    assert wait(429, b"{}", {"Retry-After": "7"}) == 7.0
    assert wait(200, _google_error(403, "rateLimitExceeded")) is None


async def test_bad_token_is_an_authentication_error_naming_the_source() -> None:
    emulator = GoogleWorkspaceEmulator(testkit.sample_data(), token="the-real-one")
    with pytest.raises(AuthenticationError) as caught:
        await _collect(emulator.transport())
    assert caught.value.source == SOURCE
    assert SOURCE in str(caught.value)
    assert caught.value.status_code == 401
    assert caught.value.body["error"]["status"] == "UNAUTHENTICATED"
    assert caught.value.body["error"]["errors"][0]["reason"] == "authError"
    assert "expired" in caught.value.message  # access tokens are short-lived: say so
    assert TOKEN not in str(caught.value)


async def test_directory_refusal_fails_the_source() -> None:
    transport = _answering(_emulator(), USERS_PATH, _google_error(403, "forbidden"), status=403)
    with pytest.raises(AuthenticationError) as caught:
        await _collect(transport)
    assert "users.list" in caught.value.message
    assert "forbidden" in caught.value.message


async def test_reports_refusal_degrades_to_a_note() -> None:
    emulator = _emulator()

    def handle(request: httpx.Request) -> httpx.Response:
        if "/admin/reports/" in request.url.path:
            return httpx.Response(403, content=_google_error(403, "insufficientPermissions"))
        return emulator.handle(request)

    observation = await _collect(httpx.MockTransport(handle))
    assert [u.app for u in observation.apps] == [None]
    workspace = observation.apps[0]
    assert workspace.integrations is None  # not observed, which is not "none found"
    assert {a.id for a in workspace.accounts or [] if a.assigned} == testkit.expected_assigned(
        testkit.sample_data()
    )[None]
    assert workspace.features is None  # usage and Gemini refused too: unknown, not "none"
    assert len(observation.notes) == 4
    assert any("usage" in n and "suite feature use unknown" in n for n in observation.notes)
    assert any("Gemini" in n and "Gemini use unknown" in n for n in observation.notes)
    assert any(
        "saml" in n and "insufficientPermissions" in n and "SAML apps unknown" in n
        for n in observation.notes
    )
    assert any("token" in n and "integrations unknown" in n for n in observation.notes)


async def test_licensing_refusal_falls_back_to_active_users_with_a_note() -> None:
    transport = _answering(_emulator(), LICENSE_PATH, _google_error(403, "forbidden"), status=403)
    observation = await _collect(transport)
    workspace = _by_app(observation)[None]
    assert {a.id for a in workspace.accounts or [] if a.assigned} == ACTIVE_USERS
    assert len(observation.notes) == 1 and "License Manager" in observation.notes[0]


async def test_repeated_page_token_is_a_bad_response() -> None:
    emulator = _emulator()
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse) as caught:
        await _collect(emulator.transport())
    assert "loop" in caught.value.message


async def test_emulator_serves_under_a_mount_prefix() -> None:
    emulator = GoogleWorkspaceEmulator(
        testkit.sample_data(), token=TOKEN, prefix="/google_workspace"
    )
    plugin = _plugin(base_url="http://127.0.0.1:9/google_workspace")
    observation = await _collect(emulator.transport(), plugin=plugin)
    assert observation == await _collect(_emulator().transport())
    assert all(path.startswith("/google_workspace/") for _verb, path in emulator.log)


async def test_emulator_filters_activities() -> None:
    emulator = _emulator(page_size=100)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=emulator.transport(), base_url=BASE_URL) as client:
        failures = await client.get(
            SAML_PATH, params={"eventName": "login_failure"}, headers=headers
        )
        bad = await client.get(
            USERS_PATH, params={"customer": "my_customer", "maxResults": 501}, headers=headers
        )
    items = failures.json()["items"]
    assert len(items) == 2
    assert all(e["name"] == "login_failure" for item in items for e in item["events"])
    times = [item["id"]["time"] for item in items]
    assert times == sorted(times, reverse=True)  # newest first
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (USERS_PATH, ["not", "an", "object"]),
        (USERS_PATH, {"users": [{"primaryEmail": "no-id@acme.example"}]}),
        (USERS_PATH, {"users": [{"id": "1", "lastLoginTime": "yesterday"}]}),
        (USERS_PATH, {"users": [], "nextPageToken": 7}),
        (SAML_PATH, {"items": "many"}),
        (
            SAML_PATH,
            {"items": [{"id": {"time": "noon"}, "actor": {"email": "a@b.c"}, "events": []}]},
        ),
        (TOKEN_PATH, {"items": [{"events": [{"parameters": [{"name": "app_name", "value": 5}]}]}]}),
        (LICENSE_PATH, {"items": [{"userId": ["x"]}]}),
    ],
)
async def test_unexpected_shapes_are_bad_responses(path: str, body: Any) -> None:
    with pytest.raises(BadResponse) as caught:
        await _collect(_answering(_emulator(), path, json.dumps(body).encode()))
    assert caught.value.source == SOURCE


async def test_invalid_json_is_a_bad_response() -> None:
    with pytest.raises(BadResponse):
        await _collect(_answering(_emulator(), TOKEN_PATH, b'{"items": ['))


_json = JSON_VALUES
_activity = st.fixed_dictionaries(
    {},
    optional={
        "id": st.fixed_dictionaries({"time": st.just("2026-10-01T00:00:00.000Z") | _json}) | _json,
        "actor": st.fixed_dictionaries({"email": st.just("alice@acme.example") | _json}) | _json,
        "events": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["login_success", "authorize"]) | _json},
                optional={"parameters": _json},
            ),
            max_size=2,
        )
        | _json,
    },
)
_pages = st.fixed_dictionaries(
    {},
    optional={
        "items": st.lists(_activity, max_size=3) | _json,
        "users": st.lists(
            st.fixed_dictionaries(
                {"id": st.text(max_size=4) | _json},
                optional={"primaryEmail": _json, "lastLoginTime": _json, "suspended": _json},
            ),
            max_size=3,
        )
        | _json,
        "nextPageToken": _json,
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from([USERS_PATH, SAML_PATH, TOKEN_PATH, LICENSE_PATH]), body=_pages | _json)
async def test_arbitrary_payloads_only_raise_typed_errors(path: str, body: Any) -> None:
    try:
        await _collect(_answering(_emulator(), path, json.dumps(body).encode()))
    except PluginError as exc:
        assert exc.source == SOURCE


def test_settings_contract() -> None:
    model = GoogleWorkspacePlugin.settings_model
    with pytest.raises(ValidationError):
        model.model_validate({**testkit.settings(TOKEN), "tokne": "x"})
    with pytest.raises(ValidationError):
        model.model_validate(
            {**testkit.settings(TOKEN), "license_skus": [{"product_id": "p", "sku": "s"}]}
        )
    with pytest.raises(ValidationError):
        model.model_validate({"plugin": "google_workspace"})  # the token is required
    parsed = model.model_validate(testkit.settings(TOKEN))
    assert isinstance(parsed.token, SecretStr)
    assert TOKEN not in repr(parsed)
    assert parsed.customer == "my_customer"
    assert GoogleWorkspacePlugin.default_base_url == "https://admin.googleapis.com"
    assert GoogleWorkspacePlugin.reports_many_apps is True
    assert GoogleWorkspacePlugin.product == "google_workspace"
    assert GoogleWorkspacePlugin.emulator() is GoogleWorkspaceEmulator
