"""``stacktrack report`` on a terminal: a decision-first rich table over an ``Analysis``.

Formatting only; every number comes from ``analyze``. Unknown figures print as "unknown" (or "—"
where a column would otherwise fill with the word), never as 0.
"""

from __future__ import annotations

import datetime as dt

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from stacktrack.analysis.models import Analysis, Recommendation, ToolFigures
from stacktrack.plugin_api import printable
from stacktrack.report.json_report import features_fraction
from stacktrack.state import StackState

VERDICTS = {
    "retire": ("retire", "bold red"),
    "integrate_or_retire": ("integrate or retire", "magenta"),
    "consolidate": ("consolidate", "yellow"),
    "right_size": ("right-size", "cyan"),
    "downgrade": ("downgrade", "cyan"),
    "keep": ("keep", "green"),
    "needs_data": ("needs data", "dim"),
}
UNKNOWN = Text("unknown", style="dim")


def verdict(tool: ToolFigures) -> tuple[str, str]:
    """The tool's verdict from the plan (keep only when its usage is known)."""
    return VERDICTS[tool.verdict]


def money(value: float | None, currency: str) -> Text:
    if value is None:
        return UNKNOWN
    return Text(f"{value:,.0f} {currency}")


def percent(value: float | None) -> Text:
    if value is None:
        return UNKNOWN
    style = "red" if value < 0.5 else "yellow" if value < 0.8 else "green"
    return Text(f"{value:.0%}", style=style)


def count(value: int | None) -> str:
    return "?" if value is None else str(value)


def render_report(analysis: Analysis, state: StackState, *, width: int | None = None) -> None:
    # Piped output (a file, less, an e-mail) gets a wide table rather than a crushed one.
    console = Console(highlight=False)
    console.width = max(width or 0, 150) if not console.is_terminal else max(console.width, 100)
    currency = analysis.currency
    totals = analysis.totals
    console.print(
        f"[bold]stacktrack[/] — figures as of {analysis.as_of:%Y-%m-%d %H:%M} UTC (run {analysis.run_id})"
    )
    console.print(
        f"Annual spend [bold]{totals.annual_spend:,.0f} {currency}[/]   "
        f"Idle spend [bold red]{totals.idle_spend:,.0f} {currency}[/]   "
        f"Savings on the table [bold green]{totals.savings_on_table:,.0f} {currency}[/]   "
        f"Plan net savings [bold green]{totals.net_savings:,.0f} {currency}[/]   "
        f"Tools flagged [bold]{totals.tools_flagged} of {totals.tools}[/]"
    )
    if totals.capability_utilization is not None:
        console.print(
            f"Capability utilization [bold]{totals.capability_utilization:.0%}[/] "
            f"({totals.features_used} of {totals.features_measured} paid features used; "
            f"{totals.tools_measured} of {totals.tools} tools measured)"
        )
    if totals.tools_without_cost:
        console.print(
            f"[dim]{totals.tools_without_cost} tools have no contract cost and are left out of spend.[/]"
        )
    console.print(_tools_table(analysis))
    volumes = [_volume(tool) for tool in analysis.tools if tool.volume is not None]
    if volumes:
        console.print("[bold]Plan volume[/] (used this period / included): " + "; ".join(volumes))
    if analysis.recommendations:
        console.print(_recommendations_table(analysis.recommendations, analysis))
    if analysis.unmatched_apps:
        apps = ", ".join(
            f"{_vendor(a.app)} ({count(a.active_users)} active, via {a.source})"
            for a in analysis.unmatched_apps[:12]
        )
        more = len(analysis.unmatched_apps) - 12
        console.print(
            f"[bold]Shadow IT[/] (seen, matching no tool): {apps}"
            + (f" and {more} more" if more > 0 else "")
        )
    failed = [s for s in state.sources.values() if s.status == "failed"]
    for source in failed:
        console.print(
            f"[red]source {source.source} failed in its latest run:[/] {_vendor(source.error)}"
        )


def _vendor(text: str | None) -> str:
    """Vendor text for a Rich markup string: no terminal controls, no markup of its own (an error
    body saying ``[/]`` would otherwise crash the report)."""
    return escape(printable(text or ""))


