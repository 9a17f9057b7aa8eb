"""One tool: its figures with evidence and sources, the trend, users, features, integrations.

Users are paged (``PAGE`` rows in the table at a time): a tool with 50,000 users never builds a
50,000-row table. ``[`` and ``]`` page, ``u`` cycles the group shown (all, active, inactive, never
active, no seat); ``j``/``k`` move and ``g`` jumps to the top of the users table.
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
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot

from stacktrack.analysis.models import UserRow, VolumeFigures
from stacktrack.tui.data import GROUPS, Overview, ToolDetail, in_group, user_group, verdict_word
from stacktrack.tui.messages import ToolDetailLoaded
from stacktrack.tui.screens.base import ESSENTIAL
from stacktrack.tui.widgets import cells
from stacktrack.tui.widgets.footer import CompactFooter
from stacktrack.tui.widgets.table import Cell, fill
from stacktrack.tui.widgets.table import Table as RowTable

PAGE = 100
GROUP_LABELS = {
    "all": "all",
    "active": "active",
    "inactive": "inactive",
    "never_active": "never active",
    "no_seat": "no seat",
    "departed_active": "left, was active",
    "unknown": "activity unknown",
}
GROUP_STYLES = {"active": "green", "inactive": "yellow", "never_active": "red", "no_seat": "dim",
                "departed_active": "dim", "unknown": "dim"}  # fmt: skip


class ToolScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,backspace", "app.pop_screen", "Back"),
        *ESSENTIAL,
        Binding("u", "cycle_group", "Users group"),
        Binding("right_square_bracket", "page(1)", "Next page"),
        Binding("left_square_bracket", "page(-1)", "Prev page"),
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
            yield RowTable(id="users", cursor_type="row", zebra_stripes=True)
            yield Static(id="integrations")
            yield Static(id="features")
            yield Static(id="sources")
        yield CompactFooter()

    def on_mount(self) -> None:
        self.sub_title = self.tool_id
        self.load()

    @work(thread=True, exclusive=True, group="detail")
    def load(self) -> None:
        detail = self.app.data.load_detail(self.tool_id)  # type: ignore[attr-defined]
        self.post_message(ToolDetailLoaded(detail))

    def on_tool_detail_loaded(self, message: ToolDetailLoaded) -> None:
        self.detail = message.detail
        self.sub_title = message.detail.figures.name
        self._render_all()

    def decision_target(self) -> str | None:
        overview: Overview | None = self.app.overview  # type: ignore[attr-defined]
        rec = overview.recommendation(self.tool_id) if overview else None
        return rec.id if rec else None

    # -- rendering -----------------------------------------------------------------------------

    def _render_all(self) -> None:
        detail = self.detail
        assert detail is not None
        overview: Overview = self.app.overview  # type: ignore[attr-defined]
        self.query_one("#figures", Static).update(_figures(detail, overview))
        self.query_one("#recommendation", Static).update(_recommendation(detail, overview))
        self._plot(detail)
        self.query_one("#integrations", Static).update(_integrations(detail, overview))
        self.query_one("#features", Static).update(_features(detail, overview.currency))
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
        for group in GROUPS:
            count = len(self.detail.users) if group == "all" else counts.get(group, 0)
            if group in ("unknown", "no_seat", "departed_active") and not count:
                continue
            style = "reverse" if self.group == group else GROUP_STYLES.get(group, "")
            title.append(f"{GROUP_LABELS[group]} {count:,}", style=style)
            title.append("  ")
        title.append(
            f"\nactive = activity within {self.detail.figures.active_window_days} days", style="dim"
        )
        if self.detail.figures.history_note:
            title.append(f"; never active = {self.detail.figures.history_note}", style="dim")
        if counts["no_seat"]:
            title.append("; no seat = not active and holding no seat (not counted)", style="dim")
        title.append(f" · page {self.page + 1}/{pages} · [ ] page · u group", style="dim")
        self.query_one("#users-title", Static).update(title)
        rows: list[tuple[list[Cell], str | None]] = []
        start = self.page * PAGE
        for user in users[start : start + PAGE]:
            never = f"none in {user.horizon_days} days" if user.horizon_days else "none on record"
            group = user_group(user)
            rows.append(([
                user.key,
                user.name or "",
                Text(GROUP_LABELS.get(group, group), style=GROUP_STYLES.get(group, "")),
                cells.when(user.last_active, never=never),
                user.activity_kind or "",
                user.last_active_source or ", ".join(user.sources),
            ], None))  # fmt: skip
        columns = ("User", "Name", "Group", "Last activity", "Kind", "Seen by")
        fill(self.query_one("#users", DataTable), [(c, c) for c in columns], rows)

    # -- actions -------------------------------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        return [
            SystemCommand("Next page of users", "Tool detail", lambda: self.action_page(1)),
            SystemCommand("Previous page of users", "Tool detail", lambda: self.action_page(-1)),
            SystemCommand(
                "Users group", "All, active, inactive, never, no seat", self.action_cycle_group
            ),
            SystemCommand("Back", "Close the tool", self.app.pop_screen),
        ]

    def action_page(self, delta: int) -> None:
        if self.detail is not None:
            self.page += delta
            self._fill_users()

    def action_cycle_group(self) -> None:
        """The next group that has users (empty groups are skipped)."""
        if self.detail is None:
            return
        counts = self.detail.counts()
        start = GROUPS.index(self.group)
        for step in range(1, len(GROUPS) + 1):
            group = GROUPS[(start + step) % len(GROUPS)]
            if group == "all" or counts.get(group, 0):
                break
        self.group = group
        self.page = 0
        self._fill_users()


def _ticks(n: int, most: int = 6) -> list[int]:
    if n <= most:
        return list(range(1, n + 1))
    step = (n - 1) / (most - 1)
    return sorted({round(1 + i * step) for i in range(most)})


def _figures(detail: ToolDetail, overview: Overview) -> Group:
    tool = detail.figures
    currency = overview.currency
    head = Text()
    head.append(tool.name, style="bold")
    head.append(f"  ({tool.id})  ", style="dim")
    head.append_text(cells.verdict(overview.verdict(tool.id)))
    for flag in tool.flags:
        head.append("  ")
        head.append(f" {cells.flag(flag)} ", style="black on yellow")
    meta = Text(
        f"owner {tool.owner or '—'} · category {tool.category or '—'} · renewal "
        f"{tool.renewal_date or '—'} · notice by {tool.notice_deadline or '—'}",
        style="dim",
    )
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(style="dim", ratio=1)
    ev = tool.evidence
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
    if tool.volume is not None:
        table.add_row("plan volume", _volume(tool.volume), ev.get("volume_used", ""))
    return Group(head, meta, Text(""), table)


VOLUME_UNITS = {"mtu": "MTU", "api_calls": "API calls"}


def _volume(volume: VolumeFigures) -> Text:
    """``61,234 / 100,000 MTU (61%)``: used this period of the plan's volume; unknown says so."""
    used = "unknown" if volume.used is None else f"{volume.used:,}"
    included = "?" if volume.included is None else f"{volume.included:,}"
    text = Text(f"{used} / {included} {VOLUME_UNITS.get(volume.metric, volume.metric)}")
    if volume.utilization is not None:
        style = "red" if volume.utilization > 1 else "yellow" if volume.utilization >= 0.9 else ""
        text.append(f" ({volume.utilization:.0%})", style=style)
    return text


