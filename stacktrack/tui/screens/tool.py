"""One tool: its figures with evidence and sources, the trend, users, features, integrations.

Users are paged (``PAGE`` rows in the table at a time): a tool with 50,000 users never builds a
50,000-row table. ``[`` and ``]`` page, ``g`` cycles the group shown (all, active, inactive, never).
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual_plotext import PlotextPlot

from stacktrack.analysis.models import UserRow
from stacktrack.tui.data import ToolDetail, in_group
from stacktrack.tui.messages import ToolDetailLoaded
from stacktrack.tui.widgets import cells

PAGE = 100
GROUPS = ("all", "active", "inactive", "never_active")
GROUP_LABELS = {
    "active": "active",
    "inactive": "inactive",
    "never_active": "never active",
    "unknown": "activity unknown",
}
GROUP_STYLES = {"active": "green", "inactive": "yellow", "never_active": "red", "unknown": "dim"}


class ToolScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,backspace", "app.pop_screen", "Back"),
        Binding("right_square_bracket", "page(1)", "Next page"),
        Binding("left_square_bracket", "page(-1)", "Prev page"),
        Binding("g", "cycle_group", "Users group"),
    ]

    def __init__(self, tool_id: str) -> None:
        super().__init__()
        self.tool_id = tool_id
        self.detail: ToolDetail | None = None
        self.group = "all"
        self.page = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="detail"):
            yield Static("Loading…", id="figures")
            yield Static(id="recommendation")
            yield PlotextPlot(id="trend")
            yield Static(id="users-title", classes="section")
            users: DataTable[Any] = DataTable(id="users", cursor_type="row", zebra_stripes=True)
            yield users
            yield Static(id="integrations")
            yield Static(id="features")
            yield Static(id="sources")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.tool_id
        self.load()

    @work(thread=True, exclusive=True, group="detail")
    def load(self) -> None:
        detail = self.app.data.load_detail(self.tool_id)  # type: ignore[attr-defined]
        self.post_message(ToolDetailLoaded(detail))

    def on_tool_detail_loaded(self, message: ToolDetailLoaded) -> None:
        self.detail = message.detail
        self.sub_title = message.detail.tool.name
        self._render_all()

    # -- rendering -----------------------------------------------------------------------------

    def _render_all(self) -> None:
        detail = self.detail
        assert detail is not None
        overview = self.app.overview  # type: ignore[attr-defined]
        currency = overview.currency if overview else ""
        names = {t.id: t.name for t in overview.tools} if overview else {}
        self.query_one("#figures", Static).update(_figures(detail, currency))
        self.query_one("#recommendation", Static).update(_recommendation(detail, currency, names))
        self._plot(detail)
        self.query_one("#integrations", Static).update(_integrations(detail, names))
        self.query_one("#features", Static).update(_features(detail))
        self.query_one("#sources", Static).update(_sources(detail))
        self._fill_users()

    def _plot(self, detail: ToolDetail) -> None:
        widget = self.query_one("#trend", PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        points = detail.trend
        plt.title("Seats across runs")
        if not points:
            widget.display = False
            return
        xs = list(range(1, len(points) + 1))
        for label, values in (
            ("purchased", [p.seats_purchased for p in points]),
            ("assigned", [p.seats_assigned for p in points]),
            ("active", [p.active_users for p in points]),
        ):
            known = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
            if known:
                plt.plot(
                    [x for x, _ in known], [v for _, v in known], label=label, marker="braille"
                )
        ticks = _ticks(len(points))
        plt.xticks(
            [float(t) for t in ticks], [points[t - 1].as_of.strftime("%m-%d") for t in ticks]
        )
        plt.ylim(0, None)
        widget.refresh()

    def users_shown(self) -> list[UserRow]:
        assert self.detail is not None
        users = self.detail.users
        if self.group == "all":
            return list(users)
        return [u for u in users if in_group(u, self.group)]

    def _fill_users(self) -> None:
        assert self.detail is not None
        users = self.users_shown()
        pages = max(1, -(-len(users) // PAGE))
        self.page = min(max(self.page, 0), pages - 1)
        counts = self.detail.counts()
        title = Text("Users  ", style="bold")
        for group in ("active", "inactive", "never_active", "unknown"):
            if group == "unknown" and not counts[group]:
                continue
            title.append(f"{GROUP_LABELS[group]} {counts[group]:,}", style="reverse" if
                         self.group == group else GROUP_STYLES[group])  # fmt: skip
            title.append("  ")
        title.append(
            f"\nactive = activity within {self.detail.active_window_days} days", style="dim"
        )
        if self.detail.history_note:
            title.append(f"; never active = {self.detail.history_note}", style="dim")
        title.append(f" · page {self.page + 1}/{pages} · [ ] page · g group", style="dim")
        self.query_one("#users-title", Static).update(title)
        table = self.query_one("#users", DataTable)
        table.clear(columns=True)
        table.add_columns("User", "Name", "Group", "Last activity", "Kind", "Seen by")
        start = self.page * PAGE
        for user in users[start : start + PAGE]:
            never = f"none in {user.horizon_days} days" if user.horizon_days else "none on record"
            table.add_row(
                user.key,
                user.name or "",
                Text(GROUP_LABELS[user.status], style=GROUP_STYLES[user.status]),
                cells.when(user.last_active, never=never),
                user.activity_kind or "",
                user.last_active_source or ", ".join(user.sources),
            )

    # -- actions -------------------------------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        return [
            SystemCommand("Next page of users", "Tool detail", lambda: self.action_page(1)),
            SystemCommand("Previous page of users", "Tool detail", lambda: self.action_page(-1)),
            SystemCommand("Users group", "All, active, inactive, never", self.action_cycle_group),
            SystemCommand("Back", "Close the tool", self.app.pop_screen),
        ]

    def action_page(self, delta: int) -> None:
        if self.detail is not None:
            self.page += delta
            self._fill_users()

    def action_cycle_group(self) -> None:
        if self.detail is not None:
            self.group = GROUPS[(GROUPS.index(self.group) + 1) % len(GROUPS)]
            self.page = 0
            self._fill_users()


def _ticks(n: int, most: int = 6) -> list[int]:
    if n <= most:
        return list(range(1, n + 1))
    step = (n - 1) / (most - 1)
    return sorted({round(1 + i * step) for i in range(most)})


def _figures(detail: ToolDetail, currency: str) -> Group:
    tool = detail.tool
    head = Text()
    head.append(tool.name, style="bold")
    head.append(f"  ({tool.id})  ", style="dim")
    head.append_text(cells.verdict(tool.verdict))
    if tool.flags:
        head.append("  " + " ".join(f"[{f}]" for f in tool.flags), style="yellow")
    meta = Text(
        f"owner {tool.owner or '—'} · category {tool.category or '—'} · renewal "
        f"{tool.renewal_date or '—'} · notice by {tool.notice_deadline or '—'}",
        style="dim",
    )
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(style="dim", ratio=1)
    ev = detail.evidence
    rows = [
        ("annual cost", cells.money(tool.annual_cost, currency), "annual_cost"),
        ("seats purchased", cells.count(tool.seats_purchased), "seats_purchased"),
        ("seats assigned", cells.count(tool.seats_assigned), "seats_assigned"),
        ("active users", cells.count(tool.active_users), "active_users"),
        ("never active", cells.count(tool.never_active_users), "never_active_users"),
        ("utilization", cells.utilization_bar(tool.utilization), "utilization"),
        ("cost / active user", cells.money(tool.cost_per_active_user, currency), "cost_per_active_user"),
        ("idle spend", cells.money(tool.idle_spend, currency), "idle_spend"),
        ("integration", cells.integration(tool.integration_status), "integration_status"),
        ("notice deadline", cells.date(tool.notice_deadline), "notice_deadline"),
    ]  # fmt: skip
    for label, value, key in rows:
        table.add_row(label, value, ev.get(key, ""))
    return Group(head, meta, Text(""), table)


def _recommendation(detail: ToolDetail, currency: str, names: dict[str, str]) -> Text:
    rec = detail.tool.recommendation
    text = Text("Recommendation  ", style="bold")
    if rec is None:
        text.append("keep — nothing to change on the current figures", style="green")
        return text
    text.append_text(cells.verdict(rec.verdict))
    if rec.target_tool_id:
        text.append(f" into {rec.target_tool_name or rec.target_tool_id}")
    text.append("  saves ")
    text.append(cells.money(rec.annual_savings, currency).plain, style="bold")
    text.append(
        f"/yr · {rec.confidence} confidence · deadline {rec.deadline or '—'} · {rec.status}"
    )
    text.append(f"\n  {rec.reason}", style="italic")
    if rec.evidence:
        shown = ", ".join(f"{k}={v}" for k, v in list(rec.evidence.items())[:8])
        text.append(f"\n  evidence: {shown}", style="dim")
    return text


def _integrations(detail: ToolDetail, names: dict[str, str]) -> Group | Text:
    title = Text("Integrations", style="bold")
    if not detail.edges:
        status = detail.tool.integration_status
        note = (
            "none observed: isolated" if status == "isolated"
            else "unknown: no integration-aware source ran" if status == "unknown"
            else "none listed"
        )  # fmt: skip
        return Text.assemble(title, "  ", (note, "red" if status == "isolated" else "dim"))
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("with", "state", "last use", "evidence"):
        table.add_column(column, style="dim" if column == "evidence" else "")
    for edge in sorted(detail.edges, key=lambda e: (not e.live, e.other_id)):
        other = edge.other_id if edge.tool_id == detail.tool.id else edge.tool_id
        table.add_row(
            names.get(other, other),
            Text("live", style="green") if edge.live else Text("stale", style="red"),
            cells.when(edge.last_used, never="unknown"),
            edge.kind,
        )
    return Group(title, table)


def _features(detail: ToolDetail) -> Group | Text:
    title = Text("Features", style="bold")
    if not detail.features:
        return Text.assemble(title, "  ", ("not reported by any source", "dim"))
    table = Table(box=None, show_edge=False)
    for column in ("feature", "active users", "events", "last used", "source"):
        table.add_column(column)
    for f in detail.features:
        table.add_row(f.feature, cells.count(f.active_users), cells.count(f.events),
                      cells.when(f.last_used, never="unknown"), f.source)  # fmt: skip
    return Group(title, table)


def _sources(detail: ToolDetail) -> Group | Text:
    title = Text("Sources", style="bold")
    horizon = detail.tool.history_horizon_days
    title.append(
        f"  activity history kept {horizon} days"
        if horizon
        else "  activity history: unlimited or unknown",
        style="dim",
    )
    if not detail.sources:
        return Text.assemble(title, "  ", ("none: figures come from the contract only", "dim"))
    table = Table(box=None, show_edge=False)
    for column in ("source", "plugin", "status", "last success", "error / notes"):
        table.add_column(column)
    for s in detail.sources:
        status = Text(s.status, style="green" if s.status == "ok" else "red")
        note = s.error or "; ".join(s.notes)
        table.add_row(s.source, s.plugin, status, cells.when(s.last_success_at), note)
    return Group(title, table)
