"""The ``slack`` plugin against its emulator: figures worked out by hand from
``testkit.sample_data``.

NOW = 2026-11-01 12:00 UTC. Humans: U01 alice, U02 bob, U03 carol, U04 dave (guest), U05 erin
(guest), U06 frank (deleted), U09 grace, U10 heidi; B07 (bot), USLACKBOT, U08 (app user) are not
people. Latest logins: alice 3 days ago (two rows: 3 and 40), bob 45, dave 10, frank 20, grace 5
(her newer row ends after NOW, so its date_first counts), heidi only after NOW (cut by ``before``),
the rest none. billing_active: alice, bob, dave, grace -> 4. Integration logs: HubSpot added;
Jasper added then removed; Google Calendar enabled, disabled, enabled; Airbrake only disabled;
Salesforce only updated.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError
from stacktrack_slack import analytics, testkit
from stacktrack_slack.emulator import SlackEmulator
from stacktrack_slack.plugin import FEATURES_NOTE, SlackPlugin

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.plugin_api import AccountStatus, ActivityKind, Observation
from stacktrack.testing.conformance import JSON_VALUES, Harness, conformance_suite

TOKEN = "xoxp-test-secret-token"
SOURCE = "team-slack"


KIT = Harness(testkit, source=SOURCE, token=TOKEN, base_url=None)
_plugin = KIT.plugin
_collect = KIT.collect
_emulator = KIT.emulator
_answering = KIT.answering
_calls = KIT.calls


def _notes(observation: Observation) -> list[str]:
    """The notes besides the one a run below Enterprise Grid carries (feature usage)."""
    return [note for note in observation.notes if not note.startswith(FEATURES_NOTE)]


async def test_features_are_unknown_below_grid_with_a_note_never_zeros() -> None:
    emulator = _emulator()
    observation = await _collect(emulator.transport())
    assert observation.apps[0].features is None
    assert f"{FEATURES_NOTE} (Slack answered missing_scope)" in observation.notes
    assert "not exposed below Enterprise Grid" in FEATURES_NOTE
    # One refusal is the org's answer: no day after it is asked.
    assert len(_calls(emulator, "admin.analytics.getFile")) == 1


async def test_a_token_with_the_scope_below_grid_is_still_refused_with_the_note() -> None:
    data = testkit.sample_data()
    data.scopes = (*data.scopes, "admin.analytics:read")
    observation = await _collect(_emulator(data).transport())
    assert observation.apps[0].features is None
    assert f"{FEATURES_NOTE} (Slack answered not_allowed_token_type)" in observation.notes


def _grid_features(observation: Observation) -> dict[str, Any]:
    return {f.feature: f for f in observation.apps[0].features or []}


async def test_grid_member_analytics_become_feature_use() -> None:
    emulator = _emulator(testkit.grid_data())
    observation = await _collect(emulator.transport(), lookback_days=31)
    assert _notes(observation) == observation.notes == []
    found = _grid_features(observation)
    got = {
        column: (
            f.active_users,
            f.events,
            -1 if f.last_used is None else (testkit.NOW.date() - f.last_used.date()).days,
        )
        for column, f in found.items()
    }
    assert got == testkit.GRID_FEATURES
    assert found["is_active_slack_connect"].users == ["grace@acme.example"]
    assert all(f.window_days == 31 and f.every_user is True for f in found.values())
    dates = [p.split("date=")[1][:10] for p in _calls(emulator, "admin.analytics.getFile")]
    assert dates[0] == "2026-10-31" and len(dates) == 31 == len(set(dates))  # yesterday back
    assert all("type=member" in p for p in _calls(emulator, "admin.analytics.getFile"))


async def test_grid_analytics_shorter_than_the_window_say_so() -> None:
    observation = await _collect(_emulator(testkit.grid_data()).transport(), lookback_days=90)
    found = _grid_features(observation)
    assert all(f.window_days == 31 and f.every_user is None for f in found.values())
    assert any("read 31 days" in n and "90-day window" in n for n in observation.notes)


async def test_days_without_a_file_yet_are_a_note_and_the_rest_count() -> None:
    data = testkit.grid_data()
    data.analytics_lag_days = 2  # yesterday has no file yet: alice's huddle goes unseen
    observation = await _collect(_emulator(data).transport(), lookback_days=31)
    found = _grid_features(observation)
    assert (found["slack_huddles_count"].active_users, found["slack_huddles_count"].events) == (
        0,
        0,
    )
    assert found["messages_posted_count"].users == ["alice@acme.example", "grace@acme.example"]
    assert all(f.every_user is None and f.window_days == 30 for f in found.values())
    assert any("1 of 31 days (file_not_yet_available x1)" in n for n in observation.notes)


async def test_a_value_of_another_type_says_nothing_about_that_member() -> None:
    data = testkit.grid_data()
    data.member_analytics[testkit._day(10)][0]["is_active_slack_connect"] = "sometimes"
    data.member_analytics[testkit._day(2)][0]["search_count"] = -4
    found = _grid_features(await _collect(_emulator(data).transport(), lookback_days=31))
    assert found["is_active_slack_connect"].active_users == 0  # the other lines said "no"
    assert found["search_count"].events == 0


async def test_a_column_no_line_carries_is_not_reported() -> None:
    data = testkit.grid_data()
    for lines in data.member_analytics.values():
        for line in lines:
            line.pop("is_active_workflows")
    found = _grid_features(await _collect(_emulator(data).transport(), lookback_days=31))
    assert "is_active_workflows" not in found and "is_active_apps" in found


async def test_an_unreadable_member_file_is_a_bad_response() -> None:
    emulator = _emulator(testkit.grid_data())
    for body in (b"\x1f\x8bnot gzip at all", gzip.compress(b"{not json\n")):
        with pytest.raises(BadResponse):
            await _collect(_answering(emulator, "admin.analytics.getFile", body))


async def test_a_member_file_past_the_size_cap_is_refused_not_inflated() -> None:
    bomb = gzip.compress(b" " * (analytics.MAX_FILE_BYTES + 10))
    assert isinstance(analytics.read_member_file(bomb), analytics.Unreadable)


async def test_emulator_keeps_13_months_and_wants_a_member_type() -> None:
    emulator = _emulator(testkit.grid_data())
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(transport=emulator.transport(), base_url="https://s.test") as c:
        old = await c.get("/admin.analytics.getFile?type=member&date=2025-09-01", headers=headers)
        kind = await c.get("/admin.analytics.getFile?type=channel&date=2026-10-30", headers=headers)
        ok = await c.get("/admin.analytics.getFile?type=member&date=2026-10-31", headers=headers)
    assert old.json() == {"ok": False, "error": "data_not_available"}
    assert kind.json()["ok"] is False
    assert ok.headers["content-type"] == "application/gzip"
    assert [json.loads(line)["user_id"] for line in gzip.decompress(ok.content).splitlines()] == [
        "U01ALICE",
        "U02BOB",
    ]


def _at(days_ago: int) -> dt.datetime:
    return testkit.NOW - dt.timedelta(days=days_ago)


async def test_sample_figures_match_the_hand_count() -> None:
    observation = await _collect(_emulator().transport())

    assert _notes(observation) == []
    [usage] = observation.apps
    assert usage.app is None
    accounts = {account.id: account for account in usage.accounts or []}
    assert set(accounts) == {
        "U01ALICE",
        "U02BOB",
        "U03CAROL",
        "U04DAVE",
        "U05ERIN",
        "U06FRANK",
        "U09GRACE",
        "U10HEIDI",
    }
    assigned = {key for key, account in accounts.items() if account.assigned}
    assert assigned == testkit.expected_assigned(testkit.sample_data())[None]
    assert assigned == set(accounts) - {"U06FRANK"}
    assert {key for key, account in accounts.items() if account.guest} == {"U04DAVE", "U05ERIN"}
    assert accounts["U06FRANK"].status is AccountStatus.DEACTIVATED
    assert accounts["U09GRACE"].email == "grace@acme.example"
    assert accounts["U10HEIDI"].email is None

    assert usage.activity_known is True
    last = {key: account.last_active for key, account in accounts.items()}
    assert last == {
        "U01ALICE": _at(3),
        "U02BOB": _at(45),
        "U03CAROL": None,
        "U04DAVE": _at(10),
        "U05ERIN": None,
        "U06FRANK": _at(20),
        "U09GRACE": _at(5),
        "U10HEIDI": None,
    }
    kinds = {account.activity_kind for account in accounts.values() if account.last_active}
    assert kinds == {ActivityKind.LOGIN}
    # Active in 30 days among assigned: alice, dave, grace.
    window = testkit.NOW - dt.timedelta(days=30)
    active = {k for k in assigned if last[k] is not None and last[k] >= window}  # type: ignore[operator]
    assert active == {"U01ALICE", "U04DAVE", "U09GRACE"}

    assert usage.seats_used == 4
    assert usage.seats_purchased is None  # Slack has no purchased-seat count
    assert [(i.app, i.kind, i.last_used) for i in usage.integrations or []] == [
        ("Google Calendar", "slack_app", None),
        ("HubSpot", "slack_app", None),
        ("Salesforce", "slack_app", None),
    ]


async def test_every_page_is_followed_and_before_is_the_run_clock() -> None:
    emulator = _emulator()
    await _collect(emulator.transport())
    data = testkit.sample_data()
    assert len(_calls(emulator, "users.list")) == -(-len(data.members) // emulator.page_size) > 1
    assert len(_calls(emulator, "team.billableInfo")) == 4
    access = _calls(emulator, "team.accessLogs")
    assert len(access) == 4  # 8 rows begin by NOW, 2 per page
    assert all(f"before={int(testkit.NOW.timestamp())}" in path for path in access)
    assert [p for p in access if "page=4" in p]
    assert len(_calls(emulator, "team.integrationLogs")) == 4


async def test_ok_false_ratelimited_once_is_retried() -> None:
    emulator = _emulator()
    answered: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/team.accessLogs") and not answered:
            answered.append(request.url.path)
            return httpx.Response(200, json={"ok": False, "error": "ratelimited"})
        return emulator.handle(request)

    observation = await _collect(httpx.MockTransport(handle))
    assert answered
    assert observation == await _collect(_emulator().transport())


async def test_emulator_rate_limit_answer_is_slacks() -> None:
    emulator = _emulator()
    emulator.force_throttle = 1
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="https://slack.com/api"
    ) as c:
        response = await c.get("/users.list", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json() == {"ok": False, "error": "ratelimited"}


async def test_bad_token_is_an_authentication_error_naming_the_source() -> None:
    emulator = SlackEmulator(testkit.sample_data(), token="the-real-one")
    with pytest.raises(AuthenticationError) as caught:
        await _collect(emulator.transport())
    assert caught.value.source == SOURCE
    assert SOURCE in str(caught.value)
    assert "invalid_auth" in caught.value.message
    assert TOKEN not in str(caught.value)


async def test_emulator_answers_bad_tokens_like_slack() -> None:
    emulator = _emulator()
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="https://slack.com/api"
    ) as c:
        missing = await c.get("/users.list")
        wrong = await c.get("/users.list", headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, missing.json()) == (200, {"ok": False, "error": "not_authed"})
    assert (wrong.status_code, wrong.json()) == (200, {"ok": False, "error": "invalid_auth"})


@pytest.mark.parametrize(
    ("method", "error", "raised"),
    [
        ("users.list", "token_revoked", AuthenticationError),
        ("users.list", "not_authed", AuthenticationError),
        ("team.accessLogs", "invalid_auth", AuthenticationError),
        ("users.list", "ratelimited", RateLimitExhausted),
        ("team.integrationLogs", "ratelimited", RateLimitExhausted),
        ("users.list", "team_not_found", PluginError),
        ("team.billableInfo", "fatal_error", PluginError),
    ],
)
async def test_ok_false_codes_map_to_typed_errors(method: str, error: str, raised: type) -> None:
    transport = _answering(_emulator(), method, {"ok": False, "error": error})
    with pytest.raises(PluginError) as caught:
        await _collect(transport)
    assert type(caught.value) is raised
    assert caught.value.source == SOURCE
    assert error in caught.value.message


async def test_members_need_users_read() -> None:
    data = testkit.sample_data()
    data.scopes = ("admin",)
    with pytest.raises(AuthenticationError) as caught:
        await _collect(_emulator(data).transport())
    assert "users.list" in caught.value.message
    assert "users:read" in caught.value.message


async def test_without_admin_scope_members_are_still_reported() -> None:
    data = testkit.sample_data()
    data.scopes = ("users:read", "users:read.email")
    observation = await _collect(_emulator(data).transport())
    [usage] = observation.apps
    assert usage.accounts is not None
    assert {a.id for a in usage.accounts if a.assigned} == testkit.expected_assigned(data)[None]
    assert usage.activity_known is False
    assert all(a.last_active is None for a in usage.accounts)
    assert usage.seats_used is None
    assert usage.integrations is None  # not observed, which is not "none found"
    assert len(_notes(observation)) == 3
    for method in ("team.billableInfo", "team.accessLogs", "team.integrationLogs"):
        assert any(method in note and "missing_scope" in note for note in _notes(observation))


async def test_access_logs_on_a_free_plan_degrade_to_activity_unknown() -> None:
    data = testkit.sample_data()
    data.plan = "free"
    observation = await _collect(_emulator(data).transport())
    [usage] = observation.apps
    assert usage.activity_known is False
    assert all(a.last_active is None and a.activity_kind is None for a in usage.accounts or [])
    assert [
        note for note in _notes(observation) if "paid_only" in note and "activity unknown" in note
    ]
    assert usage.integrations is not None and usage.seats_used == 4


async def test_bot_token_degrades_like_a_missing_scope() -> None:
    body = {"ok": False, "error": "not_allowed_token_type"}
    observation = await _collect(_answering(_emulator(), "team.integrationLogs", body))
    [usage] = observation.apps
    assert usage.integrations is None
    assert usage.activity_known is True
    assert _notes(observation) == [
        "Slack refused team.integrationLogs (not_allowed_token_type): needs a user token (xoxp-) "
        "of a workspace admin: integrations unknown"
    ]


async def test_same_second_changes_follow_the_newest_first_order() -> None:
    data = testkit.sample_data()
    stamp = str(testkit.ago(10))
    row = {"app_id": "A09COPY", "app_type": "Copy.ai", "date": stamp}
    # Newest first: removed, then (older, same second) added.
    data.integration_logs = [{**row, "change_type": "removed"}, {**row, "change_type": "added"}]
    observation = await _collect(_emulator(data).transport())
    assert observation.apps[0].integrations == []


async def test_repeated_cursor_is_a_bad_response() -> None:
    emulator = _emulator()
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse) as caught:
        await _collect(emulator.transport())
    assert "loop" in caught.value.message


async def test_repeated_page_of_a_page_count_log_is_a_bad_response() -> None:
    # Members and billable info fit on one page, so only the page/count logs can repeat.
    data = testkit.sample_data()
    data.members = data.members[:2]
    data.billable_info = {key: data.billable_info[key] for key in ("U01ALICE", "U02BOB")}
    emulator = _emulator(data)
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse) as caught:
        await _collect(emulator.transport())
    assert "loop" in caught.value.message
    assert "Logs" in caught.value.message


async def test_max_log_pages_stops_early_with_a_note() -> None:
    emulator = _emulator()
    observation = await _collect(emulator.transport(), plugin=_plugin(max_log_pages=1))
    assert len(_calls(emulator, "team.accessLogs")) == 1
    assert len(_calls(emulator, "team.integrationLogs")) == 1
    assert len(_notes(observation)) == 2
    assert all("max_log_pages" in note for note in _notes(observation))
    accounts = {a.id: a for a in observation.apps[0].accounts or []}
    # Newest first by date_first: the first page holds the bot's row and grace's newer row (its
    # date_last is after NOW, so its date_first counts); alice's rows began long ago.
    assert accounts["U09GRACE"].last_active == _at(5)
    assert accounts["U01ALICE"].last_active is None


def _many_logins(count: int) -> list[dict[str, Any]]:
    """``count`` access-log rows of U02BOB, one per minute going back from 30 days ago, plus one
    of alice that began long before all of them (so only paging far back finds it)."""
    start = testkit.ago(30)
    rows = [
        {"user_id": "U02BOB", "date_first": start - 60 * i, "date_last": start - 60 * i}
        for i in range(count)
    ]
    old = testkit.ago(200)
    rows.append({"user_id": "U01ALICE", "date_first": old, "date_last": testkit.ago(2)})
    return rows


async def test_emulator_refuses_pages_past_100_and_counts_past_1000() -> None:
    emulator = _emulator()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="https://slack.com/api"
    ) as client:
        page = await client.get("/team.accessLogs", params={"page": 101}, headers=headers)
        count = await client.get("/team.accessLogs", params={"count": 1001}, headers=headers)
        edge = await client.get(
            "/team.accessLogs", params={"page": 100, "count": 1000}, headers=headers
        )
    assert page.json() == {"ok": False, "error": "over_pagination_limit"}
    assert count.json() == {"ok": False, "error": "over_pagination_limit"}
    assert edge.json()["ok"] is True


async def test_access_log_past_100_pages_steps_back_with_before() -> None:
    # 250 rows at 2 a page: 126 pages. Slack serves 100 per query, so the plugin asks again with
    # before = the oldest row read; it used to ask for page 101 and fail the whole source.
    data = testkit.sample_data()
    data.logins = _many_logins(250)
    emulator = _emulator(data)
    observation = await _collect(emulator.transport(), plugin=_plugin(max_log_pages=500))
    access = _calls(emulator, "team.accessLogs")
    assert not [p for p in access if "page=101" in p]
    befores = {p.split("before=")[1].split("&")[0] for p in access}
    assert len(befores) >= 2
    accounts = {a.id: a for a in observation.apps[0].accounts or []}
    assert accounts["U01ALICE"].last_active == _at(2)  # on page 126
    assert accounts["U02BOB"].last_active == _at(30)
    assert not [n for n in _notes(observation) if "accessLogs" in n]


async def test_access_log_stops_at_max_log_pages_with_a_horizon_note() -> None:
    data = testkit.sample_data()
    data.logins = _many_logins(250)
    emulator = _emulator(data)
    observation = await _collect(emulator.transport(), plugin=_plugin(max_log_pages=110))
    assert len(_calls(emulator, "team.accessLogs")) == 110
    [note] = [n for n in _notes(observation) if "accessLogs" in n]
    assert "110 pages" in note and "max_log_pages" in note and "entries since" in note
    accounts = {a.id: a for a in observation.apps[0].accounts or []}
    assert accounts["U01ALICE"].last_active is None  # never reached: unknown, and said so


async def test_team_id_is_sent_for_org_tokens() -> None:
    emulator = _emulator()
    await _collect(emulator.transport(), plugin=_plugin(team_id="T0ACME"))
    assert all("team_id=T0ACME" in path for path in _calls(emulator, "users.list"))
    assert all("team_id=T0ACME" in path for path in _calls(emulator, "team.billableInfo"))


async def test_mounted_under_a_prefix() -> None:
    emulator = SlackEmulator(testkit.sample_data(), token=TOKEN, prefix="/slack")
    observation = await _collect(
        emulator.transport(), plugin=_plugin(base_url="http://127.0.0.1:9/slack")
    )
    assert observation == await _collect(_emulator().transport())
    assert all(path.startswith("/slack/") for _verb, path in emulator.log)


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("users.list", {"ok": True, "members": "everyone"}),
        ("users.list", ["not", "an", "object"]),
        ("users.list", {"members": []}),  # no ok flag
        ("users.list", {"ok": True, "members": [{"name": "no id"}]}),
        ("users.list", {"ok": True, "members": [], "response_metadata": {"next_cursor": 7}}),
        (
            "team.accessLogs",
            {"ok": True, "logins": [{"user_id": "U01ALICE", "date_last": "yesterday"}]},
        ),
        ("team.accessLogs", {"ok": True, "logins": [{"user_id": "U01ALICE", "date_last": 1e300}]}),
        ("team.integrationLogs", {"ok": True, "logs": [{"app_type": "X", "date": True}]}),
        ("team.billableInfo", {"ok": True, "billable_info": {"U1": {"billing_active": "maybe"}}}),
    ],
)
async def test_unexpected_shapes_are_bad_responses(method: str, body: Any) -> None:
    with pytest.raises(BadResponse) as caught:
        await _collect(_answering(_emulator(), method, body))
    assert caught.value.source == SOURCE


_json = JSON_VALUES
_pages = st.fixed_dictionaries(
    {"ok": st.booleans() | _json},
    optional={
        "members": st.lists(
            st.fixed_dictionaries(
                {"id": st.text(max_size=4) | _json},
                optional={
                    "deleted": _json,
                    "is_bot": _json,
                    "profile": _json,
                    "is_restricted": _json,
                },
            ),
            max_size=3,
        )
        | _json,
        "logins": st.lists(
            st.fixed_dictionaries(
                {"user_id": st.sampled_from(["U01ALICE", "U02BOB"]) | _json},
                optional={"date_last": _json, "date_first": _json},
            ),
            max_size=3,
        )
        | _json,
        "logs": st.lists(
            st.fixed_dictionaries(
                {}, optional={"app_id": _json, "date": _json, "change_type": _json}
            ),
            max_size=3,
        )
        | _json,
        "paging": _json,
        "response_metadata": _json,
        "error": _json,
    },
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(
        ["users.list", "team.accessLogs", "team.integrationLogs", "team.billableInfo"]
    ),
    body=_pages | _json,
)
async def test_arbitrary_payloads_only_raise_typed_errors(method: str, body: Any) -> None:
    try:
        await _collect(_answering(_emulator(), method, body))
    except PluginError as exc:
        assert exc.source == SOURCE


def test_settings_reject_unknown_keys_and_keep_the_token_secret() -> None:
    model = SlackPlugin.settings_model
    with pytest.raises(ValidationError):
        model.model_validate({**testkit.settings(TOKEN), "tokne": "x"})
    with pytest.raises(ValidationError):
        model.model_validate({"plugin": "slack"})  # the token is required
    parsed = model.model_validate(testkit.settings(TOKEN))
    assert isinstance(parsed.token, SecretStr)
    assert TOKEN not in repr(parsed)
    assert SlackPlugin.default_base_url == "https://slack.com/api"
    assert SlackPlugin.emulator() is SlackEmulator


def test_expected_assigned_follows_the_data() -> None:
    data = testkit.sample_data()
    data.members.append({"id": "U99NEW", "deleted": False})
    assert "U99NEW" in testkit.expected_assigned(data)[None]


# The shared conformance suite once more on Enterprise Grid, so the member-analytics files go
# through its paging, rate-limit, bad-token and hostile-payload checks too.
TestGridConformance = conformance_suite(
    SimpleNamespace(  # type: ignore[arg-type]
        PLUGIN=testkit.PLUGIN,
        EMULATOR=testkit.EMULATOR,
        RATE_LIMIT_RETRYABLE=testkit.RATE_LIMIT_RETRYABLE,
        NOW=testkit.NOW,
        sample_data=testkit.grid_data,
        settings=testkit.settings,
        expected_assigned=testkit.expected_assigned,
    ),
    name="slack_grid",
)
