"""The decision brief as one self-contained HTML page: inline CSS and SVG, no script, no network.

Light and print-friendly (A4/Letter; sections avoid page breaks inside rows). Every text that can come
from a config or a vendor (tool names, owners, notes, reasons) goes through ``html.escape``: a tool
called ``<script>`` renders as text. The content is ``brief.Brief``; nothing here computes a figure.
"""

from __future__ import annotations

import datetime as dt
from html import escape

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

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d2430; background: #fff; margin: 0 auto; max-width: 1040px; padding: 28px 32px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 2px solid #e3e7ee; padding-bottom: 4px; }
p.meta { color: #5b6575; margin: 0 0 18px; }
.headline { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; }
.figure { border: 1px solid #dde2ea; border-radius: 8px; padding: 12px 14px; }
.figure .label { color: #5b6575; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.figure .value { font-size: 22px; font-weight: 650; margin-top: 2px; }
.figure .note { color: #5b6575; font-size: 12px; }
.savings .value { color: #1a7f37; }
.idle .value { color: #b35900; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e8ebf0; }
th { background: #f4f6f9; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.when { white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
.overdue { color: #b42318; font-weight: 650; }
.small { color: #5b6575; font-size: 12px; }
.tag { display: inline-block; border: 1px solid #cfd6e0; border-radius: 10px; padding: 0 7px;
  font-size: 12px; white-space: nowrap; }
.tag.accepted { border-color: #1a7f37; color: #1a7f37; }
svg { max-width: 100%; height: auto; }
ul.method li { margin-bottom: 4px; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  .headline { grid-template-columns: repeat(4, 1fr); }
}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def render_html(brief: Brief) -> str:
    currency = brief.currency
    today = brief.today.isoformat() if brief.today else "unknown"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Software spend: the decision brief</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Software spend: the decision brief</h1>",
        f'<p class="meta">Figures as of {_e(f"{brief.as_of:%Y-%m-%d %H:%M}")} UTC; deadlines '
        f"counted from {_e(today)}. All money is annual, in {_e(currency)}. Made by stacktrack.</p>",
        _headline(brief),
        "<h2>Spend and what the plan saves</h2>",
        _spend_chart(brief),
        "<h2>The plan, by notice deadline</h2>",
        _plan_table(brief.plan, currency),
    ]
    if brief.dismissed:
        parts += [
            "<h2>Dismissed (outside the plan)</h2>",
            _plan_table(brief.dismissed, currency),
        ]
    parts += ["<h2>Pilot theatre: tools connected to nothing</h2>", _pilots(brief)]
    parts += ["<h2>Renewal calendar</h2>", _timeline(brief), _calendar(brief)]
    if brief.needs_data:
        parts += ["<h2>Tools that need data</h2>", _needs_data(brief)]
    parts += [
        "<h2>How these numbers are made</h2>",
        '<ul class="method">' + "".join(f"<li>{_e(line)}</li>" for line in brief.method) + "</ul>",
        f'<p class="small">Generated {_e(f"{brief.generated_at:%Y-%m-%d %H:%M}")} UTC.</p>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _headline(brief: Brief) -> str:
    h = brief.headline
    currency = brief.currency
    measured = f"over {h.utilization_tools} of {h.tools} tools"
    cells = [
        ("spend", "Annual spend", money(h.annual_spend, currency),
         f"{h.tools_without_cost} tools without a contract cost" if h.tools_without_cost else
         f"{h.tools} tools"),
        ("idle", "Idle spend", money(h.idle_spend, currency), "seats nobody used in the window"),
        ("savings", "Net savings", money(h.net_savings, currency), "the plan, carried out in full"),
        ("util", "Stack-wide utilization", percent(h.utilization), measured),
    ]  # fmt: skip
    html = ['<section class="headline" id="headline">']
    for key, label, value, note in cells:
        html.append(
            f'<div class="figure {key}"><div class="label">{_e(label)}</div>'
            f'<div class="value" id="headline-{key}">{_e(value)}</div>'
            f'<div class="note">{_e(note)}</div></div>'
        )
    html.append("</section>")
    if h.overdue:
        html.append(
            f'<p class="overdue">{h.overdue} notice deadline(s) have passed: those contracts '
            "renew on their current terms unless renegotiated.</p>"
        )
    return "".join(html)


def _plan_table(rows: tuple[PlanRow, ...], currency: str) -> str:
    if not rows:
        return "<p>Nothing to change: every tool with known usage is kept.</p>"
    html = [
        "<table><thead><tr><th>Notice deadline</th><th>Tool</th><th>Owner</th><th>Action</th>"
        '<th class="num">Saves / yr</th><th>Confidence</th><th>Decision</th><th>Why</th></tr>'
        "</thead><tbody>"
    ]
    for row in rows:
        rec, tool = row.rec, row.tool
        deadline = rec.deadline.isoformat() if rec.deadline else "none"
        css = ' class="when overdue"' if tool.overdue else ' class="when"'
        why = _e(rec.reason)
        if row.depends_on:
            why += f'<br><span class="small">{_e(row.depends_on)}</span>'
        status = decision_text(rec)
        html.append(
            f"<tr><td{css}>{_e(deadline)}<br><span class='small'>{_e(when(tool))}</span></td>"
            f"<td>{_e(tool.name)}</td><td>{_e(tool.owner or '')}</td>"
            f"<td>{_e(action_text(row))}</td>"
            f'<td class="num">{_e(money(rec.annual_savings, currency))}</td>'
            f"<td>{_e(rec.confidence)}</td>"
            f'<td><span class="tag {_e(rec.status)}">{_e(status)}</span></td>'
            f"<td>{why}</td></tr>"
        )
    html.append("</tbody></table>")
    return "".join(html)


def _pilots(brief: Brief) -> str:
    if not brief.pilot_theatre:
        return "<p>No tool is isolated past its grace period.</p>"
    html = [
        "<table><thead><tr><th>Tool</th><th>Owner</th><th class='num'>Annual cost</th>"
        "<th>Evidence</th></tr></thead><tbody>"
    ]
    for tool in brief.pilot_theatre:
        html.append(
            f"<tr><td>{_e(tool.name)}</td><td>{_e(tool.owner or '')}</td>"
            f'<td class="num">{_e(money(tool.annual_cost, brief.currency))}</td>'
            f"<td>{_e(pilot_evidence(tool))}</td></tr>"
        )
    html.append("</tbody></table>")
    return "".join(html)


def _calendar(brief: Brief) -> str:
    if not brief.calendar:
        return "<p>No contract has a renewal date in the config.</p>"
    html = [
        "<table><thead><tr><th>Notice deadline</th><th>Tool</th><th>Owner</th><th>Renews</th>"
        '<th class="num">Annual cost</th><th>Verdict</th></tr></thead><tbody>'
    ]
    for tool in brief.calendar:
        css = ' class="overdue"' if tool.overdue else ""
        html.append(
            f"<tr><td{css}>{_e(tool.notice_deadline)} ({_e(when(tool))})</td>"
            f"<td>{_e(tool.name)}</td><td>{_e(tool.owner or '')}</td>"
            f"<td>{_e(tool.renewal_date)}</td>"
            f'<td class="num">{_e(money(tool.annual_cost, brief.currency))}</td>'
            f"<td>{_e(ACTION_WORDS[tool.verdict])}</td></tr>"
        )
    html.append("</tbody></table>")
    return "".join(html)


def _needs_data(brief: Brief) -> str:
    items = "".join(
        f"<li><b>{_e(t.name)}</b> ({_e(money(t.annual_cost, brief.currency))}): "
        f"{_e(t.verdict_reason or '')}</li>"
        for t in brief.needs_data
    )
    return f"<ul>{items}</ul>"


def _spend_chart(brief: Brief) -> str:
    """Horizontal bars: each tool's annual cost, the plan's savings on it in green."""
    rows = brief.spend[:15]
    if not rows:
        return "<p>No contract costs in the config.</p>"
    top = max(tool.annual_cost or 0.0 for tool, _ in rows) or 1.0
    label_w, bar_w, row_h = 250, 520, 22
    height = row_h * len(rows) + 30
    svg = [
        f'<svg role="img" aria-label="Annual cost and plan savings by tool" '
        f'xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 120}" height="{height}" '
        f'viewBox="0 0 {label_w + bar_w + 120} {height}" font-family="Arial, sans-serif" '
        'font-size="12">'
    ]
    for index, (tool, saving) in enumerate(rows):
        y = index * row_h + 4
        cost = tool.annual_cost or 0.0
        width = bar_w * cost / top
        saved = bar_w * min(saving or 0.0, cost) / top
        name = tool.name if len(tool.name) <= 36 else tool.name[:35] + "…"
        svg.append(
            f'<text x="{label_w - 8}" y="{y + 14}" text-anchor="end" fill="#1d2430">{_e(name)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{width:.1f}" height="{row_h - 6}" '
            'fill="#c9d3e0"/>'
        )
        if saved > 0:
            svg.append(
                f'<rect x="{label_w}" y="{y + 2}" width="{saved:.1f}" height="{row_h - 6}" '
                'fill="#2da44e"/>'
            )
        svg.append(
            f'<text x="{label_w + width + 6:.1f}" y="{y + 14}" fill="#5b6575">'
            f"{_e(money(cost, brief.currency))}</text>"
        )
    y = len(rows) * row_h + 20
    svg.append(
        f'<rect x="{label_w}" y="{y - 10}" width="12" height="10" fill="#2da44e"/>'
        f'<text x="{label_w + 18}" y="{y}" fill="#5b6575">saved by the plan</text>'
        f'<rect x="{label_w + 140}" y="{y - 10}" width="12" height="10" fill="#c9d3e0"/>'
        f'<text x="{label_w + 158}" y="{y}" fill="#5b6575">annual cost</text></svg>'
    )
    return "".join(svg)


def _timeline(brief: Brief) -> str:
    """Notice deadlines over the next twelve months; passed ones stacked at the left, in red."""
    today = brief.today or brief.as_of.date()
    dated = [t for t in brief.calendar if t.notice_deadline is not None]
    if not dated:
        return ""
    left, width, height = 20, 760, 120
    span = 365
    svg = [
        f'<svg role="img" aria-label="Notice deadlines over the next year" '
        f'xmlns="http://www.w3.org/2000/svg" width="{left * 2 + width}" height="{height}" '
        f'viewBox="0 0 {left * 2 + width} {height}" font-family="Arial, sans-serif" '
        'font-size="11">'
        f'<line x1="{left}" y1="60" x2="{left + width}" y2="60" stroke="#9aa5b5"/>'
    ]
    for month in range(13):
        day = _add_months(today.replace(day=1), month)
        offset = (day - today).days
        if 0 <= offset <= span:
            x = left + width * offset / span
            svg.append(
                f'<line x1="{x:.1f}" y1="55" x2="{x:.1f}" y2="65" stroke="#9aa5b5"/>'
                f'<text x="{x:.1f}" y="80" text-anchor="middle" fill="#5b6575">'
                f"{_e(f'{day:%b %Y}')}</text>"
            )
    cost_top = max((t.annual_cost or 0.0) for t in dated) or 1.0
    for tool in dated:
        days = tool.days_to_notice if tool.days_to_notice is not None else 0
        if days > span:
            continue
        x = left + width * max(days, 0) / span
        radius = 3 + 9 * ((tool.annual_cost or 0.0) / cost_top) ** 0.5
        colour = "#b42318" if days < 0 else "#1f6feb"
        svg.append(
            f'<circle cx="{x:.1f}" cy="60" r="{radius:.1f}" fill="{colour}" fill-opacity="0.55">'
            f"<title>{_e(tool.name)}: {_e(tool.notice_deadline)}</title></circle>"
        )
    svg.append(
        f'<text x="{left}" y="20" fill="#5b6575">Today ({_e(today)}); circle size = annual cost; '
        "red = notice deadline passed</text></svg>"
    )
    return "".join(svg)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)
