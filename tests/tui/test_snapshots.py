"""SVG snapshots of every screen at 80x24 and 160x48 on the fixed-seed sandbox database.

The clock is injected (``conftest.CLOCK``) and the database is built from a fixed seed, so the
pictures change only when the UI does. Regenerate with ``pytest tests/tui --snapshot-update``.
The pictures are taken the way a user sees the screen: nothing is reset or repainted for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stacktrack.tui.app import make_app
from stacktrack.tui.screens.tool import ToolScreen
from tests.tui.conftest import CLOCK, wait_for

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SCREENS = {
    "overview": (),
    "recommendations": ("2",),
    "renewals": ("3",),
    "map": ("4",),
    "shadow": ("5",),
    "help": ("question_mark",),
}


async def settle(pilot: Any) -> None:
    """Let workers finish and pending messages run, then take the picture as a user would see it.

    No private cache is touched: the app sizes its table columns when it fills them
    (``stacktrack.tui.widgets.table.fill``), so what is painted first is already final.
    """
    app = pilot.app
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def _loaded(app: Any, keys: tuple[str, ...]) -> Any:
    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.first_paint is not None)
        for key in keys:
            await pilot.press(key)
        if keys == SCREENS["help"]:
            # Markdown parses in an executor and mounts its blocks later; until then it holds a
            # placeholder block, so "has children" is not "rendered" (the old help-160x48 flake).
            await wait_for(pilot, lambda: getattr(app.screen, "rendered", False))
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare: Any, app_factory: Any, screen: str, size: tuple[int, int]) -> None:
    app = app_factory()
    assert snap_compare(app, terminal_size=size, run_before=_loaded(app, SCREENS[screen]))


@pytest.mark.parametrize("size", SIZES)
def test_tool_detail(snap_compare: Any, app_factory: Any, size: tuple[int, int]) -> None:
    app = app_factory()

    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.first_paint is not None)
        app.open_tool("hubspot")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolScreen) and app.screen.detail)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_no_config(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = make_app(None, tmp_path / "x.db", clock=lambda: CLOCK)

    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.overview is not None)
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
