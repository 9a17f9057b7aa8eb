"""Recommendations, earliest deadline first: accept, dismiss or reopen each (kept), export to CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from stacktrack.analysis.models import Recommendation
from stacktrack.tui.data import Overview, verdict_word
from stacktrack.tui.messages import ExportWritten
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.screens.dialogs import ConfirmScreen, PathScreen
from stacktrack.tui.widgets import cells
from stacktrack.tui.widgets.table import Cell, Table, fill

STATUS_STYLES = {"accepted": "green", "dismissed": "dim strike", "open": ""}


def spec_order(recs: tuple[Recommendation, ...] | list[Recommendation]) -> list[Recommendation]:
    """Earliest deadline first (none last), then the larger savings."""
    far = dt.date.max
    return sorted(recs, key=lambda r: (r.deadline or far, -(r.annual_savings or 0.0)))


class RecommendationsScreen(AreaScreen):
    AREA = "Recommendations"
    BINDINGS = [
        Binding("a", "mark('accepted')", "Accept"),
        Binding("d", "mark('dismissed')", "Dismiss"),
        Binding("u", "mark('open')", "Reopen"),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Recommendation] = []

    def body(self) -> ComposeResult:
        yield Static(id="rec-summary")
        yield Table(id="recs", cursor_type="row", zebra_stripes=True)
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
        columns = [("Notice by", "deadline"), ("Action", "action"), ("Tool", "tool"),
                   ("Saves/yr", "savings"), ("Conf.", "confidence"), ("Status", "status")]  # fmt: skip
        if wide:
            columns.append(("Reason", "reason"))
        rows: list[tuple[list[Cell], str]] = []
        for rec in self.rows:
            tool = overview.name(rec.tool_id)
            if rec.target_tool_id and wide:
                tool += f" → {overview.name(rec.target_tool_id)}"
            elif not wide and len(tool) > 20:
                tool = tool[:19] + "…"
            row: list[Cell] = [
                cells.deadline(rec.deadline, today),
                cells.verdict(verdict_word(rec), compact=not wide),
                tool,
                cells.money(rec.annual_savings, overview.currency, compact=not wide),
                rec.confidence,
                Text(rec.status + (" ✎" if rec.decision_note else ""),
                     style=STATUS_STYLES.get(rec.status, "")),
            ]  # fmt: skip
            if wide:
                row.append(rec.reason)
            rows.append((row, rec.id))
        fill(table, columns, rows)
        if selected is not None and any(r.id == selected.id for r in self.rows):
            table.move_cursor(row=table.get_row_index(selected.id))
        totals = overview.totals
        assert totals is not None
        open_savings, accepted = totals.savings_on_table, totals.savings_accepted
        summary = Text()
        summary.append(f"{len(self.rows)} recommendations  ", style="bold")
        summary.append("open ", style="dim")
        summary.append(cells.money(open_savings, overview.currency).plain, style="bold")
        summary.append("  accepted ", style="dim")
        summary.append(cells.money(accepted, overview.currency).plain, style="bold green")
        summary.append(
            "   a accept · d dismiss (each with a note) · u reopen · e export · enter open tool",
            style="dim",
        )
        self.query_one("#rec-summary", Static).update(summary)

    @on(DataTable.RowHighlighted, "#recs")
    def _highlighted(self) -> None:
        rec = self.selected()
        overview = self.stack_app.overview
        if rec is None or overview is None:
            return
        text = Text()
        text.append_text(cells.verdict(verdict_word(rec)))
        text.append(f" {overview.name(rec.tool_id)}", style="bold")
        if rec.target_tool_id:
            text.append(f" into {overview.name(rec.target_tool_id)}", style="bold")
        text.append(f"  ({rec.id})\n", style="dim")
        text.append(rec.reason)
        if rec.decided_at is not None or rec.decision_note:
            text.append(f"\n{rec.status}", style="bold")
            if rec.decided_by:
                text.append(f" by {rec.decided_by}")
            if rec.decided_at is not None:
                text.append(f" on {rec.decided_at:%Y-%m-%d %H:%M} UTC")
            if rec.decision_note:
                text.append(f": {rec.decision_note}", style="italic")
        if rec.evidence:
            text.append("\n")
            text.append_text(cells.evidence(rec.evidence, overview.currency))
        self.query_one("#rec-detail", Static).update(text)

    def decision_target(self) -> str | None:
        rec = self.selected()
        return rec.id if rec else None

    def selected(self) -> Recommendation | None:
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
            self.stack_app.ask_and_decide(rec.id, status)

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
