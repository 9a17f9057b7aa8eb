"""Emulators whose vendor sends budget headers on every answer report what is really left of a
configured bucket, so the client's rate-limit gate (``stacktrack.pacing``) can pace itself on them
before the vendor refuses (docs/benchmarks.md, collect with small buckets)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from stacktrack_hubspot import testkit as hubspot
from stacktrack_hubspot.emulator import HubSpotEmulator
from stacktrack_intercom import testkit as intercom
from stacktrack_intercom.emulator import IntercomEmulator
from stacktrack_okta import testkit as okta
from stacktrack_okta.emulator import OktaEmulator
from stacktrack_segment import testkit as segment
from stacktrack_segment.emulator import SegmentEmulator

from stacktrack.pacing import budget_headers
from stacktrack.testing.emulator import Emulator, RateLimit

TOKEN = "budget-test-token"
BURST = 5

# (emulator, its sample data, a listing every vendor answers, the authorization header)
CASES: dict[str, tuple[type[Emulator[Any]], Any, str, str]] = {
    "okta": (OktaEmulator, okta.sample_data, "/api/v1/apps", f"SSWS {TOKEN}"),
    "hubspot": (HubSpotEmulator, hubspot.sample_data, "/settings/v3/users", f"Bearer {TOKEN}"),
    "segment": (
        SegmentEmulator,
        segment.sample_data,
        "/sources?pagination.count=10",
        f"Bearer {TOKEN}",
    ),
    "intercom": (IntercomEmulator, intercom.sample_data, "/admins", f"Bearer {TOKEN}"),
}


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_budget_headers_count_down_a_configured_bucket(vendor: str) -> None:
    emulator_class, sample, path, authorization = CASES[vendor]
    emulator = emulator_class(sample(), token=TOKEN, rate_limit=RateLimit(rate=0.001, burst=BURST))
    request = httpx.Request(
        "GET", f"https://x.test{path}", headers={"Authorization": authorization}
    )
    seen = []
    for _ in range(BURST):
        answer = emulator.handle(request)
        assert answer.status_code == 200, answer.text
        remaining, reset = budget_headers(answer.headers)
        assert reset is not None and reset > 0
        seen.append(remaining)
    # the bucket barely refills (one request in 1,000 s), so each answer has one request fewer left
    assert seen == [BURST - n for n in range(1, BURST + 1)]
    assert emulator.handle(request).status_code == 429


@pytest.mark.parametrize("vendor", sorted(CASES))
def test_without_a_bucket_the_vendors_own_budget_is_reported(vendor: str) -> None:
    emulator_class, sample, path, authorization = CASES[vendor]
    emulator = emulator_class(sample(), token=TOKEN)
    request = httpx.Request(
        "GET", f"https://x.test{path}", headers={"Authorization": authorization}
    )
    remaining, reset = budget_headers(emulator.handle(request).headers)
    assert remaining is not None and remaining > BURST
    assert reset is not None and reset > 0
