"""Fault spec grammar, reproducible fault decisions, and what each injected fault looks like."""

from __future__ import annotations

import json

import httpx
import pytest

from stacktrack.errors import UsageError
from stacktrack.sandbox.faults import (
    FaultInjector,
    FaultyTransport,
    parse_faults,
    parse_rate_limits,
)
from stacktrack.testing import Emulator, json_response

VENDORS = ["okta", "salesforce", "hubspot", "slack", "segment", "google_workspace"]


class Echo(Emulator):
    vendor = "echo"

    def route(self, request: httpx.Request) -> httpx.Response:
        return json_response({"path": self.path(request), "items": list(range(50))})

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return json_response({"error": "echo says no"}, status=401)


def test_parse_the_documented_example() -> None:
    plan = parse_faults(
        "okta:timeout=0.1,hubspot:500=0.2,slack:429=0.1,segment:malformed=0.05,"
        "salesforce:truncated=0.1,google_workspace:401=1,okta:repeat_cursor=1e-3",
        VENDORS,
    )
    assert plan.for_vendor("okta") == {"timeout": 0.1, "repeat_cursor": 0.001}
    assert plan.for_vendor("google_workspace") == {"401": 1.0}
    assert plan.for_vendor("hubspot") == {"500": 0.2}
    assert parse_faults("*:503=0.5,slack:429=0.25").for_vendor("slack") == {"503": 0.5, "429": 0.25}
    assert not parse_faults(None) and not parse_faults(" ")


@pytest.mark.parametrize(
    ("spec", "names"),
    [
        ("okta", "VENDOR:KIND=RATE"),
        ("okta:timeout", "VENDOR:KIND=RATE"),
        ("oktaa:timeout=0.1", "okta"),
        ("okta:explode=0.1", "unknown fault"),
        ("okta:timeout=lots", "between 0 and 1"),
        ("okta:timeout=1.5", "between 0 and 1"),
        ("okta:timeout=0.6,okta:500=0.6", "more than 1"),
    ],
)
def test_bad_fault_specs_are_usage_errors(spec: str, names: str) -> None:
    with pytest.raises(UsageError, match=names) as caught:
        parse_faults(spec, VENDORS)
    assert caught.value.exit_code == 2


def test_rate_limit_spec() -> None:
    assert parse_rate_limits("10", ["a", "b"]) == {"a": (10.0, 10), "b": (10.0, 10)}
    assert parse_rate_limits("a=2/5", ["a", "b"]) == {"a": (2.0, 5)}
    assert parse_rate_limits("a:2/5,b:0.5", ["a", "b"]) == {"a": (2.0, 5), "b": (0.5, 1)}
    for bad in ("fast", "c=1", "0", "a=1/0"):
        with pytest.raises(UsageError):
            parse_rate_limits(bad, ["a", "b"])


def _decisions(seed: int, rate: float, paths: list[str]) -> list[str | None]:
    injector = FaultInjector(Echo(None), {"500": rate}, seed=seed, vendor="echo")
    return [injector.decide(httpx.Request("GET", f"http://x{path}")) for path in paths]


def test_decisions_are_reproducible_from_the_seed_and_independent_of_order() -> None:
    paths = [f"/items?page={n}" for n in range(200)]
    first = _decisions(7, 0.3, paths)
    assert first == _decisions(7, 0.3, paths)
    assert first != _decisions(8, 0.3, paths)
    assert 30 < sum(1 for d in first if d) < 90
    # Another order of the same requests gets the same per-request decisions.
    reordered = dict(zip(reversed(paths), _decisions(7, 0.3, list(reversed(paths))), strict=True))
    assert [reordered[p] for p in paths] == first
    assert set(_decisions(1, 1.0, paths)) == {"500"}
    assert set(_decisions(1, 0.0, paths)) == {None}


def test_a_retry_of_the_same_request_gets_a_fresh_draw() -> None:
    decisions = _decisions(3, 0.5, ["/same"] * 40)
    assert None in decisions and "500" in decisions


async def _get(kind: str) -> httpx.Response:
    emulator = Echo(None, token="t")
    transport = FaultyTransport(FaultInjector(emulator, {kind: 1.0}, seed=1, vendor="echo"))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        return await client.get("/things", headers={"Authorization": "Bearer t"})


async def test_each_fault_kind_in_process() -> None:
    assert (await _get("503")).status_code == 503
    unauthorized = await _get("401")
    assert unauthorized.status_code == 401 and unauthorized.json() == {"error": "echo says no"}
    limited = await _get("429")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    malformed = await _get("malformed")
    assert malformed.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.content)
    with pytest.raises(httpx.ReadTimeout):
        await _get("timeout")
    with pytest.raises(httpx.RemoteProtocolError):
        await _get("truncated")


async def test_repeat_cursor_is_set_for_the_faulted_request_only() -> None:
    seen: list[bool] = []

    class Spy(Echo):
        def route(self, request: httpx.Request) -> httpx.Response:
            seen.append(self.repeat_cursor)
            return super().route(request)

    emulator = Spy(None, token="t")
    injector = FaultInjector(emulator, {"repeat_cursor": 1.0}, seed=1, vendor="echo")
    transport = FaultyTransport(injector)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        await client.get("/a", headers={"Authorization": "Bearer t"})
    assert seen == [True] and emulator.repeat_cursor is False
    assert injector.injected["repeat_cursor"] == 1
