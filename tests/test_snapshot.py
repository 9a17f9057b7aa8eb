"""The snapshot engine and its CLI: isolation, exit codes, locking, redaction."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from stacktrack.cli import main
from stacktrack.config import load_config
from stacktrack.lock import snapshot_lock
from stacktrack.snapshot import SnapshotEvent, run_snapshot
from stacktrack.store import Store

from .fake_plugins import install_fake_plugins

TOKEN_ENV = "STACKTRACK_TEST_TOKEN"
REPO = Path(__file__).resolve().parent.parent


def _config(tmp_path: Path, sources: dict[str, str], extra: str = "") -> Path:
    lines = ['[stacktrack]\ncurrency = "USD"\n']
    for name, plugin in sources.items():
        lines.append(f'[sources.{name}]\nplugin = "{plugin}"\ntoken = {{ env = "{TOKEN_ENV}" }}\n')
        if plugin == "fake_slow":
            lines.append("budget_seconds = 0.2\n")
    lines.append(
        '[[tools]]\nid = "tool"\nname = "Tool"\nsources = ["'
        + '", "'.join(sources)
        + '"]\n[tools.contract]\nannual_cost = 1200\nseats = 4\n'
    )
    path = tmp_path / "stacktrack.toml"
    path.write_text("".join(lines) + extra)
    path.chmod(0o600)
    return path


def _run(path: Path, *args: str, verbose: bool = False) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        ["--config", str(path), "--db", str(path.parent / "st.db")]
        + (["-vv"] if verbose else [])
        + ["snapshot", *args],
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_plugins(monkeypatch)


def test_exit_0_when_every_source_is_stored(tmp_path: Path) -> None:
    code, out, _ = _run(_config(tmp_path, {"one": "fake_good", "two": "fake_good"}), "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["status"] == "ok" and {s["status"] for s in summary["sources"]} == {"ok"}
    assert summary["sources"][0]["counts"]["accounts"] == 2


def test_exit_3_partial_stores_the_others(tmp_path: Path) -> None:
    path = _config(
        tmp_path,
        {"good": "fake_good", "bad": "fake_leaky", "crash": "fake_crash", "slow": "fake_slow"},
    )
    code, _, err = _run(path)
    assert code == 3
    assert "bad: failed: token *** was rejected" in err
    assert "crash: failed: internal error in plugin fake_crash: KeyError" in err
    assert "slow: failed: did not finish within its 0.2s budget" in err
    with Store.open(tmp_path / "st.db") as store:
        state = store.current_state()
        assert state.sources["good"].status == "ok"
        assert len(state.sources["good"].observation.apps[0].accounts) == 2  # type: ignore[union-attr]
        assert {state.sources[n].status for n in ("bad", "crash", "slow")} == {"failed"}


def test_exit_4_when_every_source_fails_and_earlier_runs_stay(tmp_path: Path) -> None:
    path = _config(tmp_path, {"one": "fake_good"})
    assert _run(path)[0] == 0
    path.write_text(path.read_text().replace('"fake_good"', '"fake_leaky"'))
    assert _run(path)[0] == 4
    with Store.open(tmp_path / "st.db") as store:
        source = store.current_state().sources["one"]
        assert source.status == "failed" and source.observation is not None  # the first run's data
        assert [r.status for r in store.runs()] == ["ok", "failed"]


def test_exit_75_while_another_snapshot_holds_the_lock(tmp_path: Path) -> None:
    path = _config(tmp_path, {"one": "fake_good"})
    with snapshot_lock(tmp_path / "st.db"):
        code, _, err = _run(path)
    assert code == 75
    assert "another snapshot is running" in err and f"pid {os.getpid()}" in err
    assert _run(path)[0] == 0  # released


def test_exit_2_for_bad_config_and_unknown_source(tmp_path: Path) -> None:
    path = _config(tmp_path, {"one": "fake_good"})
    code, _, err = _run(path, "--source", "nope")
    assert code == 2 and "--source nope: no such source" in err
    path.write_text("[stacktrack]\ncurrency = 5\n")
    assert _run(path)[0] == 2


def test_source_filter_runs_only_that_source(tmp_path: Path) -> None:
    path = _config(tmp_path, {"one": "fake_good", "two": "fake_leaky"})
    code, out, _ = _run(path, "--source", "one", "--json")
    assert code == 0 and [s["source"] for s in json.loads(out)["sources"]] == ["one"]


async def test_events_report_progress_per_source(tmp_path: Path) -> None:
    config = load_config(
        _config(tmp_path, {"one": "fake_good", "two": "fake_leaky"}), db=tmp_path / "st.db"
    )
    events: list[SnapshotEvent] = []
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    summary = await run_snapshot(config, now=now, on_event=events.append)
    assert summary.exit_code == 3 and summary.as_of == now
    kinds = {(e.source, e.kind) for e in events}
    assert {
        ("one", "started"),
        ("one", "progress"),
        ("one", "finished"),
        ("two", "failed"),
    } <= kinds


def test_no_secret_in_database_logs_stderr_or_output(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = os.environ[TOKEN_ENV]
    path = _config(tmp_path, {"good": "fake_good", "bad": "fake_leaky"})
    caplog.set_level(logging.DEBUG)
    code, out, err = _run(path, verbose=True)
    assert code == 3
    assert "calling vendor with token ***" in err  # the plugin's log line went through redaction
    _code_json, out_json, _ = _run(path, "--json")
    assert "***" in out_json
    blobs = [out, err, out_json, caplog.text]
    for file in tmp_path.iterdir():
        if file.is_file():
            blobs.append(file.read_bytes().decode("latin-1"))
    for blob in blobs:
        assert secret not in blob


async def test_local_plugins_are_collected_without_a_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # csv and manual are LocalPlugins: the engine calls collect(ctx) and never builds a client.
    def no_client(*args: object, **kwargs: object) -> None:
        raise AssertionError("a local plugin must not get an HTTP client")

    monkeypatch.setattr("stacktrack.snapshot.build_client", no_client)
    (tmp_path / "users.csv").write_text(
        "email,last_login\nana@x.com,2026-05-01T09:00:00Z\nbo@x.com,\n", encoding="utf-8"
    )
    path = tmp_path / "stacktrack.toml"
    path.write_text(
        '[stacktrack]\ncurrency = "USD"\n'
        '[sources.export]\nplugin = "csv"\npath = "users.csv"\nlast_active_column = "last_login"\n'
        '[sources.figures]\nplugin = "manual"\npurchased = 10\nactive = 3\n'
        '[[tools]]\nid = "tool"\nname = "Tool"\nsources = ["export", "figures"]\n'
    )
    path.chmod(0o600)
    summary = await run_snapshot(load_config(path, db=tmp_path / "st.db"))
    assert [(s.source, s.status, s.error) for s in summary.sources] == [
        ("export", "ok", None),
        ("figures", "ok", None),
    ]
    with Store.open(tmp_path / "st.db") as store:
        state = store.current_state()
    export = state.sources["export"].observation
    figures = state.sources["figures"].observation
    assert export is not None and figures is not None
    assert [a.email for a in export.apps[0].accounts or []] == ["ana@x.com", "bo@x.com"]
    assert (figures.apps[0].seats_purchased, figures.apps[0].active_users_reported) == (10, 3)