def _recommendation(detail: ToolDetail, overview: Overview) -> Text:
    rec = overview.recommendation(detail.figures.id)
    text = Text("Recommendation  ", style="bold")
    if rec is None:
        if detail.figures.verdict == "needs_data":
            text.append("needs data", style="dim italic")
            text.append(f" — {detail.figures.verdict_reason or 'usage is unknown'}")
        else:
            text.append("keep — nothing to change on the current figures", style="green")
        return text
    text.append_text(cells.verdict(verdict_word(rec)))
    if rec.target_tool_id:
        text.append(f" into {overview.name(rec.target_tool_id)}")
    text.append("  saves ")
    text.append(cells.money(rec.annual_savings, overview.currency).plain, style="bold")
    text.append(
        f"/yr · {rec.confidence} confidence · deadline {rec.deadline or '—'} · {rec.status}"
    )
    text.append(f"\n  {rec.reason}", style="italic")
    if rec.decision_note or rec.decided_by:
        text.append(f"\n  {rec.status}" + (f" by {rec.decided_by}" if rec.decided_by else ""))
        if rec.decision_note:
            text.append(f": {rec.decision_note}", style="italic")
    if rec.evidence:
        text.append("\n  ")
        text.append_text(cells.evidence(rec.evidence, overview.currency))
    return text


