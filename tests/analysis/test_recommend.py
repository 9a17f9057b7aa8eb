"""docs/methodology.md recommendations, rule by rule, with savings computed by hand."""

from __future__ import annotations

import hashlib

import pytest

from stacktrack.analysis.analyze import analyze, recommendation_id
from stacktrack.report.json_report import build_report
from tests.analysis.builders import T, account, config, integration, source, state, usage


def people(prefix, n, days_ago=1):
    return [account(f"{prefix}{i}", days_ago=days_ago) for i in range(n)]


def vendor_tool(id_, *, caps=None, **contract):
    entry = {"id": id_, "name": id_.title(), "sources": [id_]}
    if caps is not None:
        entry["capabilities"] = caps
    if contract:
        entry["contract"] = contract
    return entry


def run(tools, accounts_by_tool, rec_states=None, **general):
    st = state(*[source(tid, [usage(accs)]) for tid, accs in accounts_by_tool.items()])
    return analyze(config(tools, **general), st, rec_states=rec_states)


def test_retire_when_usage_is_known_and_nobody_is_active():
    analysis = run(
        [vendor_tool("webinar", annual_cost=8000, seats=5)],
        {"webinar": people("u", 3, days_ago=120)},
    )
    (rec,) = analysis.recommendations
    assert (rec.action, rec.annual_savings, rec.confidence) == ("retire", 8000.0, "high")
    assert rec.id == recommendation_id("retire", "webinar")


def test_no_usage_data_is_not_a_retire():
    analysis = analyze(config([vendor_tool("wiki", annual_cost=100, seats=3)]), state())
    assert analysis.recommendations == ()


def test_integrate_or_retire_for_pilot_theatre():
    tools = [
        vendor_tool("jasper", annual_cost=12000, start_date="2025-01-01", pricing="flat"),
        vendor_tool("crm", annual_cost=1, pricing="flat"),
    ]
    st = state(
        source("jasper", [usage(people("u", 4))]),
        source("crm", [usage(people("u", 1), integrations=[])]),  # integration-aware, nothing
    )
    analysis = analyze(config(tools), st)
    (rec,) = [r for r in analysis.recommendations if r.tool_id == "jasper"]
    assert (rec.action, rec.annual_savings, rec.confidence) == (
        "integrate_or_retire",
        12000.0,
        "medium",
    )


@pytest.mark.parametrize(
    ("purchased", "active", "keep", "savings"),
    [
        (20, 10, 11, 9 * 1000.0),  # ceil(10 * 1.1) = 11, not 12 (float trap)
        (20, 3, 4, 16 * 1000.0),  # ceil(3.3) = 4
        (20, 15, 17, 3 * 1000.0),  # 0.75 < 0.8; ceil(16.5) = 17
        (20, 16, None, None),  # 0.8 is not below 0.8
        (20, 1, 2, 18 * 1000.0),
        (2, 1, None, None),  # keep ceil(1.1) = 2 -> nothing to remove
    ],
)
def test_right_size(purchased, active, keep, savings):
    cost = purchased * 1000.0
    accounts = people("a", active) + people("i", purchased - active, days_ago=200)
    analysis = run([vendor_tool("crm", annual_cost=cost, seats=purchased)], {"crm": accounts})
    recs = analysis.recommendations
    if keep is None:
        assert recs == ()
        return
    (rec,) = recs
    assert rec.action == "right_size"
    assert rec.evidence["keep_seats"] == keep
    assert rec.evidence["removed_seats"] == purchased - keep
    assert rec.annual_savings == pytest.approx(savings)


def test_right_size_minimum_one_seat_loses_to_retire():
    analysis = run([vendor_tool("crm", annual_cost=2000, seats=20)], {"crm": people("i", 5, 99)})
    (rec,) = analysis.recommendations
    assert rec.action == "retire" and rec.annual_savings == 2000


def test_no_right_size_for_flat_pricing_or_unknown_purchased():
    flat = run(
        [vendor_tool("crm", annual_cost=2000, seats=20, pricing="flat")], {"crm": people("a", 2)}
    )
    assert flat.recommendations == ()
    unknown = run(
        [vendor_tool("crm", annual_cost=2000)], {"crm": people("a", 2) + people("b", 8, 99)}
    )
    assert unknown.recommendations == ()


