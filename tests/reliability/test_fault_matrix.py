"""The fault matrix (docs/benchmarks.md): every first-party plugin x every fault, through the real snapshot engine.

Each case runs all first-party sources against their emulators (test kits), one of them faulted at its
second request. A transient fault (timeout, 5xx, 429 + Retry-After, truncated body) is retried and the
source stored as if nothing happened; the others (401, malformed JSON, a repeated cursor, a
non-retryable rate limit) fail that source with a clear one-line reason while every other source is
stored, the earlier run stays untouched and the exit status is 3 (docs/reference.md). Every case also scans the
database bytes, logs, events, run summary, report and exports for every configured secret.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from stacktrack.snapshot import SnapshotEvent, run_snapshot

from . import harness as h

PLUGINS = h.available_plugins()

TRANSIENT = {"timeout", "500", "503", "429", "truncated"}
REASONS = {
    "401": r"credential|token|401",
    "malformed": r"not valid JSON",
    "repeat_cursor": r"loop|repeat",
    "429": r"limit",
    "timeout": r"timed out",
    "500": r"HTTP 500",
    "503": r"HTTP 503",
    "truncated": r"network error|truncat|incomplete",
}


def recovers(plugin: str, kind: str) -> bool:
    if kind == "429":
        return h.kit(plugin).RATE_LIMIT_RETRYABLE
    return kind in TRANSIENT


@pytest.fixture(scope="module")
def clean_dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per plugin clock: a database holding one clean run of every source (the "earlier run")."""
    import stamina

    dbs = {}
    with stamina.set_testing(True, attempts=3):
        for plugin in PLUGINS:
            folder = tmp_path_factory.mktemp(f"clean-{plugin}")
            config = h.load(folder, PLUGINS)
            transports, _ = h.transports(PLUGINS)
            summary = asyncio.run(run_snapshot(config, now=h.as_of(plugin), transports=transports))
            assert summary.exit_code == 0, summary.to_json()
            dbs[plugin] = folder / "st.db"
    return dbs


def _exports(config: Any) -> dict[str, str]:
    """Everything a user can export from the database: report JSON and the three exports."""
    from stacktrack.analysis.analyze import analyze
    from stacktrack.catalog import load_catalog
    from stacktrack.report import export
    from stacktrack.report.json_report import build_report
    from stacktrack.store import Store

    with Store.open(config.db_path) as store:
        state = store.current_state()
    analysis = analyze(config.file, state, load_catalog(), {})
    out = {
        "report": json.dumps(build_report(analysis, run_id=state.run_id, generated_at=state.as_of))
    }
    for name, write in (
        ("recommendations.csv", export.write_recommendations_csv),
        ("recommendations.json", export.write_recommendations_json),
    ):
        stream = io.StringIO()
        write(analysis.recommendations, analysis.tools, "USD", stream)
        out[name] = stream.getvalue()
    stream = io.StringIO()
    export.write_tools_csv(analysis.tools, "USD", stream)
    out["tools.csv"] = stream.getvalue()
    return out


def run_case(
    tmp_path: Path,
    clean_db: Path,
    plugin: str,
    kind: str,
    caplog: pytest.LogCaptureFixture,
    *,
    persistent: bool,
) -> None:
    db = tmp_path / "st.db"
    shutil.copy(clean_db, db)
    config = h.load(tmp_path, PLUGINS)
    before = {
        table: h.table_rows(db, table) for table in ("runs", "source_runs", "apps", "accounts")
    }
    events: list[SnapshotEvent] = []
    transports, injectors = h.transports(PLUGINS, plugin, kind, last=10_000 if persistent else None)
    summary = asyncio.run(
        run_snapshot(config, now=h.as_of(plugin), transports=transports, on_event=events.append)
    )
    assert injectors[plugin].injected[kind] >= 1, "the fault was never injected"
    outcomes = {o.source: o for o in summary.sources}
    faulted = outcomes.pop(plugin)
    expect_ok = recovers(plugin, kind) and not persistent

    # the other sources are stored whatever happened to this one
    assert {o.status for o in outcomes.values()} == {"ok"}, summary.to_json()
    stored = {row[1]: row for row in h.table_rows(db, "source_runs") if row[0] == summary.run_id}
    assert set(stored) == set(PLUGINS)
    assert all(stored[name][3] == "ok" for name in outcomes)

    if expect_ok:
        assert (summary.exit_code, faulted.status) == (0, "ok"), faulted.error
        # recovered: exactly the data of the clean run (same clock, same emulator data)
        assert [r for r in h.table_rows(db, "accounts") if r[0] == plugin] == [
            r for r in before["accounts"] if r[0] == plugin
        ]
    else:
        assert (summary.exit_code, summary.status, faulted.status) == (3, "partial", "failed")
        error = faulted.error or ""
        assert error and "\n" not in error and len(error) < 400, error
        assert "Traceback" not in error
        assert re.search(REASONS[kind], error, re.IGNORECASE), error
        assert stored[plugin][3:5] == ("failed", error)
        # its earlier data stays exactly as the clean run stored it
        for table in ("apps", "accounts"):
            assert [r for r in h.table_rows(db, table) if r[0] == plugin] == [
                r for r in before[table] if r[0] == plugin
            ], table
        assert any(e.kind == "failed" and e.source == plugin for e in events)
    # the earlier run is untouched
    assert [r for r in h.table_rows(db, "source_runs") if r[0] == 1] == before["source_runs"]
    assert h.table_rows(db, "runs")[0] == before["runs"][0]
    assert h.source_consistency_problems(db) == []
    assert h.integrity(db) == "ok"

    # no secret anywhere
    secrets = config.secrets()
    assert {h.token_for(p) for p in PLUGINS} <= set(secrets)
    texts: dict[str, str | bytes] = {
        "database": h.database_bytes(db),
        "logs": caplog.text,
        "events": "\n".join(f"{e.source} {e.kind} {e.message}" for e in events),
        "summary": json.dumps(summary.to_json()),
        **_exports(config),
    }
    assert h.leaks(secrets, **texts) == []


@pytest.mark.parametrize("kind", h.FAULTS)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_fault_once(
    plugin: str,
    kind: str,
    tmp_path: Path,
    clean_dbs: dict[str, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    run_case(tmp_path, clean_dbs[plugin], plugin, kind, caplog, persistent=False)


@pytest.mark.slow
@pytest.mark.parametrize("kind", h.FAULTS)
@pytest.mark.parametrize("plugin", PLUGINS)
def test_fault_persists(
    plugin: str,
    kind: str,
    tmp_path: Path,
    clean_dbs: dict[str, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The fault hits every request from the second on: even transient kinds end as a clear failure."""
    run_case(tmp_path, clean_dbs[plugin], plugin, kind, caplog, persistent=True)


def test_every_first_party_plugin_is_in_the_matrix() -> None:
    assert PLUGINS == h.PLUGINS, "a first-party plugin has no test kit: it must join the matrix"
