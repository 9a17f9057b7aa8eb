"""Reliability (docs/benchmarks.md): the TUI reads while a snapshot writes, without "database is locked"; an overlapping
snapshot exits 75 naming the one that holds the lock.

The writer is a real ``stacktrack snapshot`` process against the sandbox loopback server with a CSV
source whose 20,000 rows all change, so it holds write transactions for a while. Meanwhile this process
runs the TUI's own read path (``StackData.load_overview``) and a bare ``Store.current_state`` loop in
two threads, and records a recommendation decision as the TUI does.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from stacktrack.config import load_config
from stacktrack.lock import lock_path
from stacktrack.store import Store
from stacktrack.tui.data import StackData

from . import loopback as lb

CSV_ROWS = 10_000


def test_reads_during_a_snapshot_and_an_overlapping_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox, info = lb.start_server(latency_ms=10, page_size=200)
    for name, value in info.env.items():
        monkeypatch.setenv(name, value)
    try:
        config_path = lb.write_config(tmp_path, info, csv_rows=CSV_ROWS)
        db = tmp_path / "st.db"
        first = lb.run(config_path, db, info, "snapshot")
        assert first.returncode == 0, first.stderr
        lb.write_csv(tmp_path, CSV_ROWS, seed=7)  # every row changes: long write transactions

        errors: list[str] = []
        reads = {"overview": 0, "state": 0}
        stop = threading.Event()
        config = load_config(config_path, db=db)

        def tui_reader() -> None:
            data = StackData(config, db)
            while not stop.is_set():
                try:
                    overview = data.load_overview()
                    assert not overview.empty
                    reads["overview"] += 1
                except Exception as exc:
                    errors.append(f"overview: {type(exc).__name__}: {exc}")

        def state_reader() -> None:
            store = Store.open(db)
            try:
                while not stop.is_set():
                    try:
                        state = store.current_state()
                        assert state.run_id is not None
                        reads["state"] += 1
                    except sqlite3.Error as exc:
                        errors.append(f"state: {type(exc).__name__}: {exc}")
            finally:
                store.close()

        writer = lb.spawn(config_path, db, info)
        threads = [threading.Thread(target=tui_reader), threading.Thread(target=state_reader)]
        for thread in threads:
            thread.start()
        try:
            holder = ""
            deadline = time.monotonic() + 30
            while "pid" not in holder and time.monotonic() < deadline:
                time.sleep(0.02)
                holder = lock_path(db).read_text() if lock_path(db).exists() else ""
            assert f"pid {writer.pid}" in holder

            second = lb.run(config_path, db, info, "snapshot")
            assert second.returncode == 75, second.stderr
            assert f"pid {writer.pid}" in second.stderr and "another snapshot" in second.stderr
            assert "Traceback" not in second.stderr

            StackData(config, db).set_recommendation_state("cut:example", "dismissed")
            _, writer_err = writer.communicate(timeout=120)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            if writer.poll() is None:
                writer.kill()
    finally:
        sandbox.shutdown()

    assert writer.returncode == 0, writer_err
    assert errors == []
    assert reads["overview"] >= 1 and reads["state"] >= 3, reads
    print("reads during the snapshot:", reads)
    with Store.open(db) as store:
        assert store.recommendation_states() == {"cut:example": "dismissed"}
        runs = store.runs()
    assert [r.status for r in runs] == ["ok", "ok"]  # the refused snapshot stored nothing
