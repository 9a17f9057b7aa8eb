"""``stacktrack demo`` says what it wrote before the terminal UI takes the screen; ``--open``
reopens the last demo without rebuilding it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stacktrack.cli import main
from tests.tui.conftest import Demo


def test_demo_prints_the_next_commands_before_opening_the_ui(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    printed_before: list[str] = []

    def fake_run_tui(config: Any, db_path: Path, **kwargs: Any) -> None:
        # What the user has been shown when the UI takes over the screen.
        sys.stderr.flush()
        printed_before.append(runner_err())
        opened.append(str(db_path))

    runner = CliRunner()
    result_box: dict[str, Any] = {}

    def runner_err() -> str:
        stream = result_box["stderr"]
        return stream.getvalue().decode() if hasattr(stream, "getvalue") else ""

    monkeypatch.setattr("stacktrack.tui.app.run_tui", fake_run_tui)
    folder = tmp_path / "d"
    with runner.isolation() as (_out, err, _):
        result_box["stderr"] = err
        with pytest.raises(SystemExit) as exited:
            main.main(["demo", "--weeks", "1", "--seed", "3", "--dir", str(folder)])
    assert exited.value.code in (0, None)
    assert opened == [str(folder / "stacktrack.db")]
    assert "stacktrack demo --open" in printed_before[0]
    assert f"--db {folder / 'stacktrack.db'} report" in printed_before[0]


def test_demo_open_reopens_without_rebuilding(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[Path, Path]] = []
    monkeypatch.setattr(
        "stacktrack.tui.app.run_tui",
        lambda config, db_path, **_: opened.append((config.path, db_path)),
    )
    before = demo.db_path.stat().st_mtime_ns
    for name in [n for n in os.environ if n.startswith("STACKTRACK_SANDBOX_")]:
        monkeypatch.delenv(name)  # a later shell has none of the demo's token variables
    outcome = CliRunner().invoke(main, ["demo", "--open", "--dir", str(demo.directory)])
    assert outcome.exit_code == 0, outcome.output
    assert opened == [(demo.config_path, demo.db_path)]
    assert demo.db_path.stat().st_mtime_ns == before  # nothing rebuilt


def test_demo_open_without_a_demo_says_what_to_do(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, ["demo", "--open", "--dir", str(tmp_path / "none")])
    assert outcome.exit_code == 2
    assert "run `stacktrack demo` first" in outcome.output