def _integrations(detail: ToolDetail, overview: Overview) -> Group | Text:
    title = Text("Integrations", style="bold")
    tool = detail.figures
    if not tool.integration_rows:
        status = tool.integration_status
        note = (
            "none observed: isolated" if status == "isolated"
            else "unknown: no integration-aware source ran" if status == "unknown"
            else "none listed"
        )  # fmt: skip
        return Text.assemble(title, "  ", (note, "red" if status == "isolated" else "dim"))
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("with", "direction", "state", "last use", "seen by"):
        table.add_column(column, style="dim" if column == "seen by" else "")
    arrows = {"out": "→ feeds", "in": "← fed by", "both": "↔ both ways"}
    for row in sorted(tool.integration_rows, key=lambda r: (not r.live, overview.name(r.tool_id))):
        table.add_row(
            overview.name(row.tool_id),
            arrows[row.direction],
            Text("live", style="green") if row.live else Text("stale", style="red"),
            cells.when(row.last_used, never="unknown"),
            ", ".join(sorted({f"{e.source}:{e.kind}" for e in row.evidence})),
        )
    return Group(title, table)


def _features(detail: ToolDetail, currency: str) -> Group | Text:
    """Paid and observed features (unused paid ones first, as the analysis orders them), the tier,
    and the add-ons with their seat use."""
    title = Text("Features", style="bold")
    figures = detail.figures.feature_figures
    if figures is None or (not figures.rows and not figures.addons):
        return Text.assemble(title, "  ", ("none paid for in the config or reported", "dim"))
    if figures.capability_utilization is not None:
        title.append(
            f"  {figures.features_used} of {figures.features_measured} paid features used "
            f"({figures.capability_utilization:.0%})",
            style="",
        )
    else:
        title.append("  capability utilization unknown: no paid feature is measured", style="dim")
    parts: list[Any] = [title]
    if figures.tier:
        tier = Text(f"tier {figures.tier}", style="dim")
        if figures.lower_tier:
            tier.append(f" · below it: {figures.lower_tier}")
        if figures.tier_features:
            tier.append(" · sets it apart: " + ", ".join(sorted(figures.tier_features)))
        parts.append(tier)
    table = Table(box=None, show_edge=False)
    for column in ("feature", "paid", "used", "active users", "last used", "source"):
        table.add_column(column)
    for f in figures.rows:
        paid = "add-on" if f.addon else "yes" if f.entitled else "no"
        used = (
            Text("not measured", style="dim") if f.used is None
            else Text("used", style="green") if f.used
            else Text("unused", style="bold red" if f.entitled else "yellow")
        )  # fmt: skip
        table.add_row(f.name or f.key, paid, used, cells.count(f.active_users),
                      cells.when(f.last_used, never="—"), f.source or "—")  # fmt: skip
    parts.append(table)
    for addon in figures.addons:
        line = Text(f"add-on {addon.name or addon.feature}: ", style="bold")
        line.append(f"{cells.count(addon.active_users).plain} active of ")
        line.append(f"{cells.count(addon.seats_purchased).plain} seats")
        if addon.utilization is not None:
            line.append(f" ({addon.utilization:.0%})")
        if addon.annual_cost is not None:
            line.append(f" · {cells.money(addon.annual_cost, currency).plain}/yr", style="dim")
        parts.append(line)
    return Group(*parts)


def _sources(detail: ToolDetail) -> Group | Text:
    title = Text("Sources", style="bold")
    horizon = detail.figures.history_horizon_days
    title.append(
        f"  activity history kept {horizon} days"
        if horizon
        else "  activity history: unlimited or unknown",
        style="dim",
    )
    if not detail.figures.sources:
        return Text.assemble(title, "  ", ("none: figures come from the contract only", "dim"))
    table = Table(box=None, show_edge=False)
    for column in ("source", "plugin", "status", "last success", "error / notes"):
        table.add_column(column)
    for s in detail.figures.sources:
        status = Text(s.status, style="green" if s.status == "ok" else "red")
        note = s.error or "; ".join(s.notes)
        table.add_row(s.source, s.plugin or "—", status, cells.when(s.last_success_at), note)
    return Group(title, table)
