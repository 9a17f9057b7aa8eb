"""Reliability (docs/benchmarks.md): ``kill -9`` at random points of a snapshot leaves a sound database and the next run works.

A real ``stacktrack snapshot`` process runs against the sandbox loopback server (small latency, so a
run lasts about two seconds) plus a 20,000-row CSV source whose dates change every trial, so many kills
land while rows are being written. After each SIGKILL: ``PRAGMA integrity_check`` is ok, every source's
stored rows are exactly what its latest successful source run recorded (no half-stored source), and a
following snapshot succeeds (the flock died with the process; no stale lock).
"""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import harness as h
from . import loopback as lb

CSV_ROWS = 20_000


@pytest.fixture(scope="module")
def server() -> Iterator[lb.ServerInfo]:
    sandbox, info = lb.start_server(latency_ms=10, page_size=200)
    try:
        yield info
    finally:
        sandbox.shutdown()


def _complete_run(config: Path, db: Path, info: lb.ServerInfo) -> float:
    started = time.monotonic()
    result = lb.run(config, db, info, "-v", "snapshot")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert h.leaks(info.env.values(), stderr=result.stderr, stdout=result.stdout) == []
    return time.monotonic() - started


def _kill_at(config: Path, db: Path, info: lb.ServerInfo, delay: float) -> int | None:
    process = lb.spawn(config, db, info)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    out, err = process.communicate(timeout=30)
    assert h.leaks(info.env.values(), stderr=err, stdout=out) == []
    return process.returncode


def _check(db: Path, trial: int) -> None:
    assert h.integrity(db) == "ok", f"trial {trial}"
    assert h.source_consistency_problems(db) == [], f"trial {trial}"


def _trials(tmp_path: Path, info: lb.ServerInfo, trials: int, *, run_after_each: bool) -> None:
    config = lb.write_config(tmp_path, info, csv_rows=CSV_ROWS)
    db = tmp_path / "st.db"
    duration = _complete_run(config, db, info)  # the earlier run every kill must leave intact
    rng = random.Random(trials)
    killed = 0
    for trial in range(trials):
        lb.write_csv(tmp_path, CSV_ROWS, trial + 1)
        code = _kill_at(config, db, info, rng.uniform(0.2, duration))
        killed += code == -signal.SIGKILL
        _check(db, trial)
        if run_after_each:
            _complete_run(config, db, info)
            _check(db, trial)
    assert killed >= trials // 2, "most kills must land while the snapshot runs"
    _complete_run(config, db, info)
    _check(db, trials)
    from stacktrack.store import Store

    with Store.open(db) as store:
        latest = store.latest_run()
        assert latest is not None and latest.status == "ok"
        state = store.current_state()
    assert {s.status for s in state.sources.values()} == {"ok"}
    assert h.leaks(info.env.values(), database=h.database_bytes(db)) == []
    assert len(state.sources["export"].observation.apps[0].accounts) == CSV_ROWS  # type: ignore[union-attr]


def test_kill_9_at_random_points(tmp_path: Path, server: lb.ServerInfo) -> None:
    _trials(tmp_path, server, 5, run_after_each=False)


@pytest.mark.slow
def test_kill_9_at_random_points_long(tmp_path: Path, server: lb.ServerInfo) -> None:
    _trials(tmp_path, server, 30, run_after_each=True)
