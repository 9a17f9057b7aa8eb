"""Live per-source progress of a snapshot started from the UI (the run itself is an app worker)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from stacktrack.tui.messages import SnapshotFinished, SnapshotProgressed

KIND_STYLES = {"started": "cyan", "progress": "", "finished": "green", "failed": "bold red"}


class SnapshotScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,enter", "app.pop_screen", "Close (the run continues)")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="snapshot-dialog"):
            yield Label("Snapshot running…", id="snapshot-status", classes="dialog-title")
            table: DataTable[Any] = DataTable(id="snapshot-sources", cursor_type="none")
            yield table
            yield Label("esc closes this window; the snapshot continues.", classes="hint")

    def on_mount(self) -> None:
        if not self.query("#snapshot-sources"):
            return  # pushed while the app was quitting (``s`` typed right after ``q``): nothing to show
        table = self.query_one("#snapshot-sources", DataTable)
        table.add_column("Source", key="source")
        table.add_column("State", key="state")
        table.add_column("Last message", key="message", width=40)
        for event in list(self.app.snapshot_events):  # type: ignore[attr-defined]
            self.progressed(event)
        if not self.app.snapshot_running:  # type: ignore[attr-defined]
            self.query_one("#snapshot-status", Label).update("Last snapshot")

    def progressed(self, event: SnapshotProgressed) -> None:
        table = self.query_one("#snapshot-sources", DataTable)
        state = Text(event.kind, style=KIND_STYLES.get(event.kind, ""))
        if event.source in table.rows:
            table.update_cell(event.source, "state", state)
            table.update_cell(event.source, "message", event.message)
        else:
            table.add_row(event.source, state, event.message, key=event.source)

    def finished(self, message: SnapshotFinished) -> None:
        label = self.query_one("#snapshot-status", Label)
        if message.error:
            label.update(Text(f"Snapshot not run: {message.error}", style="bold red"))
        else:
            label.update(Text(f"Run {message.run_id} stored: {message.status}", style="bold"))
