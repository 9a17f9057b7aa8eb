"""The overview's first paint shows whole cells: what a user sees, read from the rendered lines.

A DataTable sizes its auto-width columns on idle; a paint that lands between filling the table and
that idle caches rows cut to the header labels ("Hoot right-s"), and when the new widths equal the
old ones nothing invalidates that cache. These tests read the table the way the terminal gets it.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.widgets import DataTable

from stacktrack.tui.screens.overview import OverviewScreen
from tests.tui.conftest import wait_for


def painted(table: DataTable[Any]) -> list[str]:
    """The table's lines as the compositor paints them (render caches included)."""
    width, height = table.size
    return [strip.text for strip in table.render_lines(Region(0, 0, width, height))]


async def idle(pilot: Any) -> None:
    app = pilot.app

    def sized() -> bool:
        return not any(t._require_update_dimensions for t in app.screen.query(DataTable))

    await pilot.pause()
    await wait_for(pilot, sized)
    await pilot.pause()


def assert_whole(lines: list[str], screen: OverviewScreen) -> None:
    """Every header label and every visible tool name (cut only by the 20-letter rule) is whole."""
    text = "\n".join(lines)
    assert "Utilization" in text or "Util." in text, text
    for tool in screen.shown_rows[: len(lines) - 1]:
        shown = tool.name if len(tool.name) <= 20 else tool.name[:19]
        assert shown in text, f"{tool.name!r} is cut in the painted overview:\n{text}"


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=["160x48", "80x24"])
async def test_first_paint_shows_whole_cells(app_factory: Any, size: tuple[int, int]) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.first_paint is not None)
        await idle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        assert_whole(painted(screen.query_one("#tools", DataTable)), screen)


async def test_a_paint_before_the_table_is_sized_is_not_kept(app_factory: Any) -> None:
    """Refill, paint at once (as a busy compositor may), then let the table size itself."""
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app.first_paint is not None)
        await idle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        table = screen.query_one("#tools", DataTable)
        screen.refill()
        painted(table)  # the early paint
        await idle(pilot)
        assert_whole(painted(table), screen)
