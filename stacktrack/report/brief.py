"""The decision brief's content: what a CMO or CFO reads, picked and ordered from an ``Analysis``.

``build_brief`` selects and orders; it computes no figure (every number is the analysis'). The HTML
(``brief_html``) and Markdown (``brief_md``) renderers format the same ``Brief``, so both carry the
same content: the headline, the plan by deadline, pilot-theatre tools with their evidence, the renewal
calendar, the tools that need data, and how the numbers are made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from stacktrack.analysis.models import Analysis, Recommendation, ToolFigures

ACTION_WORDS = {
    "retire": "Retire",
    "integrate_or_retire": "Integrate or retire",
    "consolidate": "Consolidate",
    "right_size": "Right-size",
    "downgrade": "Downgrade",
    "keep": "Keep",
    "needs_data": "Needs data",
}

METHOD_NOTES = (
    "Active users: people holding a seat with activity in the tool's active window (default 30 "
    "days) in any source: the vendor's own API or the identity provider's sign-ins. People active "
    "without a seat (departed) are listed, not counted.",
    "Utilization: active users / seats purchased (else seats assigned). Idle spend: the cost of "
    "per-seat licences nobody used in the window.",
    "The plan is settled as a whole: one action per tool; a tool that others move into is kept and "
    "sized for its own users plus those moving in (newcomers fill its idle seats first); "
    "consolidation needs at least 20% of the tool's users already active in the target (50% for "
    "high confidence). Net savings add up: no seat is counted twice.",
    "Right-size keeps ceil(people x 1.1) seats. Savings are annual, in the reporting currency, "
    "converted at the configured static rates.",
    "Unknown is never shown as zero: a tool without usage data is marked 'needs data' with the "
    "source that would tell, never 'keep'.",
    "Days to notice count from today's date; a passed notice deadline is overdue.",
    "The full definitions, with a worked example, are in docs/methodology.md of stacktrack.",
)


@dataclass(frozen=True)
class Headline:
    annual_spend: float
    idle_spend: float
    net_savings: float
    utilization: float | None
    utilization_tools: int
    tools: int
    tools_without_cost: int
    overdue: int


@dataclass(frozen=True)
class PlanRow:
    rec: Recommendation
    tool: ToolFigures
    target: ToolFigures | None
    depends_on: str | None


@dataclass(frozen=True)
class Brief:
    generated_at: dt.datetime
    as_of: dt.datetime
    today: dt.date | None
    currency: str
    headline: Headline
    plan: tuple[PlanRow, ...]
    """Open and accepted recommendations, earliest deadline first (the analysis' order)."""
    dismissed: tuple[PlanRow, ...]
    pilot_theatre: tuple[ToolFigures, ...]
    calendar: tuple[ToolFigures, ...]
    """Tools with a notice deadline, earliest first."""
    needs_data: tuple[ToolFigures, ...]
    spend: tuple[tuple[ToolFigures, float | None], ...]
    """Tools by annual cost (largest first) with the plan's savings on each: the chart."""
    method: tuple[str, ...] = METHOD_NOTES


def build_brief(analysis: Analysis, *, generated_at: dt.datetime) -> Brief:
    tools = analysis.tools_by_id()
    totals = analysis.totals
    rows = [
        PlanRow(
            rec,
            tools[rec.tool_id],
            tools.get(rec.target_tool_id) if rec.target_tool_id else None,
            rec.evidence.get("depends_on"),
        )
        for rec in analysis.recommendations
    ]
    saving: dict[str, float | None] = {
        rec.tool_id: rec.annual_savings
        for rec in analysis.recommendations
        if rec.status != "dismissed"
    }
    costed = sorted(
        (tool for tool in analysis.tools if tool.annual_cost),
        key=lambda tool: (-(tool.annual_cost or 0.0), tool.name),
    )
    return Brief(
        generated_at=generated_at,
        as_of=analysis.as_of,
        today=analysis.today,
        currency=analysis.currency,
        headline=Headline(
            totals.annual_spend,
            totals.idle_spend,
            totals.net_savings,
            totals.utilization,
            totals.utilization_tools,
            totals.tools,
            totals.tools_without_cost,
            totals.overdue,
        ),
        plan=tuple(row for row in rows if row.rec.status != "dismissed"),
        dismissed=tuple(row for row in rows if row.rec.status == "dismissed"),
        pilot_theatre=tuple(t for t in analysis.tools if "pilot_theatre" in t.flags),
        calendar=tuple(
            sorted(
                (t for t in analysis.tools if t.notice_deadline is not None),
                key=lambda t: (t.notice_deadline, t.name),
            )
        ),
        needs_data=tuple(t for t in analysis.tools if t.verdict == "needs_data"),
        spend=tuple((tool, saving.get(tool.id)) for tool in costed),
    )


def money(value: float | None, currency: str) -> str:
    return "unknown" if value is None else f"{value:,.0f} {currency}"


def percent(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.0%}"


def when(tool: ToolFigures) -> str:
    """``in 32 days`` / ``OVERDUE by 4 days`` / ``today``."""
    days = tool.days_to_notice
    if days is None:
        return "no deadline"
    if days < 0:
        return f"OVERDUE by {-days} days"
    return "today" if days == 0 else f"in {days} days"


def action_text(row: PlanRow) -> str:
    text = ACTION_WORDS[row.rec.action]
    if row.target is not None:
        text += f" into {row.target.name}"
    if row.rec.action == "right_size" and row.rec.seats_after is not None:
        text += f" to {row.rec.seats_after} seats"
    return text


def decision_text(rec: Recommendation) -> str:
    if rec.status == "open":
        return "open"
    parts: list[str] = [rec.status]
    if rec.decided_by:
        parts.append(f"by {rec.decided_by}")
    if rec.decided_at:
        parts.append(f"on {rec.decided_at:%Y-%m-%d}")
    text = " ".join(parts)
    return text + (f": {rec.decision_note}" if rec.decision_note else "")


def pilot_evidence(tool: ToolFigures) -> str:
    stale = sorted({row.tool_id for row in tool.integration_rows if not row.live})
    parts = [
        f"{tool.age_days} days since it started" if tool.age_days is not None else "age unknown",
        "no live integration",
    ]
    if stale:
        parts.append("stale: " + ", ".join(stale))
    active = "unknown" if tool.active_users is None else str(tool.active_users)
    parts.append(f"{active} active users")
    return "; ".join(parts)
