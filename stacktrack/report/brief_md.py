"""The decision brief as Markdown, for a doc or a chat message: the same content as the HTML page.

Text from configs and vendors is escaped for Markdown (``\\`` before ``\\ ` * _ [ ] | ~``, ``<``,
``>`` and ``&`` as entities), so a tool called ``<script>`` or
``*bold*`` shows as written. Nothing here computes a figure.
"""

from __future__ import annotations

import re

from stacktrack.report.brief import (
    ACTION_WORDS,
    Brief,
    PlanRow,
    action_text,
    decision_text,
    money,
    percent,
    pilot_evidence,
    when,
)

_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: object) -> str:
    """Escape text for Markdown (inline and table cells)."""
    text = str(value).replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def render_markdown(brief: Brief) -> str:
    h = brief.headline
    c = brief.currency
    today = brief.today.isoformat() if brief.today else "unknown"
    lines = [
        "# Software spend: the decision brief",
        "",
        f"Figures as of {brief.as_of:%Y-%m-%d %H:%M} UTC; deadlines counted from {today}. "
        f"All money is annual, in {md(c)}.",
        "",
        f"- **Annual spend:** {money(h.annual_spend, c)} ({h.tools} tools"
        + (f", {h.tools_without_cost} without a contract cost)" if h.tools_without_cost else ")"),
        f"- **Idle spend:** {money(h.idle_spend, c)}",
        f"- **Net savings:** {money(h.net_savings, c)} (the plan, carried out in full)",
        f"- **Stack-wide utilization:** {percent(h.utilization)} "
        f"(over {h.utilization_tools} of {h.tools} tools)",
    ]
    if h.overdue:
        lines.append(f"- **Overdue:** {h.overdue} notice deadline(s) have passed")
    lines += ["", "## The plan, by notice deadline", "", *_plan(brief.plan, c)]
    if brief.dismissed:
        lines += ["", "## Dismissed (outside the plan)", "", *_plan(brief.dismissed, c)]
    lines += ["", "## Pilot theatre: tools connected to nothing", ""]
    if brief.pilot_theatre:
        lines += ["| Tool | Owner | Annual cost | Evidence |", "|---|---|--:|---|"]
        lines += [
            f"| {md(t.name)} | {md(t.owner or '')} | {money(t.annual_cost, c)} | "
            f"{md(pilot_evidence(t))} |"
            for t in brief.pilot_theatre
        ]
    else:
        lines.append("No tool is isolated past its grace period.")
    lines += ["", "## Renewal calendar", ""]
    if brief.calendar:
        lines += [
            "| Notice deadline | Tool | Owner | Renews | Annual cost | Verdict |",
            "|---|---|---|---|--:|---|",
        ]
        lines += [
            f"| {t.notice_deadline} ({md(when(t))}) | {md(t.name)} | {md(t.owner or '')} | "
            f"{t.renewal_date} | {money(t.annual_cost, c)} | {ACTION_WORDS[t.verdict]} |"
            for t in brief.calendar
        ]
    else:
        lines.append("No contract has a renewal date in the config.")
    if brief.needs_data:
        lines += ["", "## Tools that need data", ""]
        lines += [
            f"- **{md(t.name)}** ({money(t.annual_cost, c)}): {md(t.verdict_reason or '')}"
            for t in brief.needs_data
        ]
    lines += ["", "## How these numbers are made", ""]
    lines += [f"- {md(line)}" for line in brief.method]
    lines += ["", f"_Generated {brief.generated_at:%Y-%m-%d %H:%M} UTC by stacktrack._", ""]
    return "\n".join(lines)


def _plan(rows: tuple[PlanRow, ...], currency: str) -> list[str]:
    if not rows:
        return ["Nothing to change: every tool with known usage is kept."]
    out = [
        "| Notice deadline | Tool | Owner | Action | Saves / yr | Confidence | Decision | Why |",
        "|---|---|---|---|--:|---|---|---|",
    ]
    for row in rows:
        rec, tool = row.rec, row.tool
        deadline = rec.deadline.isoformat() if rec.deadline else "none"
        why = md(rec.reason) + (f" ({md(row.depends_on)})" if row.depends_on else "")
        out.append(
            f"| {deadline} ({md(when(tool))}) | {md(tool.name)} | {md(tool.owner or '')} | "
            f"{md(action_text(row))} | {money(rec.annual_savings, currency)} | {rec.confidence} | "
            f"{md(decision_text(rec))} | {why} |"
        )
    return out
