"""Fixtures for the TUI tests: one fixed-seed sandbox database, built once, copied per test."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stacktrack.config import LoadedConfig, load_config
from stacktrack.sandbox import participants
from stacktrack.sandbox.demo import run_demo
from stacktrack.sandbox.world import end_date
from stacktrack.tui.app import StacktrackApp, make_app

SEED = 7
WEEKS = 3
CLOCK = dt.datetime(2026, 4, 1, 12, 0, tzinfo=dt.UTC)
"""The injected "now": nothing on screen may depend on the real clock."""


def pinned_analyzer(config: LoadedConfig, state: Any, rec_states: Any) -> Any:
    """The analysis with "today" at ``CLOCK`` (days to notice, overdue), not the real date."""
    from stacktrack.analysis.analyze import analyze
    from stacktrack.catalog import load_catalog

    return analyze(config.file, state, load_catalog(), rec_states, today=CLOCK.date())


@dataclass(frozen=True)
class Demo:
    directory: Path
    config_path: Path
    db_path: Path
    last_run_at: dt.datetime

    def config(self) -> LoadedConfig:
        return load_config(self.config_path, db=self.db_path)


def _tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    for source in participants.sources_for("okta"):
        monkeypatch.setenv(participants.env_name(source), participants.token_for(SEED, source))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, sandbox_token_vars: list[str]) -> Demo:
    directory = tmp_path_factory.mktemp("tui-demo")
    # Only stacktrack's own plugins: installing a third-party one must not change the pictures.
    # The demo ends on the wall-clock date by default; pinned here so pictures never drift.
    with pytest.MonkeyPatch.context() as env:
        for name in sandbox_token_vars:  # run_demo exports them; put back on leaving the block
            env.delenv(name, raising=False)
        result = run_demo(
            directory, seed=SEED, weeks=WEEKS, only=participants.shipped_with(), end=end_date(SEED)
        )
    assert not result.failures
    return Demo(directory, result.config_path, result.db_path, result.last_run_at)


@pytest.fixture
def demo(demo_template: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    """A private copy: tests that write (accept, snapshot) never affect the others."""
    _tokens(monkeypatch)
    directory = tmp_path / "demo"
    shutil.copytree(demo_template.directory, directory)
    return Demo(
        directory,
        directory / "stacktrack.toml",
        directory / "stacktrack.db",
        demo_template.last_run_at,
    )


@pytest.fixture
def app_factory(demo: Demo) -> Callable[..., StacktrackApp]:
    def build(**kwargs: object) -> StacktrackApp:
        kwargs.setdefault("analyzer", pinned_analyzer)
        return make_app(demo.config(), demo.db_path, clock=lambda: CLOCK, **kwargs)  # type: ignore[arg-type]

    return build


async def wait_for(pilot: object, condition: Callable[[], object], limit: float = 10.0) -> None:
    """Pause the pilot until ``condition()`` holds (workers finish on their own time)."""
    loop_time = 0.0
    while not condition():
        await pilot.pause(0.02)  # type: ignore[attr-defined]
        loop_time += 0.02
        if loop_time > limit:
            raise AssertionError("condition not reached in time")
