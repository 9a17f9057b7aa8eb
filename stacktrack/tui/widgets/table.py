"""Fill a DataTable with columns sized from their content up front.

A DataTable left to size its own columns does so on idle, after the rows are added; a paint that
lands in between caches rows cut to the header labels ("Hoot right-s"), and when the final widths
equal the previous fill's nothing invalidates that cache, so the cut picture stays until the next
change. Giving every column its width when it is added leaves nothing for idle to change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

Cell = str | Text


def width(cell: Cell) -> int:
    """Cells a value takes on screen (the widest line of a multi-line text)."""
    plain = cell.plain if isinstance(cell, Text) else cell
    return max((cell_len(line) for line in plain.splitlines()), default=0)


def fill(
    table: DataTable[Any],
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Sequence[Cell], str | None]],
) -> None:
    """Replace the table's columns (``(label, key)``) and rows (``(cells, row key)``)."""
    table.clear(columns=True)
    for index, (label, key) in enumerate(columns):
        widest = max((width(cells[index]) for cells, _ in rows), default=0)
        table.add_column(label, key=key, width=max(width(label), widest))
    for cells, row_key in rows:
        table.add_row(*cells, key=row_key)


class Table(DataTable[Any]):
    """A DataTable with the keys terminal users expect: j/k move, g/G jump to the top/bottom,
    and enter (shown in the footer) opens the row."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
    ]

    def allow_focus(self) -> bool:
        """A hidden table takes no focus (Textual would give it one: its keys would then shadow
        the screen's in the footer)."""
        return bool(self.display) and super().allow_focus()
