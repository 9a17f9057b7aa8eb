"""Recommendations in SPEC §7 order: accept, dismiss or reopen each (persisted), export to CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import DataTable, Static

from stacktrack.tui.data import Overview, RecommendationRow
from stacktrack.tui.messages import ExportWritten
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.screens.dialogs import ConfirmScreen, PathScreen
from stacktrack.tui.widgets import cells

STATUS_STYLES = {"accepted": "green", "dismissed": "dim strike", "open": ""}


def spec_order(recs: list[RecommendationRow]) -> list[RecommendationRow]:
    """Earliest deadline first (none last), then the larger savings."""
    far = dt.date.max
    return sorted(recs, key=lambda r: (r.deadline or far, -(r.annual_savings or 0.0)))


class RecommendationsScreen(AreaScreen):
    AREA = "Recommendations"
    BINDINGS = [
        Binding("a", "mark('accepted')", "Accept"),
        Binding("d", "mark('dismissed')", "Dismiss"),
        Binding("u", "mark('open')", "Reopen", show=False),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[RecommendationRow] = []

    def body(self) -> ComposeResult:
        yield Static(id="rec-summary")
        table: DataTable[Any] = DataTable(id="recs", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="rec-detail")

    def show(self, overview: Overview) -> None:
        table = self.query_one("#recs", DataTable)
        table.display = not overview.empty
        if overview.empty:
            return
        selected = self.selected()
        self.rows = spec_order(overview.recommendations)
        today = self.today()
        wide = self.size.width >= 120
        table.clear(columns=True)
        table.add_column("Notice by", key="deadline")
        table.add_column("Action", key="action")
        table.add_column("Tool", key="tool")
        table.add_column("Saves/yr", key="savings")
        table.add_column("Conf.", key="confidence")
        table.add_column("Status", key="status")
        if wide:
            table.add_column("Reason", key="reason")
        for rec in self.rows:
            tool = rec.tool_name
            if rec.target_tool_name and wide:
                tool += f" → {rec.target_tool_name}"
            elif not wide and len(tool) > 20:
                tool = tool[:19] + "…"
            row = [
                cells.deadline(rec.deadline, today),
                cells.verdict(rec.verdict, compact=not wide),
                tool,
                cells.money(rec.annual_savings, overview.currency, compact=not wide),
                rec.confidence,
                Text(rec.status, style=STATUS_STYLES.get(rec.status, "")),
            ]
            if wide:
                row.append(rec.reason)
            table.add_row(*row, key=rec.id)
        if selected is not None and any(r.id == selected.id for r in self.rows):
            table.move_cursor(row=table.get_row_index(selected.id))
        open_savings = sum(r.annual_savings or 0 for r in self.rows if r.status == "open")
        accepted = sum(r.annual_savings or 0 for r in self.rows if r.status == "accepted")
        summary = Text()
        summary.append(f"{len(self.rows)} recommendations  ", style="bold")
        summary.append("open ", style="dim")
        summary.append(cells.money(open_savings, overview.currency).plain, style="bold")
        summary.append("  accepted ", style="dim")
        summary.append(cells.money(accepted, overview.currency).plain, style="bold green")
        summary.append(
            "   a accept · d dismiss · u reopen · e export · enter open tool", style="dim"
        )
        self.query_one("#rec-summary", Static).update(summary)

    @on(DataTable.RowHighlighted, "#recs")
    def _highlighted(self) -> None:
        rec = self.selected()
        overview = self.stack_app.overview
        if rec is None or overview is None:
            return
        text = Text()
        text.append_text(cells.verdict(rec.verdict))
        text.append(f" {rec.tool_name}", style="bold")
        if rec.target_tool_name:
            text.append(f" into {rec.target_tool_name}", style="bold")
        text.append(f"  ({rec.id})\n", style="dim")
        text.append(rec.reason)
        if rec.evidence:
            shown = ", ".join(f"{k}={v}" for k, v in rec.evidence.items())
            text.append(f"\nevidence: {shown}", style="dim")
        self.query_one("#rec-detail", Static).update(text)

    def selected(self) -> RecommendationRow | None:
        table = self.query_one("#recs", DataTable)
        if table.row_count == 0 or not self.rows:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    @on(DataTable.RowSelected, "#recs")
    def _open(self, event: DataTable.RowSelected) -> None:
        rec = next((r for r in self.rows if r.id == event.row_key.value), None)
        if rec is not None:
            self.stack_app.open_tool(rec.tool_id)

    def action_mark(self, status: str) -> None:
        rec = self.selected()
        if rec is not None:
            self.stack_app.set_recommendation_state(rec.id, status)

    # -- export: ask for a path, confirm, write in a worker, notify -----------------------------

    def action_export(self) -> None:
        if not self.rows:
            self.notify("Nothing to export yet.", severity="warning")
            return
        default = str(Path.cwd() / "stacktrack-recommendations.csv")
        self.app.push_screen(PathScreen("Export recommendations to CSV", default), self._got_path)

    def _got_path(self, path: str | None) -> None:
        if not path:
            return
        target = Path(path).expanduser()
        question = f"Write {len(self.rows)} recommendations to {target}?"
        if target.exists():
            question += "\nThe file exists and will be replaced."

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.export(target)

        self.app.push_screen(ConfirmScreen(question), confirmed)

    @work(thread=True, exclusive=True, group="export")
    def export(self, path: Path) -> None:
        try:
            rows = self.stack_app.data.export_recommendations(path)
        except Exception as exc:  # an unwritable path is the user's to fix: say so
            self.app.call_from_thread(
                self.notify, f"{path}: {exc}", title="Export failed", severity="error"
            )
            return
        self.post_message(ExportWritten(str(path), rows))

    def on_export_written(self, message: ExportWritten) -> None:
        self.notify(f"{message.rows} recommendations written to {message.path}.", title="Exported")

    def palette_commands(self) -> list[SystemCommand]:
        return [
            SystemCommand("Accept recommendation", "The selected one", lambda: self.action_mark("accepted")),
            SystemCommand("Dismiss recommendation", "The selected one", lambda: self.action_mark("dismissed")),
            SystemCommand("Reopen recommendation", "The selected one", lambda: self.action_mark("open")),
        ]  # fmt: skip
