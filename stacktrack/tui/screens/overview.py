"""Home: totals on top, then every tool with its verdict and the money at stake (SPEC §9).

Sorting uses the raw values (unknown always last, whichever the direction); the filter matches name,
owner, category, verdict and flags as you type; three quick filters narrow to pilot theatre, renewals
within 90 days and tools without usage data. Narrow terminals get fewer columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from stacktrack.tui.data import Overview, ToolRow
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.widgets import cells

WIDE = 120
"""Terminals at least this wide get every column."""
NAME_WIDTH = 20
"""Tool names are cut to this on narrow terminals so the decision columns fit in 80 columns."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    raw: Callable[[ToolRow], Any]
    wide_only: bool = False


COLUMNS = (
    Column("name", "Tool", lambda t: t.name.lower()),
    Column("verdict", "Verdict", lambda t: t.verdict),
    Column("stake", "At stake", lambda t: t.money_at_stake),
    Column("utilization", "Utilization", lambda t: t.utilization),
    Column("cpau", "$/active", lambda t: t.cost_per_active_user),
    Column("integration", "Integration", lambda t: t.integration_status, wide_only=True),
    Column("owner", "Owner", lambda t: (t.owner or "").lower() or None, wide_only=True),
    Column("notice", "Notice by", lambda t: t.notice_deadline),
    Column("freshness", "Data", lambda t: t.stale_days, wide_only=True),
)
NARROW_LABELS = {"utilization": "Util.", "stake": "Stake", "notice": "Notice"}
QUICK = {
    "pilot_theatre": "pilot theatre",
    "renewing": "renewing ≤ 90 days",
    "no_usage_data": "no usage data",
}


def sort_rows(rows: list[ToolRow], key: str, reverse: bool) -> list[ToolRow]:
    """Sort on the raw value; unknown (``None``) stays last in both directions."""
    column = next(c for c in COLUMNS if c.key == key)
    known = [r for r in rows if column.raw(r) is not None]
    unknown = [r for r in rows if column.raw(r) is None]
    known.sort(key=lambda r: (column.raw(r), r.name.lower()), reverse=reverse)
    return known + unknown


def matches(tool: ToolRow, text: str, quick: set[str], today: dt.date | None) -> bool:
    if text:
        haystack = " ".join(
            [tool.name, tool.id, tool.owner or "", tool.category or "", tool.verdict, *tool.flags]
        ).lower()
        if not all(word in haystack for word in text.lower().split()):
            return False
    if "pilot_theatre" in quick and "pilot_theatre" not in tool.flags:
        return False
    if "no_usage_data" in quick and "no_usage_data" not in tool.flags:
        return False
    if "renewing" in quick:
        if tool.renewal_date is None or today is None:
            return False
        if not 0 <= (tool.renewal_date - today).days <= 90:
            return False
    return True


