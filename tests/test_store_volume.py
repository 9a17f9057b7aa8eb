"""Plan volume in the store (migration 0007): the observation survives a real SQLite file, the
per-run figure is a ``tool_runs`` row, and a database from before 0007 reads as "not observed"."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

from stacktrack.plugin_api import AppUsage, Observation, VolumeUsage
from stacktrack.store import Store, ToolAggregate

T0 = dt.datetime(2026, 11, 20, 6, tzinfo=dt.UTC)
FIXTURES = Path(__file__).parent / "fixtures"
VOLUME = VolumeUsage(
    metric="mtu",
    used=61_234,
    period_start=dt.date(2026, 11, 1),
    period_end=dt.date(2026, 11, 30),
    as_of=dt.datetime(2026, 11, 19, tzinfo=dt.UTC),
)


def test_volume_round_trips_and_none_stays_none(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        run = store.begin_run(T0, T0)
        observed = Observation(apps=[AppUsage(accounts=[], volume=[VOLUME])])
        silent = Observation(apps=[AppUsage(accounts=[])])
        store.store_source_result(run, "cdp", "segment", observed, duration_s=0.1)
        store.store_source_result(run, "other", "segment", silent, duration_s=0.1)
        store.save_tool_aggregates(
            run,
            T0,
            [
                ToolAggregate("cdp", 3, 3, None, 0, None, 60000.0, None, "connected",
                              volume_metric="mtu", volume_used=61_234, volume_included=100_000,
                              volume_utilization=0.61234),
            ],
        )  # fmt: skip
        store.finish_run(run, "ok", 0, T0)
    with Store.open(tmp_path / "st.db") as store:
        sources = store.current_state().sources
        assert sources["cdp"].observation is not None
        assert sources["cdp"].observation.apps[0].volume == [VOLUME]
        assert sources["other"].observation is not None
        assert sources["other"].observation.apps[0].volume is None
    row = (
        sqlite3.connect(tmp_path / "st.db")
        .execute(
            "SELECT volume_metric, volume_used, volume_included, volume_utilization FROM tool_runs"
        )
        .fetchone()
    )
    assert row == ("mtu", 61_234, 100_000, 0.61234)


def test_a_database_from_before_0007_reads_volume_as_not_observed(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "schema_v5.db", tmp_path / "st.db")
    with Store.open(tmp_path / "st.db") as store:
        state = store.current_state()
    apps = [app for s in state.sources.values() if s.observation for app in s.observation.apps]
    assert apps and all(app.volume is None for app in apps)
    nulls = (
        sqlite3.connect(tmp_path / "st.db")
        .execute("SELECT count(*), count(volume_used) FROM tool_runs")
        .fetchone()
    )
    assert nulls[0] > 0 and nulls[1] == 0
