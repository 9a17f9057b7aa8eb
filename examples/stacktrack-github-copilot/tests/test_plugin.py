"""GitHub Copilot: the stacktrack conformance suite, then what this plugin adds to it."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest
from pydantic import ValidationError

from stacktrack.testing.conformance import Harness, conformance_suite

# Collected from stacktrack's own test run too, where the package may not be installed yet.
testkit = pytest.importorskip(
    "stacktrack_github_copilot.testkit",
    reason="pip install -e ./examples/stacktrack-github-copilot",
)

TestGitHubCopilotConformance = conformance_suite(testkit)

KIT = Harness(testkit)


def test_seats_activity_and_emails_as_the_sample_says() -> None:
    observation = asyncio.run(KIT.collect(KIT.emulator().transport()))
    (app,) = observation.apps
    assert app.seats_purchased == 5 and app.activity_known
    accounts = {account.id: account for account in app.accounts or []}
    assert accounts["octo-ada"].email == "ada@acme.example"
    assert accounts["octo-ada"].last_active == testkit.NOW - dt.timedelta(days=3)
    assert accounts["octo-ben"].email is None and accounts["octo-ben"].last_active is None
    assert accounts["octo-cy"].last_active == testkit.NOW - dt.timedelta(days=40)
    assert accounts["octo-dee"].assigned  # pending cancellation still holds the seat
    assert accounts["octo-eve"].last_active is None  # stamped after the run clock


def test_requests_carry_githubs_media_type_and_api_version() -> None:
    emulator = KIT.emulator()
    seen: list[tuple[str | None, str | None]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers.get("accept"), request.headers.get("x-github-api-version")))
        return emulator.handle(request)

    asyncio.run(KIT.collect(httpx.MockTransport(handle)))
    assert seen and set(seen) == {("application/vnd.github+json", "2022-11-28")}
    assert all("per_page=100" in target for _verb, target in emulator.log)


def test_an_org_name_is_required_and_checked() -> None:
    model = testkit.PLUGIN.settings_model
    with pytest.raises(ValidationError, match="org"):
        model.model_validate({"plugin": "github_copilot", "token": "t"})
    with pytest.raises(ValidationError, match="org"):
        model.model_validate({"plugin": "github_copilot", "token": "t", "org": "a/b"})
