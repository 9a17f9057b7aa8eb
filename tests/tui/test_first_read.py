"""The first read of the store happens before the first paint, so the first frame has the rows.

``StacktrackApp.on_load`` reads and analyses in a thread and waits for it up to ``FIRST_READ_WAIT``;
the screens then mount with the overview. A slower read paints the screen without rows first
("reading…" in the header) and fills it in when it is done; a failed one says so. These tests drive the real app through the pilot.
"""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest
from click.testing import CliRunner
from textual.widgets import DataTable, Static

from stacktrack.cli.main import main
from stacktrack.tui import app as app_module
from stacktrack.tui.screens.overview import OverviewScreen
from tests.tui.conftest import CLOCK, Demo, pinned_analyzer, wait_for


async def test_the_overview_screen_mounts_with_the_first_read(
    app_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_at_mount: list[object] = []
    on_mount = OverviewScreen.on_mount

    def recording(screen: OverviewScreen) -> None:
        seen_at_mount.append(screen.stack_app.overview)
        on_mount(screen)

    monkeypatch.setattr(OverviewScreen, "on_mount", recording)
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.first_paint is not None)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        assert len(seen_at_mount) == 1 and seen_at_mount[0] is app.overview  # read before mount
        assert not screen.query_one("#empty", Static).display  # the placeholder never showed
        table = screen.query_one("#tools", DataTable)
        assert table.row_count == len(app.overview.tools) > 10
        assert app.focused is table  # focused from the start, not after the first paint
        days = (CLOCK - app.overview.as_of).days
        assert screen.sub_title == f"Overview · {app.freshness()}"
        assert screen.sub_title.endswith(f"({days} days ago)")


async def test_a_slow_first_read_shows_the_placeholder_then_the_rows(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_analyzer(config: Any, state: Any, decisions: Any) -> Any:
        release.wait(timeout=10)
        return pinned_analyzer(config, state, decisions)

    monkeypatch.setattr(app_module, "FIRST_READ_WAIT", 0.0)
    app = app_module.make_app(
        demo.config(), demo.db_path, clock=lambda: CLOCK, analyzer=slow_analyzer
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        table = screen.query_one("#tools", DataTable)
        assert app.overview is None and app.first_paint is None
        assert screen.sub_title == "Overview · reading…" and table.row_count == 0
        release.set()
        await wait_for(pilot, lambda: app.first_paint is not None)
        await pilot.pause()
        assert screen.sub_title == f"Overview · {app.freshness()}"
        assert table.row_count == len(app.overview.tools) > 10


async def test_a_failed_first_read_is_reported_and_the_app_stays(demo: Demo) -> None:
    def failing_analyzer(config: Any, state: Any, decisions: Any) -> Any:
        raise ValueError("the analysis broke")

    app = app_module.make_app(
        demo.config(), demo.db_path, clock=lambda: CLOCK, analyzer=failing_analyzer
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app._notifications)
        notification = next(iter(app._notifications))
        assert notification.title == "Could not read the database"
        assert notification.message == "ValueError: the analysis broke"
        assert app.overview is None and app.is_running


async def test_configuration_warnings_are_shown_once(demo: Demo) -> None:
    config = demo.config()
    config.warnings.append("stacktrack.toml is readable by others")
    app = app_module.make_app(config, demo.db_path, clock=lambda: CLOCK, analyzer=pinned_analyzer)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.first_paint is not None)
        await pilot.pause()
        before = app.overview
        await pilot.press("ctrl+r")  # a reload is not a first load: no second warning
        await wait_for(pilot, lambda: app.overview is not before)
        await pilot.pause()
        warnings = [n for n in app._notifications if n.title == "Configuration"]
        assert [n.message for n in warnings] == ["stacktrack.toml is readable by others"]


@pytest.mark.parametrize("fails", [False, True], ids=["painted", "read-failed"])
async def test_the_gc_paused_for_start_up_resumes(demo: Demo, fails: bool) -> None:
    """``run_tui`` turns the cyclic GC off until just after the first paint; it must come back
    (after the paint, or at once when the read fails and nothing is painted), even when it was
    already off before (a caller pausing it for its own start-up hands it over)."""

    def analyzer(config: Any, state: Any, decisions: Any) -> Any:
        if fails:
            raise ValueError("the analysis broke")
        return pinned_analyzer(config, state, decisions)

    app = app_module.make_app(demo.config(), demo.db_path, clock=lambda: CLOCK, analyzer=analyzer)
    try:
        gc.disable()
        app.pause_gc_until_painted()
        assert not gc.isenabled()
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, lambda: app.first_paint is not None or app._notifications)
            await wait_for(pilot, gc.isenabled, limit=app_module.GC_RESUME_AFTER_PAINT + 5)
            assert (app.first_paint is None) == fails
    finally:
        gc.enable()


def test_the_tui_command_imports_and_loads_with_the_gc_paused(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command turns the GC off before its imports and config load and leaves turning it
    back on to ``run_tui`` (tested above)."""
    calls: list[tuple[bool, object]] = []

    def fake_run_tui(config: Any, db_path: Any, **kwargs: Any) -> None:
        calls.append((gc.isenabled(), db_path))

    monkeypatch.setattr(app_module, "run_tui", fake_run_tui)
    try:
        result = CliRunner().invoke(
            main, ["--config", str(demo.config_path), "--db", str(demo.db_path), "tui"]
        )
        back_on = gc.isenabled()  # when run_tui never turned it on (here: a stub), the command does
        failed = CliRunner().invoke(main, ["--config", str(demo.db_path), "tui"])  # not a config
        back_on_after_an_error = gc.isenabled()
    finally:
        gc.enable()
    assert result.exit_code == 0, result.output
    assert calls == [(False, demo.db_path)]
    assert back_on
    assert failed.exit_code != 0 and back_on_after_an_error
