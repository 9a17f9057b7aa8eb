"""``stacktrack export calendar``: notice deadlines as an iCalendar file (RFC 5545).

One all-day event per tool with a notice deadline and money at stake (a known annual cost), on the
deadline itself, with a reminder two weeks before. The text speaks to the tool's owner: what renews,
for how much, and what the plan proposes. Writes only; every figure comes from the ``Analysis``.

Lines end in CRLF and are folded at 75 octets; text values escape ``\\ ; ,`` and newlines. The UID is
stable (tool and deadline), so re-importing the file updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from stacktrack.analysis.models import Analysis, Recommendation, ToolFigures

PRODID = "-//stacktrack//notice deadlines//EN"
REMINDER_DAYS = 14

_ACTIONS = {
    "retire": "retire it",
    "integrate_or_retire": "integrate it into the stack or retire it",
    "consolidate": "move its users into {target} and cancel it",
    "right_size": "renew with {seats} seats",
    "downgrade": "move to the lower tier or drop the add-on",
}


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with a space), never inside a
    multi-byte UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _money(value: float | None, currency: str) -> str:
    return "unknown" if value is None else f"{value:,.0f} {currency}"


def _plan_sentence(rec: Recommendation | None, tools: dict[str, ToolFigures]) -> str:
    if rec is None or rec.status == "dismissed":
        return "The plan: keep it."
    target = tools[rec.target_tool_id].name if rec.target_tool_id else ""
    what = _ACTIONS[rec.action].format(target=target, seats=rec.seats_after)
    saving = _money(rec.annual_savings, rec.currency)
    state = {"accepted": " (accepted)", "open": " (not decided yet)"}.get(rec.status, "")
    return f"The plan: {what}, saving {saving} a year{state}."


def events(analysis: Analysis) -> list[tuple[ToolFigures, Recommendation | None]]:
    """The tools that get an event: a notice deadline and a known annual cost; by deadline."""
    chosen = [
        (tool, analysis.recommendation_for(tool.id))
        for tool in analysis.tools
        if tool.notice_deadline is not None and tool.annual_cost is not None
    ]
    return sorted(chosen, key=lambda pair: (pair[0].notice_deadline, pair[0].id))


def write_calendar(analysis: Analysis, stream: IO[str], *, generated_at: dt.datetime) -> int:
    """Write the .ics; returns the number of events."""
    tools = analysis.tools_by_id()
    stamp = generated_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Notice deadlines (stacktrack)",
    ]
    chosen = events(analysis)
    for tool, rec in chosen:
        deadline = tool.notice_deadline
        assert deadline is not None
        owner = tool.owner or "no owner on record"
        overdue = " (OVERDUE)" if tool.overdue else ""
        summary = f"Notice deadline{overdue}: {tool.name} renews at {_money(tool.annual_cost, analysis.currency)}"
        description = "\n".join(
            line
            for line in [
                f"Owner: {owner}.",
                f"{tool.name} renews on {tool.renewal_date} at "
                f"{_money(tool.annual_cost, analysis.currency)} a year; today is the last day to "
                "give notice or renegotiate.",
                _plan_sentence(rec, tools),
                f"Why: {rec.reason}" if rec is not None and rec.status != "dismissed" else "",
                f"Decision note: {rec.decision_note}" if rec and rec.decision_note else "",
                "Figures: stacktrack report (see docs/methodology.md for how they are made).",
            ]
            if line
        )
        lines += [
            "BEGIN:VEVENT",
            f"UID:notice-{tool.id}-{deadline:%Y%m%d}@stacktrack",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{deadline:%Y%m%d}",
            f"DTEND;VALUE=DATE:{deadline + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(description)}",
            f"CATEGORIES:{escape_text('renewal')}",
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(f'{REMINDER_DAYS} days to give notice: {tool.name}')}",
            f"TRIGGER:-P{REMINDER_DAYS}D",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    stream.write("".join(fold(line) + "\r\n" for line in lines))
    return len(chosen)