def two_email_tools(sendgrid_pricing="per_seat", overlap=3, sendgrid_active=16):
    # mailchimp: 6000/yr for 10 seats, 4 active (a0..a3)
    # sendgrid: 12000/yr for 20 seats (600 per seat); `overlap` of its active users are a0..
    mailchimp = vendor_tool("mailchimp", caps=["email", "forms"], annual_cost=6000, seats=10)
    sendgrid = vendor_tool(
        "sendgrid",
        caps=["email", "forms", "transactional-email"],
        annual_cost=12000,
        seats=20,
        pricing=sendgrid_pricing,
    )
    return run(
        [mailchimp, sendgrid],
        {
            "mailchimp": people("a", 4),
            "sendgrid": people("a", overlap) + people("s", sendgrid_active - overlap),
        },
    )


def test_two_overlapping_email_tools_consolidate_the_covered_one():
    analysis = two_email_tools()
    (rec,) = analysis.recommendations
    assert (rec.action, rec.tool_id, rec.target_tool_id) == ("consolidate", "mailchimp", "sendgrid")
    # 1 of mailchimp's 4 active users is new to sendgrid, and sendgrid has 4 idle seats: no seat
    # to buy, the whole 6000 is saved; sendgrid then holds 17 of 20 (85%): not right-sized.
    assert rec.annual_savings == pytest.approx(6000.0)
    assert rec.evidence["target_seats_to_add"] == 0
    assert rec.confidence == "high"  # 3/4 already active in sendgrid
    assert rec.evidence["capability_coverage"] == 1.0
    assert rec.evidence["usage_overlap"] == 0.75
    assert rec.id == "rec-" + hashlib.sha256(b"consolidate:mailchimp:sendgrid").hexdigest()[:10]
    assert analysis.tool("sendgrid").verdict == "keep"


def test_seats_the_target_must_add_are_netted():
    # sendgrid: 19 of 20 active, one idle seat; 3 of mailchimp's 4 are new: 2 seats to buy at 600.
    (rec,) = two_email_tools(overlap=1, sendgrid_active=19).recommendations
    assert (rec.action, rec.confidence) == ("consolidate", "medium")  # 1/4 = 25% shared use
    assert rec.evidence["target_seats_to_add"] == 2
    assert rec.annual_savings == pytest.approx(6000.0 - 2 * 600.0)


@pytest.mark.parametrize(
    ("shared", "proposed", "confidence"),
    [
        (0, False, None),
        (1, False, None),
        (2, True, "medium"),
        (5, True, "high"),
        (4, True, "medium"),
    ],
)
def test_shared_use_thresholds(shared, proposed, confidence):
    # a: 10 active; b covers a and is flat-priced; `shared` of a's users are active in b.
    a = vendor_tool("a", caps=["email"], annual_cost=1000, pricing="flat")
    b = vendor_tool("b", caps=["email", "sms"], annual_cost=9000, pricing="flat")
    analysis = run([a, b], {"a": people("u", 10), "b": people("u", shared) + people("v", 3)})
    rec = analysis.recommendation_for("a")
    (overlap,) = analysis.overlaps["a"]
    assert overlap.shared_users == shared and overlap.share == shared / 10
    (shown,) = build_report(analysis, run_id=1, generated_at=T)["tools"][0]["overlaps"]
    assert (shown["target_tool_id"], shown["shared_users"], shown["proposed"]) == (
        "b",
        shared,
        proposed,
    )
    if not proposed:  # below 20%: not proposed, shown as information
        assert rec is None and overlap.why_not == "below 20% shared use"
        assert analysis.tool("a").verdict == "keep"
        return
    assert (rec.action, rec.target_tool_id, rec.confidence) == ("consolidate", "b", confidence)


