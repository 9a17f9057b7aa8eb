"""Hypothesis invariants of the analysis and the export over arbitrary small stacks."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacktrack.analysis.analyze import analyze
from stacktrack.report.export import (
    RECOMMENDATION_COLUMNS,
    TOOL_COLUMNS,
    neutralize,
    recommendation_rows,
    tool_row,
    write_recommendations_csv,
    write_tools_csv,
)
from stacktrack.state import StackState
from tests.analysis.builders import T, account, config, integration, source, state, usage

CAPS = ["email", "forms", "crm", "seo", "chat"]
names = st.text(min_size=1, max_size=25)

account_spec = st.tuples(
    st.integers(0, 12),  # user
    st.one_of(st.none(), st.integers(0, 200)),  # days ago
    st.booleans(),  # assigned
    st.sampled_from(["active", "invited", "suspended", "deactivated"]),
    st.booleans(),  # has an e-mail
)
tool_spec = st.fixed_dictionaries(
    {
        "name": names,
        "caps": st.lists(st.sampled_from(CAPS), unique=True, max_size=4),
        "contract": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {
                    "annual_cost": st.floats(0, 1e6, allow_nan=False),
                    "currency": st.sampled_from(["USD", "EUR"]),
                    "pricing": st.sampled_from(["per_seat", "flat", "usage"]),
                    "seats": st.one_of(st.none(), st.integers(0, 40)),
                    "start_date": st.one_of(
                        st.none(), st.sampled_from(["2025-01-01", "2026-05-01", "2026-03-15"])
                    ),
                    "renewal_date": st.one_of(
                        st.none(), st.sampled_from(["2026-07-01", "2027-01-01"])
                    ),
                    "notice_days": st.integers(0, 90),
                }
            ),
        ),
        "standalone": st.booleans(),
        "accounts": st.one_of(st.none(), st.lists(account_spec, max_size=12)),
        "activity_known": st.booleans(),
        "horizon": st.one_of(st.none(), st.just(90)),
        "integrations": st.lists(
            st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 100))), max_size=3
        ),
        "aware": st.booleans(),
        "status": st.sampled_from(["ok", "ok", "failed"]),
    }
)


def build(specs):
    tools, sources = [], []
    for index, spec in enumerate(specs):
        tool = {
            "id": f"t{index}",
            "name": spec["name"],
            "owner": spec["name"],
            "capabilities": spec["caps"],
            "sources": [f"s{index}"],
            "standalone": spec["standalone"],
        }
        if spec["contract"] is not None:
            tool["contract"] = spec["contract"]
        tools.append(tool)
        accounts = None
        if spec["accounts"] is not None:
            accounts = [
                account(
                    f"u{user}",
                    email="" if has_email else None,
                    days_ago=days,
                    assigned=assigned,
                    status=status,
                )
                for user, days, assigned, status, has_email in spec["accounts"]
            ]
        integrations = [
            integration(f"t{target}" if target < len(specs) else f"unknown {target}", days)
            for target, days in spec["integrations"]
        ]
        app = usage(
            accounts,
            activity_known=spec["activity_known"],
            horizon=spec["horizon"],
            integrations=integrations if spec["aware"] else None,
        )
        sources.append(source(f"s{index}", [app], status=spec["status"]))
    return config(tools, fx={"EUR": 1.0837}), sources


stacks = st.lists(tool_spec, min_size=1, max_size=5)
relaxed = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@relaxed
@given(stacks)
def test_invariants(specs):
    cfg, sources = build(specs)
    analysis = analyze(cfg, state(*sources))
    tools = analysis.tools_by_id()
    for figures in analysis.tools:
        if figures.utilization is not None:
            assert figures.utilization >= 0
        if figures.idle_spend is not None:
            assert 0 <= figures.idle_spend <= figures.annual_cost + 1e-6
        if figures.active_users is not None:
            assert figures.active_users <= len(figures.users)
        if figures.never_active_users is not None:
            assert figures.never_active_users <= figures.seats_assigned
        if figures.cost_per_active_user is not None:
            assert figures.cost_per_active_user <= figures.annual_cost + 1e-6
    seen = set()
    leaving = set()
    for rec in analysis.recommendations:
        assert rec.tool_id not in seen, "at most one recommendation per tool"
        seen.add(rec.tool_id)
        cost = tools[rec.tool_id].annual_cost
        if rec.annual_savings is not None:
            assert 0 <= rec.annual_savings <= cost
        if rec.action == "consolidate":
            assert rec.target_tool_id != rec.tool_id
            assert "pilot_theatre" not in tools[rec.target_tool_id].flags
        if rec.action != "right_size":
            leaving.add(rec.tool_id)
    targets = {r.target_tool_id for r in analysis.recommendations if r.target_tool_id}
    assert not targets & leaving, "never consolidate into a tool that goes away"


@relaxed
@given(stacks)
def test_ids_and_results_are_stable_across_runs(specs):
    cfg, sources = build(specs)
    first = analyze(cfg, state(*sources))
    reordered = StackState(
        run_id=99, as_of=T, sources={s.source: s for s in reversed(sources)}, tool_first_seen={}
    )
    second = analyze(cfg, reordered)
    summary = [(r.id, r.action, r.tool_id, r.annual_savings) for r in first.recommendations]
    assert summary == [
        (r.id, r.action, r.tool_id, r.annual_savings) for r in second.recommendations
    ]


def expected_cell(value):
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return neutralize(str(value))


def check_roundtrip(text, columns, expected_rows):
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(expected_rows)
    for row, expected in zip(rows, expected_rows, strict=True):
        assert tuple(row) == columns
        for column in columns:
            want = expected_cell(expected[column])
            if isinstance(want, int | float):
                assert float(row[column]) == float(want), column
            else:
                assert row[column] == want, column


@relaxed
@given(stacks)
def test_csv_round_trips_through_dictreader(specs):
    cfg, sources = build(specs)
    analysis = analyze(cfg, state(*sources))
    stream = io.StringIO(newline="")
    write_recommendations_csv(analysis.recommendations, analysis.tools, "USD", stream)
    expected = recommendation_rows(analysis.recommendations, analysis.tools, "USD")
    for row in expected:
        row["evidence"] = json.dumps(
            row["evidence"], ensure_ascii=False, separators=(",", ":"), sort_keys=True
        )
    check_roundtrip(stream.getvalue(), RECOMMENDATION_COLUMNS, expected)

    stream = io.StringIO(newline="")
    write_tools_csv(analysis.tools, "USD", stream)
    check_roundtrip(
        stream.getvalue(), TOOL_COLUMNS, [tool_row(tool, "USD") for tool in analysis.tools]
    )


def _active(figures):
    """Active users by the rule of docs/methodology.md, from the user rows (not the plan)."""
    rows = figures.users
    holders = [u for u in rows if u.assigned]
    return {u.key for u in (holders if holders else rows) if u.status == "active"}


@relaxed
@given(stacks)
def test_the_plan_adds_up_to_what_the_stack_costs_after_it(specs):
    """The plan's net savings = cost before - cost after carrying it out, worked out tool by tool
    from the figures (who is active, who moves where), and no two open recommendations conflict."""
    cfg, sources = build(specs)
    analysis = analyze(cfg, state(*sources))
    tools = analysis.tools_by_id()
    plan = [r for r in analysis.recommendations if r.status == "open"]
    by_tool = {r.tool_id: r for r in plan}
    assert len(by_tool) == len(plan), "at most one open recommendation per tool"
    leaves = {
        r.tool_id for r in plan if r.action in {"retire", "consolidate", "integrate_or_retire"}
    }
    for first in plan:
        for second in plan:
            if first is not second:
                assert first.target_tool_id not in leaves or first.target_tool_id is None
                assert first.tool_id != second.tool_id
    if any(tools[r.tool_id].annual_cost is None or r.annual_savings is None for r in plan):
        return
    saved = 0.0
    for tool_id, figures in tools.items():
        cost = figures.annual_cost
        rec = by_tool.get(tool_id)
        if cost is None or (rec is None and not any(r.target_tool_id == tool_id for r in plan)):
            continue
        if rec is not None and rec.tool_id in leaves:
            saved += cost
            continue
        incoming = set()
        for move in plan:
            if move.target_tool_id == tool_id:
                incoming |= _active(tools[move.tool_id]) - _active(figures)
        after = cost
        purchased, assigned = figures.seats_purchased, figures.seats_assigned
        if figures.pricing == "per_seat" and purchased:
            people = len(_active(figures)) + len(incoming)
            if rec is not None and rec.action == "right_size":
                assert rec.seats_after == max(1, -(-people * 11 // 10))
                seats = rec.seats_after
            else:
                seats = max(purchased, people)
            after = seats * cost / purchased
        elif figures.pricing == "per_seat" and incoming:
            after = cost + len(incoming) * cost / assigned
        saved += cost - after
    assert analysis.totals.net_savings == pytest.approx(saved, abs=0.05)
