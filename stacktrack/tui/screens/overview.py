"""Home: totals on top, then every tool with its verdict and the money at stake.

Sorting uses the raw values (unknown always last, whichever the direction); the filter matches name,
owner, category, verdict and flags as you type; three quick filters narrow to pilot theatre, tools
renewing soon and tools without usage data. Narrow terminals get fewer columns. Rows are the
analysis's own ``ToolFigures``; the verdict and data age come from ``Overview``.
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

from stacktrack.analysis.models import ToolFigures
from stacktrack.report.json_report import features_fraction
from stacktrack.tui.data import Overview
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.widgets import cells
from stacktrack.tui.widgets.table import Cell, Table, fill

WIDE = 120
"""Terminals at least this wide get the wide columns."""
WIDEST = 180
"""...and at least this wide the owner too (it is in the tool detail and the filter anyway)."""
NAME_WIDTH = 20
"""Tool names are cut to this on narrow terminals so the decision columns fit in 80 columns."""
RENEWING_DAYS = 90


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    raw: Callable[[ToolFigures, Overview], Any]
    wide_only: bool = False
    widest_only: bool = False


COLUMNS = (
    Column("name", "Tool", lambda t, o: t.name.lower()),
    Column("verdict", "Verdict", lambda t, o: o.verdict(t.id)),
    Column("stake", "At stake", lambda t, o: o.money_at_stake(t.id)),
    Column("utilization", "Utilization", lambda t, o: t.utilization),
    Column("cpau", "$/active", lambda t, o: t.cost_per_active_user),
    Column("features", "Features", lambda t, o: t.capability_utilization, wide_only=True),
    Column("cost", "Annual cost", lambda t, o: t.annual_cost, wide_only=True),
    Column("integration", "Integration", lambda t, o: t.integration_status, wide_only=True),
    Column("owner", "Owner", lambda t, o: (t.owner or "").lower() or None, widest_only=True),
    Column("notice", "Notice by", lambda t, o: t.notice_deadline),
    Column("freshness", "Data", lambda t, o: o.stale_days(t.id), wide_only=True),
)
NARROW_LABELS = {"utilization": "Util.", "stake": "Stake", "notice": "Notice"}
QUICK = {
    "pilot_theatre": "pilot theatre",
    "renewing": f"renewing (≤ {RENEWING_DAYS} days or flagged renewal_soon)",
    "no_usage_data": "no usage data",
}
QUICK_KEYS = (("p", "pilot_theatre", "pilot"), ("w", "renewing", "renewing"),
              ("n", "no_usage_data", "no usage"))  # fmt: skip
DATA_LEGEND = (
    "Features: paid used/measured · Data: current = latest run · Nd old = source data N days "
    "old · ⚠ = a source failed, last good data shown (red: stale) · no data = none yet"
)


def sort_rows(
    rows: list[ToolFigures], key: str, reverse: bool, overview: Overview
) -> list[ToolFigures]:
    """Sort on the raw value; unknown (``None``) stays last in both directions."""
    column = next(c for c in COLUMNS if c.key == key)
    known = [r for r in rows if column.raw(r, overview) is not None]
    unknown = [r for r in rows if column.raw(r, overview) is None]
    known.sort(key=lambda r: (column.raw(r, overview), r.name.lower()), reverse=reverse)
    return known + unknown


def renewing(tool: ToolFigures, today: dt.date | None) -> bool:
    """Flagged ``renewal_soon`` (notice deadline in the renewal window), or renewing within 90 days."""
    if "renewal_soon" in tool.flags:
        return True
    if tool.renewal_date is None or today is None:
        return False
    return 0 <= (tool.renewal_date - today).days <= RENEWING_DAYS


def matches(
    tool: ToolFigures, verdict: str, text: str, quick: set[str], today: dt.date | None
) -> bool:
    if text:
        haystack = " ".join(
            [tool.name, tool.id, tool.owner or "", tool.category or "", verdict, *tool.flags]
        ).lower()
        if not all(word in haystack for word in text.lower().split()):
            return False
    if "pilot_theatre" in quick and "pilot_theatre" not in tool.flags:
        return False
    if "no_usage_data" in quick and "no_usage_data" not in tool.flags:
        return False
    return "renewing" not in quick or renewing(tool, today)


class OverviewScreen(AreaScreen):
    AREA = "Overview"
    AUTO_FOCUS = "#tools"
    """The table has the focus from the start: a focus change after the first paint repaints it."""
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter"),
        Binding("p", "quick('pilot_theatre')", "Pilot"),
        Binding("w", "quick('renewing')", "Renewing"),
        Binding("n", "quick('no_usage_data')", "No usage"),
        Binding("o", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort_key = "stake"
        self.sort_reverse = True
        self.quick: set[str] = set()
        self.filter_text = ""
        self.shown_rows: list[ToolFigures] = []
        self._wide: bool | None = None
        self._layout: tuple[bool, bool] | None = None

    def body(self) -> ComposeResult:
        yield Static(id="totals")
        with Horizontal(id="filterbar"):
            yield Input(placeholder="filter: name, owner, category, flag  (/)", id="filter")
            yield Static(id="quick")
        yield Table(id="tools", cursor_type="row", zebra_stripes=True)
        yield Static(id="no-match", classes="empty")
        yield Static(DATA_LEGEND, id="legend")

    def on_mount(self) -> None:
        # Textual runs AreaScreen.on_mount itself, after this one (a handler per class): calling
        # it here too ran it twice, and the second run reset the subtitle to the bare area name.
        overview = self.stack_app.overview
        if overview is not None and overview.empty:
            self.set_focus(None)  # the table is about to be hidden: nothing has the focus
        self._render_quick()

    def on_resize(self) -> None:
        if self.stack_app.overview is not None and self._layout != self._layout_for_width():
            self.refill()

    def show(self, overview: Overview) -> None:
        self.query_one("#totals", Static).update(self._totals(overview))
        self.refill()

    # -- rendering -----------------------------------------------------------------------------

    def _totals(self, overview: Overview) -> Text:
        totals = overview.totals
        if totals is None:
            return Text("")
        cur = overview.currency
        text = Text()
        for label, value in (
            ("Annual spend ", cells.money(totals.annual_spend, cur)),
            ("   Idle spend ", cells.money(totals.idle_spend, cur)),
            ("   Savings on the table ", cells.money(totals.savings_on_table, cur)),
        ):
            text.append(label, style="dim")
            text.append(value.plain, style="bold")
        text.append("   Tools flagged ", style="dim")
        text.append(f"{totals.tools_flagged} of {totals.tools}", style="bold")
        if totals.tools_without_cost:
            text.append(f"   ({totals.tools_without_cost} without a cost)", style="dim")
        text.append("\nCapability utilization ", style="dim")
        if totals.capability_utilization is None:
            text.append("unknown", style="dim italic")
            text.append(" (no paid feature is measured)", style="dim")
        else:
            text.append(f"{totals.capability_utilization:.0%}", style="bold")
            text.append(
                f" ({totals.features_used} of {totals.features_measured} paid features used; "
                f"{totals.tools_measured} of {totals.tools} tools measured)",
                style="dim",
            )
        return text

    def _render_quick(self) -> None:
        text = Text()
        overview = self.stack_app.overview
        if overview is not None and not overview.empty and (self.quick or self.filter_text):
            text.append(f"{len(self.shown_rows)} of {len(overview.tools)} ", style="bold")
        for key, name, label in QUICK_KEYS:
            on_ = name in self.quick
            text.append(f" {key} ", style="reverse" if on_ else "bold")
            text.append(f"{'✓' if on_ else ' '}{label} ", style="bold" if on_ else "dim")
        self.query_one("#quick", Static).update(text)

    def _layout_for_width(self) -> tuple[bool, bool]:
        return self.size.width >= WIDE, self.size.width >= WIDEST

    def columns(self) -> list[Column]:
        width = self.size.width
        return [
            c for c in COLUMNS
            if (width >= WIDE or not c.wide_only) and (width >= WIDEST or not c.widest_only)
        ]  # fmt: skip

    def refill(self) -> None:
        overview = self.stack_app.overview
        table = self.query_one("#tools", DataTable)
        no_match = self.query_one("#no-match", Static)
        legend = self.query_one("#legend", Static)
        if overview is None or overview.empty:
            table.display = no_match.display = legend.display = False
            if overview is not None:
                self.stack_app.mark_first_paint()
            return
        table.display = True
        columns = self.columns()
        self._wide = self.size.width >= WIDE
        self._layout = self._layout_for_width()
        legend.display = self._wide
        today = self.today()
        rows = [
            t for t in overview.tools
            if matches(t, overview.verdict(t.id), self.filter_text, self.quick, today)
        ]  # fmt: skip
        self.shown_rows = sort_rows(rows, self.sort_key, self.sort_reverse, overview)
        selected = self.selected_tool_id()
        narrow = not self._wide
        labels = []
        for column in columns:
            label = column.label
            if column.key == "cpau":
                label = label.replace("$", cells.symbol(overview.currency))
            if narrow and column.key in NARROW_LABELS:
                label = NARROW_LABELS[column.key]
            if column.key == self.sort_key:
                label += " ▼" if self.sort_reverse else " ▲"
            labels.append((label, column.key))
        fill(table, labels, [(self._cells(t, columns, overview), t.id) for t in self.shown_rows])
        if selected is not None and any(t.id == selected for t in self.shown_rows):
            table.move_cursor(row=table.get_row_index(selected))
        table.border_title = f"{len(self.shown_rows)} of {len(overview.tools)} tools"
        active = [QUICK[q] for q in QUICK if q in self.quick]
        if self.filter_text:
            active.insert(0, f'"{self.filter_text}"')
        table.border_subtitle = ("filtered by " + ", ".join(active)) if active else ""
        self._render_quick()
        no_match.display = not self.shown_rows
        if not self.shown_rows:
            no_match.update(
                f"No tool matches {' and '.join(active)}.\n"
                "Press [b]esc[/b] to clear the filters, or change the text after [b]/[/b]."
            )
        self.stack_app.mark_first_paint()

    def _cells(self, tool: ToolFigures, columns: list[Column], overview: Overview) -> list[Cell]:
        narrow = not self._wide
        cur = overview.currency
        name = tool.name
        if narrow and len(name) > NAME_WIDTH:
            name = name[: NAME_WIDTH - 1] + "…"
        stale = overview.stale_days(tool.id)
        render = {
            "name": lambda: Text(name, style="bold" if tool.flags else ""),
            "verdict": lambda: cells.verdict(overview.verdict(tool.id), compact=narrow),
            "stake": lambda: cells.money(
                overview.money_at_stake(tool.id), cur, unknown=cells.NONE, compact=narrow
            ),
            "utilization": lambda: cells.utilization_bar(
                tool.utilization, width=4 if narrow else 8
            ),
            "cpau": lambda: cells.money(
                tool.cost_per_active_user, cur, unknown=cells.NONE, compact=narrow
            ),
            "cost": lambda: cells.money(tool.annual_cost, cur, unknown=cells.NONE),
            "features": lambda: cells.features(features_fraction(tool)),
            "integration": lambda: cells.integration(tool.integration_status),
            "owner": lambda: Text(tool.owner or "—"),
            "notice": lambda: cells.deadline(tool.notice_deadline, self.today()),
            "freshness": lambda: cells.freshness(
                stale, bool(overview.failed_sources(tool.id)), "stale_data" in tool.flags
            ),
        }
        return [render[c.key]() for c in columns]

    def selected_tool_id(self) -> str | None:
        table = self.query_one("#tools", DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # no cursor row yet
            return None
        return str(key.value) if key.value is not None else None

    def decision_target(self) -> str | None:
        """The selected tool's recommendation (for the palette's accept/dismiss/reopen)."""
        overview = self.stack_app.overview
        tool_id = self.selected_tool_id()
        rec = overview.recommendation(tool_id) if overview and tool_id else None
        return rec.id if rec else None

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
        self.filter_text = ""
        self.quick.clear()
        self._render_quick()
        self.refill()
        self.query_one("#tools", DataTable).focus()

    def palette_commands(self) -> list[SystemCommand]:
        commands = [
            SystemCommand(f"Sort by {c.label}", "Overview table", lambda k=c.key: self.sort_by(k))
            for c in COLUMNS
        ]
        commands.append(SystemCommand("Filter tools", "Type to filter", self.action_focus_filter))
        return commands