def test_a_target_is_right_sized_for_its_users_plus_those_moving_in():
    # notion: 100 seats at 100 each, 40 active. asana: flat 5000, 30 active, 10 of them in notion.
    notion = vendor_tool(
        "notion", caps=["docs", "project-management"], annual_cost=10000, seats=100
    )
    asana = vendor_tool("asana", caps=["project-management"], annual_cost=5000, pricing="flat")
    analysis = run(
        [notion, asana],
        {"notion": people("n", 30) + people("a", 10), "asana": people("a", 30)},
    )
    by_tool = {r.tool_id: r for r in analysis.recommendations}
    move, resize = by_tool["asana"], by_tool["notion"]
    assert (move.action, move.target_tool_id, move.annual_savings) == (
        "consolidate",
        "notion",
        5000,
    )
    # 40 own + 20 newcomers = 60 people: keep ceil(66.0) = 66, not the 44 of notion alone.
    assert (resize.action, resize.seats_after) == ("right_size", 66)
    assert resize.annual_savings == pytest.approx(34 * 100.0)
    assert resize.evidence["users_moving_in"] == 20
    assert resize.depends_on == (move.id,) and move.depends_on == (resize.id,)
    # The plan's total is the money that really goes: asana, and 34 of notion's 100 seats.
    assert analysis.totals.net_savings == pytest.approx(5000 + 34 * 100.0)


def test_nothing_is_retired_that_something_moves_into():
    # b is over-covered by c and a moves into b; b is kept since a's saving is the larger one.
    a = vendor_tool("a", caps=["email"], annual_cost=8000, pricing="flat")
    b = vendor_tool("b", caps=["email"], annual_cost=1000, pricing="flat")
    c = vendor_tool("c", caps=["email", "sms"], annual_cost=500, pricing="flat")
    analysis = run(
        [a, b, c],
        {"a": people("u", 4), "b": people("u", 4), "c": people("x", 1)},
    )
    leaving = {r.tool_id for r in analysis.recommendations if r.status == "open"}
    for rec in analysis.recommendations:
        assert rec.target_tool_id not in leaving


def test_a_dismissed_consolidation_frees_the_plan():
    notion = vendor_tool(
        "notion", caps=["docs", "project-management"], annual_cost=10000, seats=100
    )
    asana = vendor_tool("asana", caps=["project-management"], annual_cost=5000, pricing="flat")
    accounts = {"notion": people("n", 30) + people("a", 10), "asana": people("a", 30)}
    first = run([notion, asana], accounts)
    move = first.recommendation_for("asana")
    second = run([notion, asana], accounts, rec_states={move.id: "dismissed"})
    (dismissed,) = [r for r in second.recommendations if r.status == "dismissed"]
    assert dismissed.id == move.id
    (resize,) = [r for r in second.recommendations if r.status == "open"]
    # Without the move, notion is sized for its own 40: keep 44, drop 56.
    assert (resize.tool_id, resize.seats_after, resize.depends_on) == ("notion", 44, ())
    assert second.totals.net_savings == pytest.approx(56 * 100.0)


def test_coverage_below_80_percent_is_no_consolidation():
    a = vendor_tool(
        "a", caps=["email", "forms", "sms", "seo", "ads"], annual_cost=3000, pricing="flat"
    )
    b = vendor_tool(
        "b", caps=["email", "forms", "sms", "seo", "chat"], annual_cost=1000, pricing="flat"
    )
    c = vendor_tool(
        "c", caps=["email", "forms", "sms", "chat", "video"], annual_cost=1000, pricing="flat"
    )
    analysis = run([a, c], {"a": people("u", 2), "c": people("u", 2)})
    assert analysis.recommendations == ()  # 3/5 = 60% both ways
    analysis = run([a, b], {"a": people("u", 2), "b": people("u", 2)})
    (rec,) = analysis.recommendations  # 4/5 = exactly 80%; a is dearer, so a goes
    assert (rec.tool_id, rec.target_tool_id, rec.annual_savings) == ("a", "b", 3000.0)
    assert rec.evidence["missing_capabilities"] == ["ads"]


