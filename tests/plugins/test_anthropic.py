"""The ``anthropic`` plugin against its emulator: figures worked out by hand from the sample org."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stamina
from stacktrack_anthropic import testkit
from stacktrack_anthropic.emulator import AnthropicEmulator
from stacktrack_anthropic.plugin import AnthropicPlugin, AnthropicSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation

SOURCE = "claude"
TOKEN = "sk-ant-admin01-0123456789"
BASE = "https://sandbox.test/anthropic"
NOW = testkit.NOW
day = testkit.day


@pytest.fixture(autouse=True)
def no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=5):
        yield


@pytest.fixture
def emulator() -> AnthropicEmulator:
    return AnthropicEmulator(testkit.sample_data(), token=TOKEN, prefix="/anthropic")


async def collect(emulator: AnthropicEmulator, **extra: Any) -> Observation:
    table = {**testkit.settings(TOKEN), "base_url": BASE, **extra}
    plugin = AnthropicPlugin(SOURCE, AnthropicSettings.model_validate(table))
    async with build_client(plugin, transport=emulator.transport()) as client:
        return await plugin.collect(client, CollectContext(source=SOURCE, now=NOW))


async def test_activity_from_claude_code_and_the_messages_api(emulator: AnthropicEmulator) -> None:
    observation = await collect(emulator)
    (app,) = observation.apps
    assert app.activity_known is True
    assert {a.id: a.last_active for a in app.accounts or []} == {
        "user_ana": day(1),  # Claude Code yesterday
        "user_bo": day(5),  # Messages API
        "user_cy": None,  # a row of zero tokens is not use
        "user_dee": None,  # both uses lie outside their windows
        "user_eve": day(2),  # matched by e-mail whatever its case
    }
    assert all(a.assigned for a in app.accounts or [])


async def test_claude_code_sessions_and_accepted_edits_are_features(
    emulator: AnthropicEmulator,
) -> None:
    observation = await collect(emulator)
    features = {f.feature: f for f in observation.apps[0].features or []}
    sessions = features["claude_code"]
    # Ana 3, Eve 1, a non-member 2, and 4 by an API key (counted, but nobody's).
    assert (sessions.active_users, sessions.events) == (3, 10)
    assert sessions.users == ["ana@acme.test", "eve@acme.test", "zed@outside.test"]
    assert sessions.last_used == day(1)
    assert sessions.window_days == 30
    accepted = features["claude_code_accepted_edits"]
    assert (accepted.active_users, accepted.events, accepted.users) == (1, 15, ["ana@acme.test"])
    messages = features["messages_api"]
    # Bo's day and a day of use by no account: two user-days, one person.
    assert (messages.active_users, messages.events, messages.users) == (1, 2, ["bo@acme.test"])
    assert messages.last_used == day(5)
    assert "15 tool actions accepted and 5 rejected (75% accepted)" in observation.notes[0]


async def test_one_request_per_claude_code_day_within_the_setting(
    emulator: AnthropicEmulator,
) -> None:
    await collect(emulator, claude_code_days=7, messages_usage=False)
    days = sorted(
        {  # a day with more records than a page is asked for again with a cursor
            parse_qs(urlsplit(path).query)["starting_at"][0]
            for _, path in emulator.log
            if "usage_report/claude_code" in path
        }
    )
    assert days == [day(back).date().isoformat() for back in range(6, -1, -1)]


async def test_messages_report_asks_for_the_window_grouped_by_account(
    emulator: AnthropicEmulator,
) -> None:
    await collect(emulator, claude_code=False)
    queries = [
        parse_qs(urlsplit(path).query)
        for _, path in emulator.log
        if "usage_report/messages" in path
    ]
    assert queries
    assert queries[0]["starting_at"] == [day(90).strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert all(q["group_by[]"] == ["account_id"] and int(q["limit"][0]) <= 31 for q in queries)


async def test_workspace_members_are_the_seats(emulator: AnthropicEmulator) -> None:
    (app,) = (await collect(emulator, workspace_id="wrkspc_mkt")).apps
    assert {a.id for a in app.accounts or [] if a.assigned} == {"user_ana", "user_bo"}


async def test_refused_reports_are_notes_not_failures(emulator: AnthropicEmulator) -> None:
    emulator.data.messages_forbidden = True
    emulator.data.claude_code_forbidden = True
    observation = await collect(emulator)
    (app,) = observation.apps
    assert app.features is None
    assert app.activity_known is False
    assert len(app.accounts or []) == 5
    assert [n.split(" (")[0] for n in observation.notes] == [
        "Anthropic refused the messages usage report",
        "Anthropic refused the Claude Code usage report",
    ]


def get(emulator: AnthropicEmulator, path: str, **headers: str) -> httpx.Response:
    sent = {"x-api-key": TOKEN, "anthropic-version": "2023-06-01", **headers}
    return emulator.handle(httpx.Request("GET", f"https://x.test/anthropic{path}", headers=sent))


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        (
            "/v1/organizations/usage_report/claude_code?starting_at=2026-11-01T00:00:00Z",
            "YYYY-MM-DD",
        ),
        ("/v1/organizations/usage_report/claude_code?starting_at=2026-11-01&limit=1001", "1000"),
        ("/v1/organizations/usage_report/messages?starting_at=2026-11-01T00:00:00Z&limit=32", "31"),
        (
            "/v1/organizations/usage_report/messages?starting_at=2026-11-01T00:00:00Z&group_by[]=user_id",
            "group_by",
        ),
        ("/v1/organizations/usage_report/messages", "starting_at"),
        ("/v1/organizations/users?limit=0", "limit"),
    ],
)
def test_emulator_enforces_the_documented_limits(
    emulator: AnthropicEmulator, path: str, reason: str
) -> None:
    response = get(emulator, path)
    assert response.status_code == 400
    assert reason in response.json()["error"]["message"]


def test_emulator_requires_the_version_header(emulator: AnthropicEmulator) -> None:
    request = httpx.Request(
        "GET", "https://x.test/anthropic/v1/organizations/users", headers={"x-api-key": TOKEN}
    )
    assert emulator.handle(request).status_code == 400
