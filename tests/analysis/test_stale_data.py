"""A failed source keeps its last good data; its age shows as ``data_as_of`` and, past a week, as
the ``stale_data`` flag (docs/methodology.md, failed runs)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from stacktrack.analysis.analyze import analyze
from stacktrack.state import StackState
from tests.analysis.builders import T, account, ago, config, source, state, usage

TOOL = {
    "id": "hs",
    "name": "HubSpot",
    "sources": ["hubspot", "export"],
    "contract": {"annual_cost": 12000, "seats": 10},
}


def _state(export_success_days_ago: float, *, checked_days_after: float = 0) -> StackState:
    hubspot = source("hubspot", [usage([account("a", days_ago=1)])])
    export = dataclasses.replace(
        source("export", [usage([account("b", days_ago=2)])], status="failed"),
        last_success_at=ago(export_success_days_ago),
    )
    st = state(hubspot, export)
    return dataclasses.replace(st, checked_at=T + dt.timedelta(days=checked_days_after))


def test_data_as_of_is_the_oldest_latest_success_of_the_tools_sources() -> None:
    figures = analyze(config([TOOL]), _state(3)).tool("hs")
    assert figures.data_as_of == ago(3)
    assert "stale_data" not in figures.flags
    assert {row.source: row.last_success_at for row in figures.sources} == {
        "hubspot": T,
        "export": ago(3),
    }


def test_stale_data_after_seven_days_without_a_successful_observation() -> None:
    assert "stale_data" not in analyze(config([TOOL]), _state(7)).tool("hs").flags
    figures = analyze(config([TOOL]), _state(7.5)).tool("hs")
    assert "stale_data" in figures.flags
    assert "stale_data" in figures.evidence


def test_stale_data_counts_from_the_latest_attempt_not_the_latest_success() -> None:
    # Every source failed for eight days: T (as_of) stays, the wall clock moves on.
    hubspot = dataclasses.replace(source("hubspot", [usage([account("a", days_ago=1)])]))
    st = dataclasses.replace(state(hubspot), checked_at=T + dt.timedelta(days=8))
    tool = TOOL | {"sources": ["hubspot"]}
    figures = analyze(config([tool]), st).tool("hs")
    assert figures.data_as_of == T and "stale_data" in figures.flags
    fresh = dataclasses.replace(st, checked_at=T + dt.timedelta(days=1))
    assert "stale_data" not in analyze(config([tool]), fresh).tool("hs").flags


def test_a_failed_source_keeps_the_figures_it_last_reported() -> None:
    ok = _state(0)
    ok = dataclasses.replace(
        ok, sources={n: dataclasses.replace(s, status="ok") for n, s in ok.sources.items()}
    )
    failed = _state(0)
    a, b = analyze(config([TOOL]), ok), analyze(config([TOOL]), failed)
    assert a.tool("hs").active_users == b.tool("hs").active_users == 2
    assert [(r.id, r.confidence, r.annual_savings) for r in a.recommendations] == [
        (r.id, r.confidence, r.annual_savings) for r in b.recommendations
    ]
