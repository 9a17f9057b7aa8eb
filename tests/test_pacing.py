"""The shared rate-limit budget (``stacktrack.pacing``): a gate per vendor account in a snapshot."""

from __future__ import annotations

import asyncio
import email.utils

import httpx
import pytest

from stacktrack.http import RetryingTransport, RetryPolicy
from stacktrack.pacing import MIN_SPACING, RateGate, budget_headers, gate_key


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _gate_with_fake_sleep(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[RateGate, FakeClock, list[float]]:
    """A gate on a fake clock whose sleeps are recorded and advance the clock instead."""
    clock = FakeClock()
    sleeps: list[float] = []

    async def fake_sleep(delay: float) -> None:
        sleeps.append(delay)
        clock.now += delay

    monkeypatch.setattr("stacktrack.pacing.asyncio.sleep", fake_sleep)
    return RateGate(clock=clock), clock, sleeps


async def test_an_open_gate_lets_requests_through_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    gate, _clock, sleeps = _gate_with_fake_sleep(monkeypatch)
    for _ in range(3):
        await gate.enter()
    assert sleeps == []
    assert gate.in_flight == 3


async def test_a_rate_limited_answer_holds_everyone_else_and_spaces_what_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate, clock, sleeps = _gate_with_fake_sleep(monkeypatch)
    sent = await gate.enter()
    own = gate.throttled(2.0, sent)
    assert own == clock.now + 2.0
    assert gate.in_flight == 0 and gate.spacing == MIN_SPACING
    await gate.enter()  # another source's request waits out the hold
    assert sleeps == [2.0]
    await gate.enter()  # and the next one keeps the spacing after it
    assert sleeps[1] == pytest.approx(MIN_SPACING)
    gate.leave({})
    gate.leave({})
    assert gate.spacing < MIN_SPACING  # answered requests relax the pace again


async def test_the_throttled_request_itself_is_not_held_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate, _clock, sleeps = _gate_with_fake_sleep(monkeypatch)
    sent = await gate.enter()
    own = gate.throttled(5.0, sent)
    gate.spacing = 0.0
    await gate.enter(own_hold=own)  # its retry policy already sleeps the 5 s
    assert sleeps == []
    gate.hold(9.0)  # a longer hold set by someone else still applies
    await gate.enter(own_hold=own)
    assert sleeps == [9.0]


async def test_budget_headers_close_the_gate_before_the_vendor_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate, _clock, sleeps = _gate_with_fake_sleep(monkeypatch)
    await gate.enter()
    await gate.enter()
    gate.leave({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "7"})  # 5 left, 1 in flight
    await gate.enter()
    assert sleeps == []
    gate.leave({"X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "7"})  # 1 left, 1 in flight
    await gate.enter()
    assert sleeps == [7.0]


def test_budget_headers_read_epoch_delta_date_and_window_forms() -> None:
    now = 1_700_000_000
    date = email.utils.formatdate(now, usegmt=True)
    assert budget_headers(
        {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": str(now + 12), "Date": date}
    ) == (0, 12.0)
    assert budget_headers({"RateLimit-Remaining": "3", "RateLimit-Reset": "30"}) == (3, 30.0)
    assert budget_headers(
        {"X-Acme-RateLimit-Remaining": "2", "X-Acme-RateLimit-Interval-Milliseconds": "10000"}
    ) == (2, 10.0)
    reset_date = email.utils.formatdate(now + 45, usegmt=True)  # Segment's X-RateLimit-Reset
    assert budget_headers(
        {"X-RateLimit-Remaining": "9", "X-RateLimit-Reset": reset_date, "Date": date}
    ) == (9, 45.0)
    assert budget_headers({"Content-Type": "application/json"}) == (None, None)
    assert budget_headers({"X-RateLimit-Remaining": "lots"}) == (None, None)


def test_sources_share_a_gate_only_with_the_same_origin_and_credentials() -> None:
    one = gate_key("https://api.vendor.test/v2", ["tok-a"])
    assert one == gate_key("https://API.vendor.test/other", ["tok-a"])
    assert one != gate_key("https://api.vendor.test/v2", ["tok-b"])
    assert one != gate_key("https://eu.vendor.test/v2", ["tok-a"])
    assert "tok-a" not in one  # the key never carries a secret


async def test_two_sources_sharing_a_budget_both_wait_after_one_is_refused() -> None:
    """Real HTTP transports over an in-process vendor: the second source's request is held by the
    first one's 429 instead of being refused itself."""
    answers: list[int] = []

    def vendor(request: httpx.Request) -> httpx.Response:
        status = 429 if not answers else 200
        answers.append(status)
        return httpx.Response(status, json={})

    gate = RateGate()

    def transport() -> RetryingTransport:
        return RetryingTransport(
            httpx.MockTransport(vendor),
            rate_limit_wait=lambda r: 0.05 if r.status_code == 429 else None,
            policy=RetryPolicy(wait_initial=0.01),
            max_concurrency=1,
            gate=gate,
        )

    first, second = transport(), transport()
    one = await first.handle_async_request(httpx.Request("GET", "https://v.test/a"))
    two = await second.handle_async_request(httpx.Request("GET", "https://v.test/b"))
    assert (one.status_code, two.status_code) == (200, 200)
    assert answers == [429, 200, 200]  # one refusal in all; the second source waited instead
    assert gate.waited > 0 and gate.in_flight == 0
    await asyncio.gather(first.aclose(), second.aclose())


async def test_requests_refused_together_slow_the_pace_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate, clock, _sleeps = _gate_with_fake_sleep(monkeypatch)
    sent = [await gate.enter() for _ in range(10)]  # ten in flight when the budget runs out
    clock.now += 0.1
    for at in sent:
        gate.throttled(1.0, at)
    assert gate.spacing == MIN_SPACING  # one signal, not ten doublings
    later = await gate.enter()  # sent after the slowdown: a new signal
    gate.throttled(1.0, later)
    assert gate.spacing == 2 * MIN_SPACING


def test_an_emulator_bucket_reports_what_is_left_of_it() -> None:
    from stacktrack.testing.emulator import RateLimit

    clock = FakeClock()
    bucket = RateLimit(rate=10.0, burst=5, clock=clock)
    assert bucket.state() == (5, 0.0)
    for _ in range(4):
        assert bucket.take() is None
    left, refill = bucket.state()
    assert left == 1 and refill == pytest.approx(0.4)
    clock.now += 0.2
    left, refill = bucket.state()
    assert left == 3 and refill == pytest.approx(0.2)