class OverviewScreen(AreaScreen):
    AREA = "Overview"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("p", "quick('pilot_theatre')", "Pilot theatre"),
        Binding("w", "quick('renewing')", "Renewing"),
        Binding("n", "quick('no_usage_data')", "No usage"),
        Binding("o", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse", show=False),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_key = "stake"
        self.sort_reverse = True
        self.quick: set[str] = set()
        self.filter_text = ""
        self.shown_rows: list[ToolRow] = []
        self._wide: bool | None = None

    def body(self) -> ComposeResult:
        yield Static(id="totals")
        with Horizontal(id="filterbar"):
            yield Input(placeholder="filter: name, owner, category, flag  (/)", id="filter")
            yield Static(id="quick")
        table: DataTable[Any] = DataTable(id="tools", cursor_type="row", zebra_stripes=True)
        yield table

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#tools", DataTable).focus()
        self._render_quick()

    def on_resize(self) -> None:
        if self.stack_app.overview is not None and self._wide != (self.size.width >= WIDE):
            self.refill()

    def show(self, overview: Overview) -> None:
        self.query_one("#totals", Static).update(self._totals(overview))
        self.refill()

    # -- rendering -----------------------------------------------------------------------------

    def _totals(self, overview: Overview) -> Text:
        if overview.empty:
            return Text("")
        cur = overview.currency
        text = Text()
        for label, value in (
            ("Annual spend ", cells.money(overview.annual_spend, cur)),
            ("   Idle spend ", cells.money(overview.idle_spend, cur)),
            ("   Savings on the table ", cells.money(overview.savings, cur)),
        ):
            text.append(label, style="dim")
            text.append(value.plain, style="bold")
        text.append("   Tools flagged ", style="dim")
        text.append(f"{overview.flagged} of {len(overview.tools)}", style="bold")
        return text

    def _render_quick(self) -> None:
        text = Text()
        for key, label, name in (("p", "pilot_theatre", "pilot"), ("w", "renewing", "renewing"),
                                 ("n", "no_usage_data", "no usage")):  # fmt: skip
            on_ = label in self.quick
            text.append(f" {key} ", style="reverse" if on_ else "bold")
            text.append(f"{name} ", style="bold" if on_ else "dim")
        self.query_one("#quick", Static).update(text)

    def columns(self) -> list[Column]:
        wide = self.size.width >= WIDE
        return [c for c in COLUMNS if wide or not c.wide_only]

    def refill(self) -> None:
        overview = self.stack_app.overview
        table = self.query_one("#tools", DataTable)
        if overview is None or overview.empty:
            table.display = False
            if overview is not None:
                self.stack_app.mark_first_paint()
            return
        table.display = True
        columns = self.columns()
        self._wide = self.size.width >= WIDE
        today = self.today()
        rows = [t for t in overview.tools if matches(t, self.filter_text, self.quick, today)]
        self.shown_rows = sort_rows(rows, self.sort_key, self.sort_reverse)
        failed = {s.source for s in overview.sources if s.status == "failed"}
        selected = self.selected_tool_id()
        table.clear(columns=True)
        narrow = not self._wide
        for column in columns:
            label = column.label
            if column.key == self.sort_key:
                label += " ▼" if self.sort_reverse else " ▲"
            if column.key == "cpau":
                label = label.replace("$", _symbol(overview.currency))
            if narrow and column.key in NARROW_LABELS:
                label = NARROW_LABELS[column.key] + label[len(column.label) :]
            table.add_column(label, key=column.key)
        cur = overview.currency
        narrow = not self._wide
        for tool in self.shown_rows:
            name = (
                tool.name
                if not narrow or len(tool.name) <= NAME_WIDTH
                else (tool.name[: NAME_WIDTH - 1] + "…")
            )
            render = {
                "name": Text(name, style="bold" if tool.flags else ""),
                "verdict": cells.verdict(tool.verdict, compact=narrow),
                "stake": cells.money(tool.money_at_stake, cur, unknown=cells.NONE, compact=narrow),
                "utilization": cells.utilization_bar(tool.utilization, width=4 if narrow else 8),
                "cpau": cells.money(
                    tool.cost_per_active_user, cur, unknown=cells.NONE, compact=narrow
                ),
                "integration": cells.integration(tool.integration_status),
                "owner": Text(tool.owner or "—"),
                "notice": cells.deadline(tool.notice_deadline, today),
                "freshness": cells.freshness(tool.stale_days, bool(failed & set(tool.sources))),
            }
            table.add_row(*(render[c.key] for c in columns), key=tool.id)
        if selected is not None and any(t.id == selected for t in self.shown_rows):
            table.move_cursor(row=table.get_row_index(selected))
        table.border_title = f"{len(self.shown_rows)} of {len(overview.tools)} tools"
        self.stack_app.mark_first_paint()

    def selected_tool_id(self) -> str | None:
        table = self.query_one("#tools", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # no cursor row yet
            return None
        return str(key.value) if key.value is not None else None

    # -- events and actions --------------------------------------------------------------------

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self.refill()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one("#tools", DataTable).focus()

    @on(DataTable.HeaderSelected, "#tools")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort_by(str(event.column_key.value))

    @on(DataTable.RowSelected, "#tools")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.stack_app.open_tool(str(event.row_key.value))

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        if reverse is None:
            reverse = not self.sort_reverse if key == self.sort_key else key != "name"
        self.sort_key, self.sort_reverse = key, reverse
        self.refill()

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in self.columns()]
        index = keys.index(self.sort_key) if self.sort_key in keys else -1
        self.sort_by(keys[(index + 1) % len(keys)], reverse=False)

    def action_reverse_sort(self) -> None:
        self.sort_by(self.sort_key, reverse=not self.sort_reverse)

    def action_quick(self, name: str) -> None:
        self.quick ^= {name}
        self._render_quick()
        self.refill()

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.quick.clear()
        self._render_quick()
        self.refill()
        self.query_one("#tools", DataTable).focus()

    def palette_commands(self) -> list[SystemCommand]:
        commands = [
            SystemCommand(f"Quick filter: {label}", "Toggle", lambda k=key: self.action_quick(k))
            for key, label in QUICK.items()
        ]
        commands += [
            SystemCommand(f"Sort by {c.label}", "Overview table", lambda k=c.key: self.sort_by(k))
            for c in COLUMNS
        ]
        commands.append(SystemCommand("Filter tools", "Type to filter", self.action_focus_filter))
        return commands


def _symbol(currency: str) -> str:
    return {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, currency + " ")
