"""The decision brief (HTML and Markdown) and the notice calendar (.ics).

The HTML is rendered by a real headless Chromium (PNG and PDF, and the DOM text checked for the
headline figures); the calendar is read back with ``icalendar``, an RFC 5545 parser.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import icalendar
import pytest

from stacktrack.analysis.analyze import analyze
from stacktrack.report.brief import build_brief
from stacktrack.report.brief_html import render_html
from stacktrack.report.brief_md import render_markdown
from stacktrack.report.calendar import write_calendar
from tests.analysis.builders import account, config, integration, source, state, usage

HOSTILE = "<script>alert(1)</script> & *Co* | [x](http://evil.example)"
TODAY = dt.date(2026, 6, 1)
GENERATED = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def people(prefix, n, days_ago=1):
    return [account(f"{prefix}{i}", days_ago=days_ago) for i in range(n)]


def sample():
    """Five tools: a right-size, a retire past its deadline, pilot theatre with a hostile name, a
    consolidation and its target, and one with no usage data."""
    tools = [
        {"id": "crm", "name": "CRM Suite", "owner": "RevOps", "sources": ["crm"],
         "capabilities": ["crm", "email"],
         "contract": {"annual_cost": 20000, "seats": 20, "renewal_date": "2026-09-01",
                      "notice_days": 60}},
        {"id": "webinar", "name": "Webinar Pro", "owner": "Events", "sources": ["webinar"],
         "contract": {"annual_cost": 5000, "pricing": "flat", "renewal_date": "2026-06-20",
                      "notice_days": 30}},
        {"id": "pilot", "name": HOSTILE, "owner": "=HYPERLINK(1)", "sources": ["pilot"],
         "contract": {"annual_cost": 12000, "pricing": "flat", "start_date": "2025-01-01",
                      "renewal_date": "2027-01-15", "notice_days": 30}},
        {"id": "mailer", "name": "Mailer", "owner": "Demand Gen", "sources": ["mailer"],
         "capabilities": ["email"],
         "contract": {"annual_cost": 3000, "pricing": "flat", "renewal_date": "2026-12-01",
                      "notice_days": 30}},
        {"id": "intel", "name": "Intel Tool", "owner": "Sales",
         "contract": {"annual_cost": 7000, "pricing": "flat", "renewal_date": "2027-02-01",
                      "notice_days": 30}},
    ]  # fmt: skip
    st = state(
        source("crm", [usage(people("u", 6), integrations=[integration("Mailer", 2)])]),
        source("webinar", [usage(people("w", 3, days_ago=90))]),
        source("pilot", [usage(people("p", 2), integrations=[])]),
        source("mailer", [usage(people("u", 4))]),
    )
    return analyze(config(tools), st, today=TODAY, rec_states=None)


@pytest.fixture(scope="module")
def analysis():
    return sample()


@pytest.fixture(scope="module")
def html(analysis):
    return render_html(build_brief(analysis, generated_at=GENERATED))


def headline_texts(analysis):
    totals = analysis.totals
    return [
        f"{totals.annual_spend:,.0f} USD",
        f"{totals.idle_spend:,.0f} USD",
        f"{totals.net_savings:,.0f} USD",
        f"{totals.utilization:.0%}",
    ]


def test_the_sample_has_what_the_brief_must_show(analysis):
    assert analysis.totals.net_savings > 0
    assert analysis.tool("webinar").overdue  # 2026-05-21 < TODAY
    assert "pilot_theatre" in analysis.tool("pilot").flags
    assert analysis.tool("intel").verdict == "needs_data"
    actions = {r.tool_id: r.action for r in analysis.recommendations}
    assert actions["mailer"] == "consolidate"


def test_html_is_self_contained_and_escapes_vendor_names(html, analysis):
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "=HYPERLINK(1)" in html  # text, shown as written
    for banned in ("<link", "@import", "src=", "url(", "<iframe", "<img", "javascript:"):
        assert banned not in html.lower(), banned
    # The only URL is the SVG namespace (an identifier, never fetched) and the escaped hostile one.
    urls = set(re.findall(r"https?://[^\s\"'<)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://evil.example"}
    assert 'href="http://evil.example"' not in html
    for text in headline_texts(analysis):
        assert text in html
    assert html.count("<svg") == 2
    assert "How these numbers are made" in html
    assert "OVERDUE by 11 days" in html  # webinar: deadline 2026-05-21, today 2026-06-01
    # The plan is ordered by deadline.
    plan = [r for r in analysis.recommendations if r.status != "dismissed"]
    section = html.split("The plan, by notice deadline", 1)[1].split("<h2>", 1)[0]
    deadlines = re.findall(r"<tr><td[^>]*>(\d{4}-\d\d-\d\d)<br>", section)
    assert deadlines == [r.deadline.isoformat() for r in plan] == sorted(deadlines)
    positions = [section.index(escape(analysis.tool(r.tool_id).name)) for r in plan]
    assert positions == sorted(positions)


def test_markdown_carries_the_same_content_escaped(analysis):
    text = render_markdown(build_brief(analysis, generated_at=GENERATED))
    assert "<script>" not in text
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; \\*Co\\* \\| \\[x\\](http://evil.example)"
        in text
    )
    for needle in headline_texts(analysis):
        assert needle in text
    for heading in ("The plan, by notice deadline", "Pilot theatre", "Renewal calendar",
                    "Tools that need data", "How these numbers are made"):  # fmt: skip
        assert f"## {heading}" in text
    assert "OVERDUE by 11 days" in text
    assert analysis.tool("intel").verdict_reason in text.replace("\\", "")


def test_decisions_appear_in_the_brief():
    from stacktrack.state import Decision

    cfg = config(
        [
            {"id": "crm", "name": "CRM Suite", "owner": "RevOps", "sources": ["crm"],
             "contract": {"annual_cost": 20000, "seats": 20}},
        ]
    )  # fmt: skip
    st = state(source("crm", [usage(people("u", 6))]))
    (rec,) = analyze(cfg, st, today=TODAY).recommendations
    decision = Decision("accepted", GENERATED, "cfo@acme", "renew with fewer seats")
    decided = analyze(cfg, st, rec_states={rec.id: decision}, today=TODAY)
    expected = "accepted by cfo@acme on 2026-06-01: renew with fewer seats"
    assert expected in render_html(build_brief(decided, generated_at=GENERATED))
    assert expected in render_markdown(build_brief(decided, generated_at=GENERATED))


# -- the calendar --------------------------------------------------------------------------------


def test_calendar_is_valid_rfc5545_with_one_event_per_deadline_with_money(analysis):
    import io

    stream = io.StringIO(newline="")
    count = write_calendar(analysis, stream, generated_at=GENERATED)
    raw = stream.getvalue()
    assert raw.endswith("\r\n") and "\n" not in raw.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in raw.split("\r\n"))
    cal = icalendar.Calendar.from_ical(raw)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    events = list(cal.walk("VEVENT"))
    expected = {t.id: t for t in analysis.tools if t.notice_deadline is not None and t.annual_cost}
    assert count == len(events) == len(expected) == 5
    by_uid = {str(e["UID"]): e for e in events}
    for tool in expected.values():
        event = by_uid[f"notice-{tool.id}-{tool.notice_deadline:%Y%m%d}@stacktrack"]
        assert event.decoded("DTSTART") == tool.notice_deadline
        assert event.decoded("DTEND") == tool.notice_deadline + dt.timedelta(days=1)
        summary = str(event["SUMMARY"])
        assert tool.name in summary and f"{tool.annual_cost:,.0f} USD" in summary
        assert ("OVERDUE" in summary) is tool.overdue
        assert f"Owner: {tool.owner}." in str(event["DESCRIPTION"])
        (alarm,) = event.subcomponents
        assert alarm.decoded("TRIGGER") == -dt.timedelta(days=14)
    crm = by_uid["notice-crm-20260703@stacktrack"]
    rec = analysis.recommendation_for("crm")
    assert f"saving {rec.annual_savings:,.0f} USD a year" in str(crm["DESCRIPTION"])


# -- a real browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    command = [
        CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_the_brief_renders_in_headless_chromium(tmp_path, html, analysis):
    page = tmp_path / "brief.html"
    page.write_text(html, encoding="utf-8")
    url = page.as_uri()

    png = tmp_path / "brief.png"
    done = chromium(tmp_path, f"--screenshot={png}", "--window-size=1100,1600", url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    pdf = tmp_path / "brief.pdf"
    done = chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 5000

    done = chromium(tmp_path, "--dump-dom", url)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<script" not in dom.lower()  # the hostile name stayed text
    text = re.sub(r"<[^>]+>", " ", dom)
    for needle in headline_texts(analysis):
        assert needle in text
    for key, needle in zip(
        ("spend", "idle", "savings", "util"), headline_texts(analysis), strict=True
    ):
        match = re.search(rf'id="headline-{key}">([^<]*)<', dom)
        assert match is not None and match.group(1) == needle
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
