"""Shadow IT: apps seen by identity providers or integration sources that match no tool."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from stacktrack.tui.data import Overview
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.widgets import cells


class ShadowScreen(AreaScreen):
    AREA = "Shadow IT"

    def body(self) -> ComposeResult:
        yield Static(id="shadow-summary")
        table: DataTable[Any] = DataTable(id="shadow", cursor_type="row", zebra_stripes=True)
        yield table

    def show(self, overview: Overview) -> None:
        table = self.query_one("#shadow", DataTable)
        table.display = not overview.empty
        if overview.empty:
            return
        rows = sorted(overview.unmatched, key=lambda u: (-(u.active_users or -1), u.app.lower()))
        table.clear(columns=True)
        table.add_columns("App", "Seen by", "Active users")
        for app in rows:
            table.add_row(app.app, app.source, cells.count(app.active_users))
        text = Text(f"{len(rows)} apps in use that match no tool in the config. ", style="bold")
        text.append("Add them as tools (or to a tool's `match`) to track their cost.", style="dim")
        self.query_one("#shadow-summary", Static).update(text)
