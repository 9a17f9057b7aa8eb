"""The plan volume worked example of docs/methodology.md, figure by figure: the rows go through
the Segment plugin (over its emulator), the analysis and ``report --json``; the document stays
true."""

from __future__ import annotations

import datetime as dt

import pytest
from stacktrack_segment import testkit
from stacktrack_segment.emulator import SegmentData

from stacktrack.analysis.analyze import analyze
from stacktrack.analysis.models import Analysis
from stacktrack.plugin_api import VolumeUsage
from stacktrack.report.json_report import build_report
from stacktrack.report.table import render_report
from stacktrack.testing.conformance import Harness
from tests.analysis.builders import T, config, source, state, usage

KIT = Harness(testkit, source="segment", base_url=None)
MAY_31 = {"identified": 30_150, "neverIdentified": 52_300, "anonymousIdentified": 6_000,
          "anonymous": 58_300}  # fmt: skip


async def _observed() -> list[VolumeUsage] | None:
    data = SegmentData(
        mtu_days=[
            (dt.date(2026, 5, 30), {k: v - 900 for k, v in MAY_31.items()}),
            (dt.date(2026, 5, 31), MAY_31),
        ]
    )
    now = dt.datetime(2026, 5, 31, 20, tzinfo=dt.UTC)
    observation = await KIT.collect(KIT.emulator(data).transport(), now=now)
    return observation.apps[0].volume


def _analysis(volume: list[VolumeUsage] | None, metric: str = "mtu") -> Analysis:
    tools = [
        {
            "id": "segment",
            "name": "Segment Business",
            "sources": ["segment"],
            "contract": {
                "annual_cost": 60000,
                "pricing": "flat",
                "plan_volume": 100000,
                "plan_volume_metric": metric,
            },
        },
        {"id": "wiki", "name": "Wiki"},
    ]
    app = usage([]).model_copy(update={"volume": volume})
    return analyze(config(tools), state(source("segment", [app])), today=T.date())


async def test_tracked_users_are_identified_plus_never_identified() -> None:
    [observed] = await _observed() or []
    assert observed.used == 30_150 + 52_300 == 82_450
    assert (observed.period_start, observed.period_end) == (
        dt.date(2026, 5, 1),
        dt.date(2026, 5, 31),
    )


async def test_volume_utilization_and_the_json_figure() -> None:
    analysis = _analysis(await _observed())
    figures = analysis.tool("segment").volume
    assert figures is not None
    assert (figures.used, figures.included) == (82_450, 100_000)
    assert figures.utilization == 82_450 / 100_000
    tool = {t["id"]: t for t in build_report(analysis, run_id=7, generated_at=T)["tools"]}
    assert tool["segment"]["volume"] == {
        "metric": "mtu",
        "used": 82450,
        "included": 100000,
        "utilization": 0.8245,
        "period_start": "2026-05-01",
        "period_end": "2026-05-31",
        "as_of": "2026-05-31T00:00:00Z",
        "source": "segment",
    }
    assert tool["wiki"]["volume"] is None  # no contract volume, no count: no figure
    assert "contract.plan_volume" in analysis.tool("segment").evidence["volume_utilization"]


async def test_another_metric_leaves_used_unknown_not_zero() -> None:
    figures = _analysis(await _observed(), metric="api_calls").tool("segment").volume
    assert figures is not None
    assert (figures.metric, figures.used, figures.included) == ("api_calls", None, 100_000)
    assert figures.utilization is None and figures.source is None


async def test_the_report_table_shows_the_figure_with_its_period(
    capsys: pytest.CaptureFixture[str],
) -> None:
    analysis = _analysis(await _observed())
    render_report(analysis, state(source("segment", [usage([])])))
    [line] = [line for line in capsys.readouterr().out.splitlines() if "Plan volume" in line]
    assert "Segment Business 82,450 / 100,000 MTU (82%, 2026-05-01 to 2026-05-31" in line
    assert "as of 2026-05-31" in line and "Wiki" not in line
