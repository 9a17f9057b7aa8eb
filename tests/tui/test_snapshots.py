"""SVG snapshots of every screen at 80x24 and 160x48 on the fixed-seed sandbox database.

The clock is injected (``conftest.CLOCK``) and the database is built from a fixed seed, so the
pictures change only when the UI does. Regenerate with ``pytest tests/tui --snapshot-update``.
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
    """Let tables measure their new rows (done on idle) before the picture is taken.

    A few fixed pauses were not enough on a loaded 2-core machine: the picture sometimes caught the
    overview before its DataTable had sized its columns. So wait until no table on screen still has
    a pending dimension update (DataTable's own flag, cleared in its idle handler), then make it
    repaint from scratch. Private DataTable members, pinned with Textual itself.
    """
    from textual.widgets import DataTable

    app = pilot.app

    def tables_sized() -> bool:
        return not any(t._require_update_dimensions for t in app.screen.query(DataTable))

    await pilot.pause(0.05)
    await wait_for(pilot, tables_sized)
    # Even sized, a table could still paint rows cached from before the sizing (seen 2 times in 8
    # under load); dropping its render caches makes the picture come from the final widths.
    for table in app.screen.query(DataTable):
        table._clear_caches()
        table.refresh()
    for _ in range(2):
        await pilot.pause(0.05)


def _loaded(app: Any, keys: tuple[str, ...]) -> Any:
    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.first_paint is not None)
        for key in keys:
            await pilot.press(key)
        if keys == SCREENS["help"]:
            # Markdown mounts its blocks asynchronously: on a loaded machine three short pauses
            # were not always enough, and the picture caught a half-rendered help screen.
            await wait_for(pilot, lambda: _help_rendered(app))
        await settle(pilot)

    return run_before


def _help_rendered(app: Any) -> bool:
    from textual.widgets import Markdown

    markdowns = list(app.screen.query(Markdown))
    return bool(markdowns) and all(len(m.children) > 0 for m in markdowns)


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
