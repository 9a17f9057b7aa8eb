"""The next 12 months of renewals and notice deadlines, with each tool's recommendation beside it."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from stacktrack.analysis.models import ToolFigures
from stacktrack.tui.data import Overview
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.widgets import cells
from stacktrack.tui.widgets.table import Cell, Table, fill


def upcoming(tools: tuple[ToolFigures, ...], today: dt.date, days: int = 365) -> list[ToolFigures]:
    """Tools whose renewal or notice deadline falls in ``[today, today + days]``, by notice date."""
    end = today + dt.timedelta(days=days)
    rows = [
        t for t in tools
        if any(d is not None and today <= d <= end for d in (t.renewal_date, t.notice_deadline))
    ]  # fmt: skip
    return sorted(rows, key=lambda t: (t.notice_deadline or t.renewal_date or dt.date.max, t.name))


class RenewalsScreen(AreaScreen):
    AREA = "Renewals (next 12 months)"

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ToolFigures] = []

    def body(self) -> ComposeResult:
        yield Static(id="renewals-summary")
        yield Table(id="renewals", cursor_type="row", zebra_stripes=True)

    def show(self, overview: Overview) -> None:
        table = self.query_one("#renewals", DataTable)
        table.display = not overview.empty
        if overview.empty or overview.as_of is None:
            return
        today = overview.as_of.date()
        self.rows = upcoming(overview.tools, today)
        wide = self.size.width >= 120
        if wide:
            labels = ["Notice by", "Days", "Renews", "Tool", "Cost/yr", "Recommendation",
                      "Saves/yr", "Owner"]  # fmt: skip
        else:
            labels = ["Notice by", "Days", "Tool", "Cost/yr", "Verdict"]
        cur = overview.currency
        rows: list[tuple[list[Cell], str]] = []
        for tool in self.rows:
            days = (tool.notice_deadline - today).days if tool.notice_deadline else None
            days_text = Text("—" if days is None else ("overdue" if days < 0 else f"{days}"),
                             style="bold red" if days is not None and days <= 30 else "")  # fmt: skip
            rec = overview.recommendation(tool.id)
            verdict = cells.verdict(overview.verdict(tool.id), compact=not wide)
            if rec and rec.target_tool_id and wide:
                verdict.append(f" → {overview.name(rec.target_tool_id)}")
            row: list[Cell]
            if wide:
                row = [cells.deadline(tool.notice_deadline, today), days_text,
                       cells.date(tool.renewal_date), tool.name, cells.money(tool.annual_cost, cur),
                       verdict, cells.money(overview.money_at_stake(tool.id), cur, unknown=cells.NONE),
                       tool.owner or "—"]  # fmt: skip
            else:
                name = tool.name if len(tool.name) <= 22 else tool.name[:21] + "…"
                row = [cells.deadline(tool.notice_deadline, today), days_text, name,
                       cells.money(tool.annual_cost, cur, compact=True), verdict]  # fmt: skip
            rows.append((row, tool.id))
        fill(table, [(label, label) for label in labels], rows)
        total = sum(t.annual_cost for t in self.rows if t.annual_cost is not None)
        text = Text(f"{len(self.rows)} renewals in the next 12 months, ", style="bold")
        text.append(cells.money(total, cur).plain, style="bold")
        text.append(" a year at stake; the notice date is when you must act.", style="dim")
        self.query_one("#renewals-summary", Static).update(text)

    @on(DataTable.RowSelected, "#renewals")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.stack_app.open_tool(str(event.row_key.value))
