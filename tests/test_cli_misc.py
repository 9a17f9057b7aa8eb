"""init, plugins, schedule, report on the example config, and the internal-error path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from stacktrack import registry
from stacktrack.cli import main
from stacktrack.config import load_config

REPO = Path(__file__).resolve().parent.parent


def test_init_writes_a_valid_private_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "stacktrack.toml"
    runner = CliRunner()
    result = runner.invoke(main, ["--config", str(target), "init"])
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600
    assert load_config(target).file.tools[0].id == "example"
    again = runner.invoke(main, ["--config", str(target), "init"])
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_plugins_lists_each_with_what_it_observes_and_survives_a_broken_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = registry.load_plugin
    monkeypatch.setattr(registry, "plugin_names", lambda: ["broken", "csv", "manual"])
    monkeypatch.setattr(
        registry,
        "load_plugin",
        lambda n: (
            registry.PluginLoadError(n, "x:y", "ImportError: nope") if n == "broken" else real(n)
        ),
    )
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 0
    assert "broken" in result.output and "failed to load: ImportError: nope" in result.output
    assert "csv" in result.output and "observes accounts, activity, seats" in result.output


def test_listing_plugin_names_imports_no_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    # Put the modules back afterwards: a later test that imported a plugin class before this one
    # must still find the same class objects (identity checks such as `emulator() is ...`).
    for name in [m for m in sys.modules if m.startswith("stacktrack_")]:
        monkeypatch.delitem(sys.modules, name)
    names = registry.plugin_names()
    assert {
        "okta",
        "salesforce",
        "hubspot",
        "slack",
        "segment",
        "google_workspace",
        "csv",
        "manual",
    } <= set(names)
    assert not [m for m in sys.modules if m.startswith("stacktrack_")]


def test_schedule_prints_absolute_paths(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[stacktrack]\n")
    db = tmp_path / "st.db"
    cron = CliRunner().invoke(
        main, ["--config", str(config), "--db", str(db), "schedule", "--cron", "--at", "07:30"]
    )
    assert cron.exit_code == 0
    line = next(ln for ln in cron.output.splitlines() if not ln.startswith("#"))
    assert line.startswith("30 7 * * * /") and f"--config {config}" in line and f"--db {db}" in line
    assert line.split()[5].startswith("/")
    units = CliRunner().invoke(
        main, ["--config", str(config), "--db", str(db), "schedule", "--systemd"]
    )
    assert "OnCalendar=*-*-* 06:15:00" in units.output and "SuccessExitStatus=3 75" in units.output
    bad = CliRunner().invoke(main, ["--config", str(config), "schedule", "--at", "25:00"])
    assert bad.exit_code == 2 and "HH:MM" in bad.stderr


def test_snapshot_then_report_on_the_example_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["--config", str(REPO / "config.example.toml"), "--db", str(tmp_path / "ex.db")]
    runner = CliRunner()
    assert runner.invoke(main, [*args, "snapshot"]).exit_code == 0
    result = runner.invoke(main, [*args, "report", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["schema"] == "stacktrack.report/1"
    canva = next(t for t in report["tools"] if t["id"] == "canva")
    # examples/canva-users.csv: 8 rows, 1 suspended -> 7 assigned (the invited one holds a seat);
    # active in the 30 days before the run depends on the run clock, so check the invariants instead.
    assert canva["seats_assigned"] == 7 and canva["seats_purchased"] == 12
    assert canva["never_active_users"] == 2  # Dev (empty cell) and Gus (invited, never logged in)
    crm = next(t for t in report["tools"] if t["id"] == "crm")
    assert crm["active_users"] is None and crm["utilization"] is None  # no source: unknown, not 0
    table = runner.invoke(main, [*args, "report"])
    assert table.exit_code == 0 and "Canva Teams" in table.output


def test_report_without_a_database_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--config",
            str(REPO / "config.example.toml"),
            "--db",
            str(tmp_path / "none.db"),
            "report",
        ],
    )
    assert result.exit_code == 2 and "stacktrack snapshot" in result.stderr


def test_an_internal_error_writes_a_redacted_crash_file_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import stacktrack.registry as reg

    def explode() -> None:
        raise RuntimeError(f"boom {os.environ['STACKTRACK_TEST_TOKEN']}")

    monkeypatch.setattr(reg, "load_all", explode)
    result = CliRunner().invoke(main, ["plugins"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "this is a bug" in result.stderr
    crash = Path(result.stderr.split("written to ")[1].split(";")[0])
    text = crash.read_text()
    assert "RuntimeError" in text and os.environ["STACKTRACK_TEST_TOKEN"] not in text


def test_global_options_alone_open_the_tui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Path] = []
    monkeypatch.setattr("stacktrack.tui.app.run_tui", lambda config, db: opened.append(db))
    config = tmp_path / "c.toml"
    config.write_text("[stacktrack]\n")
    result = CliRunner().invoke(main, ["--config", str(config), "--db", str(tmp_path / "x.db")])
    assert result.exit_code == 0, result.output
    assert opened == [tmp_path / "x.db"]


def test_reading_commands_need_no_token_but_snapshot_names_the_unset_variable(
    tmp_path: Path,
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[sources.m]\nplugin = "manual"\nactive = 1\ntoken = { env = "STACKTRACK_TEST_UNSET_VARIABLE" }\n'
        '[sources.n]\nplugin = "manual"\nactive = 2\n'
        '[[tools]]\nid = "t"\nname = "T"\nsources = ["m", "n"]\n'
    )
    args = ["--config", str(config), "--db", str(tmp_path / "x.db")]
    runner = CliRunner()
    strict = runner.invoke(main, [*args, "snapshot"])
    assert strict.exit_code == 2 and "STACKTRACK_TEST_UNSET_VARIABLE is not set" in strict.stderr
    lenient = load_config(config, need_secrets=False)
    assert lenient.missing_secrets == {
        "m": "the environment variable STACKTRACK_TEST_UNSET_VARIABLE is not set"
    }
    config.write_text(
        config.read_text().replace('token = { env = "STACKTRACK_TEST_UNSET_VARIABLE" }\n', "")
    )
    assert runner.invoke(main, [*args, "snapshot"]).exit_code == 0
    config.write_text(
        config.read_text().replace(
            "active = 1\n", 'active = 1\ntoken = { env = "STACKTRACK_TEST_UNSET_VARIABLE" }\n'
        )
    )
    report = runner.invoke(main, [*args, "report", "--json"])
    assert report.exit_code == 0, report.output


def test_a_closed_pipe_is_not_a_crash(tmp_path: Path) -> None:
    import subprocess
    import sys

    args = ["--config", str(REPO / "config.example.toml"), "--db", str(tmp_path / "ex.db")]
    assert CliRunner().invoke(main, [*args, "snapshot"]).exit_code == 0
    exe = Path(sys.executable).parent / "stacktrack"
    # the reader leaves before the report is written (startup takes far longer than this close),
    # as `| head -0` would: the writer gets EPIPE
    proc = subprocess.Popen(
        [str(exe), *args, "report", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.close()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=60) == 0
    assert "Internal error" not in stderr and "Traceback" not in stderr