def _tools_table(analysis: Analysis) -> Table:
    table = Table(title="Tools", title_justify="left", expand=False)
    for header, justify in (
        ("Tool", "left"), ("Verdict", "left"), ("At stake", "right"), ("Util.", "right"),
        ("Active / seats", "right"), ("Cost / active", "right"), ("Features used", "right"),
        ("Integration", "left"),
        ("Notice by", "left"), ("Flags", "left"),
    ):  # fmt: skip
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for tool in analysis.tools:
        rec = analysis.recommendation_for(tool.id)
        word, style = verdict(tool)
        at_stake = rec.annual_savings if rec and rec.status != "dismissed" else tool.idle_spend
        table.add_row(
            Text(tool.name) + Text(f"\n{tool.owner or ''}", style="dim"),
            Text(word, style=style),
            money(at_stake, analysis.currency),
            percent(tool.utilization),
            f"{count(tool.active_users)} / {_seats(tool)}",
            money(tool.cost_per_active_user, analysis.currency),
            features_fraction(tool) or Text("—", style="dim"),
            Text(tool.integration_status, style=_integration_style(tool.integration_status)),
            _deadline(tool.notice_deadline, tool.days_to_notice),
            ", ".join(tool.flags),
        )
    return table


VOLUME_UNITS = {"mtu": "MTU", "api_calls": "API calls"}


def _volume(tool: ToolFigures) -> str:
    """``Segment 61,234 / 100,000 MTU (61%, 2026-11-01 to 2026-11-30, as of 2026-11-29)``."""
    volume = tool.volume
    assert volume is not None
    used = "unknown" if volume.used is None else f"{volume.used:,}"
    included = "unknown" if volume.included is None else f"{volume.included:,}"
    details = [f"{volume.utilization:.0%}"] if volume.utilization is not None else []
    if volume.period_start is not None and volume.period_end is not None:
        details.append(f"{volume.period_start} to {volume.period_end}")
    if volume.as_of is not None:
        details.append(f"as of {volume.as_of:%Y-%m-%d}")
    tail = f" ({', '.join(details)})" if details else ""
    unit = VOLUME_UNITS.get(volume.metric, volume.metric)
    return f"{_vendor(tool.name)} {used} / {included} {unit}{tail}"


def _seats(tool: ToolFigures) -> str:
    if tool.seats_purchased is not None:
        return str(tool.seats_purchased)
    if tool.seats_assigned is not None:
        return f"{tool.seats_assigned} assigned"
    return "?"


def _integration_style(status: str) -> str:
    return {"connected": "green", "isolated": "red"}.get(status, "dim")


def _deadline(deadline: dt.date | None, days: int | None) -> Text:
    """Counted from today's date (the calendar), not from the data's date."""
    if deadline is None or days is None:
        return UNKNOWN
    style = "bold red" if days < 0 else "yellow" if days <= 90 else ""
    when = f"OVERDUE by {-days} days" if days < 0 else f"in {days} days"
    return Text(f"{deadline.isoformat()} ({when})", style=style)


def _recommendations_table(recs: tuple[Recommendation, ...], analysis: Analysis) -> Table:
    names = {tool.id: tool.name for tool in analysis.tools}
    table = Table(title="Recommendations (earliest deadline first)", title_justify="left")
    for header in ("Action", "Tool", "Savings / yr", "Confidence", "Deadline", "Status", "Why"):
        table.add_column(header)
    for rec in recs:
        word, style = VERDICTS[rec.action]
        status: str = rec.status
        if rec.decided_by or rec.decision_note:
            status += f"\n{rec.decided_by or ''}" + (
                f": {rec.decision_note}" if rec.decision_note else ""
            )
        tool = names.get(rec.tool_id, rec.tool_id)
        if rec.target_tool_id:
            tool += f" → {names.get(rec.target_tool_id, rec.target_tool_id)}"
        table.add_row(
            Text(word, style=style),
            tool,
            money(rec.annual_savings, rec.currency),
            rec.confidence,
            rec.deadline.isoformat() if rec.deadline else UNKNOWN,
            status,
            rec.reason,
        )
    return table
