"""Segment plan volume (``/usage/mtu/daily``, ``/usage/api-calls/daily``): the emulator serves what
docs/plugins/segment.md describes, and the plugin reads it over loopback HTTP. Expected figures are
worked out by hand from the data each test builds (``testkit.TRACKED_USERS`` for the sample)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from stacktrack_segment import testkit
from stacktrack_segment.emulator import SegmentData

from stacktrack.plugin_api import VolumeUsage
from stacktrack.testing import LoopbackServer
from stacktrack.testing.conformance import Harness

TOKEN = "sgp_test-secret-token"
KIT = Harness(testkit, source="cdp", token=TOKEN, base_url=None)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


async def _get(data: SegmentData, path: str, **params: Any) -> httpx.Response:
    emulator = KIT.emulator(data)
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="https://api.segmentapis.com"
    ) as client:
        return await client.get(path, params=params, headers=HEADERS)


async def test_emulator_lists_the_asked_month_as_cumulative_strings() -> None:
    answer = await _get(
        testkit.sample_data(), "/usage/mtu/daily", period="2026-10-01", **{"pagination.count": 200}
    )
    assert answer.status_code == 200
    rows = answer.json()["data"]["dailyWorkspaceMTUUsage"]
    assert [row["timestamp"] for row in rows] == ["2026-10-30T00:00:00Z", "2026-10-31T00:00:00Z"]
    assert rows[1]["identified"] == "41500" and rows[1]["neverIdentified"] == "52700"
    assert rows[1]["anonymous"] == "60800"  # never identified + later identified
    assert all(isinstance(row[key], str) for row in rows for key in ("anonymous", "identified"))
    assert isinstance(rows[0]["periodStart"], int | float)


async def test_emulator_lets_the_plan_decide_which_endpoint_lists_rows() -> None:
    data = testkit.sample_data()
    calls = await _get(
        data, "/usage/api-calls/daily", period="2026-11-01", **{"pagination.count": 9}
    )
    assert calls.json()["data"]["dailyWorkspaceAPICallsUsage"] == []  # an MTU plan
    data.volume_metric = "api_calls"
    calls = await _get(
        data, "/usage/api-calls/daily", period="2026-11-01", **{"pagination.count": 9}
    )
    mtu = await _get(data, "/usage/mtu/daily", period="2026-11-01", **{"pagination.count": 9})
    assert calls.json()["data"]["dailyWorkspaceAPICallsUsage"] == [
        {"apiCalls": "250000", "timestamp": "2026-11-01T00:00:00Z"}
    ]
    assert mtu.json()["data"]["dailyWorkspaceMTUUsage"] == []


@pytest.mark.parametrize("period", ["2026-11-15", "November", ""])
async def test_emulator_refuses_a_period_that_is_no_month_start(period: str) -> None:
    answer = await _get(
        testkit.sample_data(), "/usage/mtu/daily", period=period, **{"pagination.count": 9}
    )
    assert answer.status_code == 422


async def test_emulator_requires_pagination_count() -> None:
    answer = await _get(testkit.sample_data(), "/usage/mtu/daily", period="2026-11-01")
    assert answer.status_code == 400


async def test_sample_reports_this_months_tracked_users_over_loopback() -> None:
    emulator = KIT.emulator()
    with LoopbackServer({"segment": emulator}) as server:
        plugin = KIT.plugin(base_url=server.url + "/segment")
        observation = await KIT.collect(httpx.AsyncHTTPTransport(), plugin=plugin)
    [usage] = observation.apps
    assert usage.volume == [
        VolumeUsage(
            metric="mtu",
            used=testkit.TRACKED_USERS,
            period_start=NOVEMBER[0],
            period_end=NOVEMBER[1],
            as_of=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )
    ]
    asked = KIT.calls(emulator, "/usage/mtu/daily") + KIT.calls(emulator, "/usage/api-calls/daily")
    assert len(asked) == 2 and all("period=2026-11-01" in path for path in asked)
    assert not any("volume" in note for note in observation.notes)


async def test_a_throughput_plan_reports_api_calls() -> None:
    data = testkit.sample_data()
    data.volume_metric = "api_calls"
    observation = await KIT.collect(KIT.emulator(data).transport())
    assert observation.apps[0].volume == [
        VolumeUsage(
            metric="api_calls",
            used=250_000,
            period_start=NOVEMBER[0],
            period_end=NOVEMBER[1],
            as_of=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        )
    ]


async def test_the_latest_day_of_many_pages_is_the_month_so_far() -> None:
    """Cumulative rows: 19 days at 1,000 more tracked users a day, two rows a page. The month so
    far is the 19th's 19,000 (not the sum of the days, not the first page's)."""
    data = SegmentData(
        mtu_days=[
            (dt.date(2026, 11, day), {"identified": 400 * day, "neverIdentified": 600 * day})
            for day in range(19, 0, -1)
        ]
    )
    emulator = KIT.emulator(data, page_size=2)
    now = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    observation = await KIT.collect(emulator.transport(), now=now)
    [volume] = observation.apps[0].volume or []
    assert (volume.used, volume.as_of) == (19_000, dt.datetime(2026, 11, 19, tzinfo=dt.UTC))
    assert len(KIT.calls(emulator, "/usage/mtu/daily")) == 10


async def test_no_day_counted_yet_is_not_observed_with_a_note() -> None:
    data = testkit.sample_data()
    data.volume_metric = None
    observation = await KIT.collect(KIT.emulator(data).transport())
    [usage] = observation.apps
    assert usage.volume is None  # not observed: never 0
    assert usage.accounts  # the rest of the observation stands
    [note] = [n for n in observation.notes if "plan volume" in n]
    assert "/usage/mtu/daily listed no day of November 2026" in note
    assert "/usage/api-calls/daily listed no day of November 2026" in note


@pytest.mark.parametrize("status", [403, 404, 422])
async def test_a_refused_usage_endpoint_is_a_note_not_a_failed_source(status: int) -> None:
    data = testkit.sample_data()
    data.usage_status = status
    observation = await KIT.collect(KIT.emulator(data).transport())
    [usage] = observation.apps
    assert usage.volume is None and usage.accounts and usage.integrations
    [note] = [n for n in observation.notes if "plan volume" in n]
    assert f"answered HTTP {status}" in note and "MTU or throughput plans" in note


@pytest.mark.parametrize(
    ("identified", "never", "used"),
    [
        ("12", "30", 42),
        (" 12 ", "30", 42),  # stray blanks around digits
        ("n/a", "30", None),
        ("-5", "30", None),
        ("1e3", "30", None),
        ("١٢", "30", None),  # digits, but not ASCII ones
        ("9" * 40, "30", None),  # no count is that long
        (None, "30", None),
        (12, 30, 42),  # numbers where strings were documented: still counts
        (True, "30", None),  # a flag is no count
        (12.0, "30", None),
        ([12], "30", None),
        (str(2**53 - 1), "1", None),  # past the largest count the core accepts
    ],
)
async def test_counts_are_read_only_as_whole_numbers(
    identified: Any, never: Any, used: int | None
) -> None:
    row = {"identified": identified, "neverIdentified": never, "timestamp": "2026-11-01T00:00:00Z"}
    body = {"data": {"dailyWorkspaceMTUUsage": [row], "pagination": {"next": None}}}
    transport = KIT.answering(KIT.emulator(), "/usage/mtu/daily", body)
    observation = await KIT.collect(transport)
    volume = observation.apps[0].volume
    if used is None:
        assert volume is None
        assert any("sent no count as a whole number" in n for n in observation.notes)
    else:
        assert volume is not None and volume[0].used == used


async def test_a_row_without_a_readable_date_keeps_its_count() -> None:
    rows = [
        {"identified": "10", "neverIdentified": "5", "timestamp": "yesterday-ish"},
        {"identified": "3", "neverIdentified": "1"},
    ]
    body = {"data": {"dailyWorkspaceMTUUsage": rows, "pagination": {}}}
    transport = KIT.answering(KIT.emulator(), "/usage/mtu/daily", body)
    observation = await KIT.collect(transport)
    [volume] = observation.apps[0].volume or []
    assert (volume.used, volume.as_of) == (15, None)  # no dates: the largest cumulative count