def test_never_consolidate_into_pilot_theatre_or_a_less_integrated_tool():
    crm = vendor_tool("crm", caps=["crm"], annual_cost=1, pricing="flat")
    a = vendor_tool("a", caps=["email"], annual_cost=1000, pricing="flat")
    b = vendor_tool("b", caps=["email"], annual_cost=5000, pricing="flat", start_date="2025-01-01")
    st = state(
        source("a", [usage(people("u", 2), integrations=[integration("Crm", 1)])]),
        source("b", [usage(people("u", 2), integrations=[])]),
        source("crm", [usage(people("u", 1))]),
    )
    analysis = analyze(config([crm, a, b]), st)
    assert "pilot_theatre" in analysis.tool("b").flags
    for rec in analysis.recommendations:
        assert rec.target_tool_id != "b"
    # a is connected, b isolated: b is not at least as integrated, so no a -> b; b -> a is fine.
    (b_rec,) = [r for r in analysis.recommendations if r.tool_id == "b"]
    assert (b_rec.action, b_rec.target_tool_id) in {
        ("consolidate", "a"),
        ("integrate_or_retire", None),
    }


def test_at_most_one_recommendation_per_tool_with_the_highest_savings():
    # Zero active users on a per-seat tool: retire (3000) beats right-size (keep 1 of 10 -> 2700).
    analysis = run([vendor_tool("crm", annual_cost=3000, seats=10)], {"crm": people("u", 3, 200)})
    assert [r.action for r in analysis.recommendations] == ["retire"]


def test_mutual_coverage_never_consolidates_both_ways():
    a = vendor_tool("a", caps=["email"], annual_cost=1000, pricing="flat")
    b = vendor_tool("b", caps=["email"], annual_cost=3000, pricing="flat")
    analysis = run([a, b], {"a": people("u", 2), "b": people("u", 2)})
    (rec,) = analysis.recommendations
    assert (rec.tool_id, rec.target_tool_id, rec.annual_savings) == ("b", "a", 3000.0)


def test_order_is_earliest_deadline_then_largest_savings():
    tools = [
        vendor_tool("late", annual_cost=9000, renewal_date="2027-01-01", notice_days=0),
        vendor_tool("soon_small", annual_cost=100, renewal_date="2026-07-01", notice_days=0),
        vendor_tool("soon_big", annual_cost=500, renewal_date="2026-08-01", notice_days=31),
        vendor_tool("none", annual_cost=50000),
    ]
    analysis = run(tools, {t["id"]: people(t["id"], 1, 300) for t in tools})
    # soon_big's deadline is 2026-07-01 too: same day, larger savings first.
    assert [r.tool_id for r in analysis.recommendations] == [
        "soon_big",
        "soon_small",
        "late",
        "none",
    ]
    assert analysis.recommendations[0].deadline.isoformat() == "2026-07-01"
    assert analysis.recommendations[-1].deadline is None


def test_states_are_carried_and_totals_count_only_open_savings():
    tools = [vendor_tool("x", annual_cost=1000), vendor_tool("y", annual_cost=300)]
    accounts = {"x": people("u", 1, 300), "y": people("v", 1, 300)}
    first = run(tools, accounts)
    ids = {r.tool_id: r.id for r in first.recommendations}
    second = run(tools, accounts, rec_states={ids["x"]: "dismissed"})
    assert {r.tool_id: r.id for r in second.recommendations} == ids
    assert {r.tool_id: r.status for r in second.recommendations} == {"x": "dismissed", "y": "open"}
    assert second.totals.savings_on_table == 300.0
    assert first.totals.savings_on_table == 1300.0
    accepted = run(tools, accounts, rec_states={ids["y"]: "accepted"})
    assert accepted.totals.savings_accepted == 300.0


def test_totals():
    tools = [
        vendor_tool("a", annual_cost=1000, seats=10),  # 2 active: idle 800
        vendor_tool("b", annual_cost=500, pricing="flat"),
        {"id": "c", "name": "C"},
    ]
    analysis = run(tools, {"a": people("u", 2), "b": people("u", 1)})
    totals = analysis.totals
    assert totals.annual_spend == 1500.0
    assert totals.idle_spend == 800.0
    assert totals.tools == 3
    assert totals.tools_without_cost == 1
    assert totals.tools_flagged == 2  # a: low utilization; c: no usage data
