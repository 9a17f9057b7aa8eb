"""docs/methodology.md figures, one rule at a time, with numbers computed by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pytest

from stacktrack.analysis.analyze import analyze, check_fx
from stacktrack.errors import ConfigError
from tests.analysis.builders import T, account, ago, config, source, state, usage

D = dt.date


def tool(id_="crm", *, sources=("vendor",), **contract):
    entry = {"id": id_, "name": id_.title(), "sources": list(sources)}
    if contract:
        entry["contract"] = contract
    return entry


def one_tool(accounts, *, contract=None, horizon=None, activity_known=True, window=None, **general):
    entry = tool(**(contract or {}))
    if window:
        entry["active_window_days"] = window
    cfg = config([entry], **general)
    st = state(source("vendor", [usage(accounts, horizon=horizon, activity_known=activity_known)]))
    return analyze(cfg, st, today=T.date()).tool("crm")


def test_null_last_activity_is_counted_as_never_active_not_dropped():
    # ana active 5 days ago, bo 40 days ago (inactive), cy no activity at all -> never active.
    figures = one_tool(
        [account("ana", days_ago=5), account("bo", days_ago=40), account("cy")],
        contract={"annual_cost": 12000, "seats": 10},
    )
    assert figures.seats_assigned == 3
    assert figures.active_users == 1
    assert figures.never_active_users == 1
    assert [u.key for u in figures.never_active] == ["cy@acme.test"]
    assert [u.key for u in figures.inactive_users] == ["bo@acme.test"]
    assert figures.utilization == pytest.approx(1 / 10)
    assert figures.cost_per_active_user == pytest.approx(12000.0)
    # (10 - 1) * 12000 / 10
    assert figures.idle_spend == pytest.approx(10800.0)
    assert figures.history_note == "never active: no activity on record"


def test_hubspot_90_day_horizon_is_carried_to_never_active_users():
    figures = one_tool([account("ana", days_ago=2), account("bo")], horizon=90)
    assert figures.never_active_users == 1
    (bo,) = figures.never_active
    assert bo.horizon_days == 90 and bo.status == "never_active"
    assert figures.history_horizon_days == 90
    assert figures.history_note == "no activity on record in the last 90 days"


def test_an_unlimited_source_that_also_saw_the_user_makes_it_never():
    cfg = config([tool(sources=("hubspot", "okta"))])
    st = state(
        source("hubspot", [usage([account("bo")], horizon=90)]),
        source("okta", [usage([account("bo")], app="Crm")]),
    )
    figures = analyze(cfg, st).tool("crm")
    assert figures.never_active_users == 1
    assert figures.never_active[0].horizon_days is None
    assert figures.history_note == "never active: no activity on record"


def test_users_merge_across_sources_by_email_ignoring_case_and_take_the_latest_activity():
    cfg = config([tool(sources=("vendor", "okta"))])
    st = state(
        source("vendor", [usage([account("a1", email="Ana@Acme.test", days_ago=45)])]),
        source(
            "okta",
            [usage([account("o1", email="ana@acme.test", days_ago=3, kind="sso")], app="crm")],
        ),
    )
    figures = analyze(cfg, st).tool("crm")
    assert figures.seats_assigned == 1
    assert figures.active_users == 1
    (ana,) = figures.users
    assert ana.key == "ana@acme.test"
    assert ana.last_active == ago(3)
    assert ana.last_active_source == "okta" and ana.activity_kind == "sso"
    assert set(ana.sources) == {"vendor", "okta"}


def test_accounts_without_email_are_keyed_by_source_and_id():
    cfg = config([tool(sources=("vendor", "okta"))])
    st = state(
        source("vendor", [usage([account("42", email=None, days_ago=1)])]),
        source("okta", [usage([account("42", email=None, days_ago=1)], app="Crm")]),
    )
    figures = analyze(cfg, st).tool("crm")
    assert figures.active_users == 2
    assert {u.key for u in figures.users} == {"vendor:42", "okta:42"}


def test_suspended_and_deactivated_accounts_do_not_hold_seats():
    figures = one_tool(
        [
            account("a", days_ago=1),
            account("b", status="invited"),
            account("c", status="suspended"),
            account("d", status="deactivated", days_ago=2),
            account("e", assigned=False, days_ago=3),
        ]
    )
    assert figures.seats_assigned == 2  # a and the invited b
    assert figures.never_active_users == 1  # b
    # Active users hold a seat: a only; d and e were active without one (listed, not counted).
    assert figures.active_users == 1
    assert figures.departed_active == ("d@acme.test", "e@acme.test")


@pytest.mark.parametrize(
    ("apps", "contract_seats", "purchased", "assigned"),
    [
        ([usage(None, used=7, purchased=50)], None, 50, 7),  # API counts only
        ([usage(None, used=7, purchased=50)], 40, 40, 7),  # contract.seats wins
        ([usage([account("a")], used=7, purchased=50)], None, 50, 1),  # listed users win
        ([usage(None)], None, None, None),  # nothing known
    ],
)
def test_seat_counts_come_from_the_contract_then_the_api(apps, contract_seats, purchased, assigned):
    entry = tool(annual_cost=1000, seats=contract_seats) if contract_seats else tool()
    figures = analyze(config([entry]), state(source("vendor", apps))).tool("crm")
    assert figures.seats_purchased == purchased
    assert figures.seats_assigned == assigned


def test_utilization_falls_back_to_assigned_and_is_not_capped():
    # No purchased count: 2 active / 4 assigned.
    figures = one_tool(
        [account("a", days_ago=1), account("b", days_ago=1), account("c"), account("d")]
    )
    assert figures.seats_purchased is None
    assert figures.utilization == pytest.approx(0.5)
    # 3 active on 2 purchased seats: 1.5, flagged over-deployed.
    figures = one_tool(
        [account(x, days_ago=1) for x in "abc"], contract={"annual_cost": 900, "seats": 2}
    )
    assert figures.utilization == pytest.approx(1.5)
    assert "over_deployed" in figures.flags
    assert figures.idle_spend == 0  # max(0, 2 - 3)
    assert figures.cost_per_active_user == pytest.approx(300.0)


def test_per_seat_versus_flat_pricing():
    accounts = [account("a", days_ago=1), account("b", days_ago=60)]
    per_seat = one_tool(accounts, contract={"annual_cost": 10000, "seats": 4})
    flat = one_tool(accounts, contract={"annual_cost": 10000, "seats": 4, "pricing": "flat"})
    assert per_seat.idle_spend == pytest.approx(7500.0)  # (4 - 1) * 10000 / 4
    assert flat.idle_spend is None
    assert per_seat.cost_per_active_user == flat.cost_per_active_user == pytest.approx(10000.0)
    assert per_seat.utilization == flat.utilization == pytest.approx(0.25)


def test_currency_conversion_through_fx():
    figures = one_tool(
        [account("a", days_ago=1), account("b", days_ago=1)],
        contract={"annual_cost": 10000, "currency": "EUR", "seats": 4},
        fx={"EUR": 1.08},
    )
    assert figures.annual_cost == pytest.approx(10800.0)
    assert figures.cost_per_active_user == pytest.approx(5400.0)
    assert figures.idle_spend == pytest.approx(5400.0)  # (4 - 2) * 10800 / 4
    assert "1.08" in figures.evidence["annual_cost"]


def test_missing_fx_rate_is_a_config_error_naming_tool_and_currency():
    cfg = config([tool(annual_cost=100, currency="GBP")], fx={"EUR": 1.1})
    with pytest.raises(ConfigError, match=r"crm.*GBP"):
        check_fx(cfg)
    with pytest.raises(ConfigError, match="GBP"):
        analyze(cfg, state())
    # Same currency as the reporting one needs no rate.
    check_fx(config([tool(annual_cost=100, currency="USD")]))


def test_a_tool_with_no_usage_data_gives_null_not_zero():
    cfg = config([{"id": "wiki", "name": "Wiki", "contract": {"annual_cost": 5000, "seats": 10}}])
    figures = analyze(cfg, state()).tool("wiki")
    assert figures.active_users is None
    assert figures.never_active_users is None
    assert figures.seats_assigned is None
    assert figures.seats_purchased == 10
    assert figures.utilization is None
    assert figures.cost_per_active_user is None
    assert figures.idle_spend is None
    assert figures.annual_cost == 5000
    assert "no_usage_data" in figures.flags
    assert "low_utilization" not in figures.flags


def test_listed_accounts_without_activity_data_leave_activity_unknown():
    figures = one_tool([account("a"), account("b")], activity_known=False)
    assert figures.seats_assigned == 2
    assert figures.active_users is None
    assert figures.never_active_users is None
    assert {u.status for u in figures.users} == {"unknown"}
    assert "no_usage_data" in figures.flags


def test_active_users_zero_is_known_zero_and_cost_per_active_user_is_null():
    figures = one_tool([account("a", days_ago=45)], contract={"annual_cost": 100, "seats": 1})
    assert figures.active_users == 0
    assert figures.cost_per_active_user is None
    assert figures.utilization == 0


def test_per_tool_active_window_overrides_the_default():
    accounts = [account("a", days_ago=45)]
    assert one_tool(accounts).active_users == 0
    assert one_tool(accounts, window=60).active_users == 1
    assert one_tool(accounts, active_window_days=50).active_users == 1


def test_window_boundary_is_inclusive():
    # last_active >= T - W days
    assert one_tool([account("a", days_ago=30)]).active_users == 1
    assert one_tool([account("a", days_ago=30.001)]).active_users == 0


@pytest.mark.parametrize(
    ("renewal", "notice", "deadline", "soon"),
    [
        (D(2026, 8, 1), 60, D(2026, 6, 2), True),
        (D(2026, 12, 1), 30, D(2026, 11, 1), False),  # 153 days away
        (D(2026, 9, 30), 0, D(2026, 9, 30), False),  # 121 days away
        (D(2026, 8, 30), 0, D(2026, 8, 30), True),  # exactly 90 days away
        (D(2026, 6, 15), 30, D(2026, 5, 16), False),  # notice deadline already passed
    ],
)
def test_notice_deadline_and_renewal_soon(renewal, notice, deadline, soon):
    figures = one_tool(
        [account("a", days_ago=1)],
        contract={"annual_cost": 1, "renewal_date": renewal.isoformat(), "notice_days": notice},
    )
    assert figures.notice_deadline == deadline
    assert ("renewal_soon" in figures.flags) is soon


def test_low_utilization_threshold():
    accounts = [account(x, days_ago=1) for x in "ab"]
    assert "low_utilization" in one_tool(accounts, contract={"annual_cost": 1, "seats": 5}).flags
    assert (
        "low_utilization" not in one_tool(accounts, contract={"annual_cost": 1, "seats": 4}).flags
    )


def test_every_figure_says_where_it_came_from():
    figures = one_tool([account("a", days_ago=1)], contract={"annual_cost": 100, "seats": 2})
    for name in ("active_users", "seats_assigned", "seats_purchased", "annual_cost", "utilization"):
        assert figures.evidence[name], name
    assert "vendor" in figures.evidence["active_users"]
    assert figures.evidence["seats_purchased"] == "contract.seats in the config"


def test_source_status_rows_and_features():
    from stacktrack.plugin_api import FeatureUsage

    cfg = config([tool(sources=("vendor", "other", "never"))])
    app = usage([account("a", days_ago=1)]).model_copy(
        update={"features": [FeatureUsage(feature="reports", active_users=3)]}
    )
    st = state(
        source("vendor", [app]),
        source("other", None, status="failed", error="401 from vendor"),
    )
    figures = analyze(cfg, st).tool("crm")
    rows = {row.source: (row.status, row.error) for row in figures.sources}
    assert rows == {
        "vendor": ("ok", None),
        "other": ("failed", "401 from vendor"),
        "never": ("never_run", None),
    }
    assert [(f.source, f.feature, f.active_users) for f in figures.features] == [
        ("vendor", "reports", 3)
    ]


def test_users_are_sorted_most_recent_first_with_never_active_last():
    figures = one_tool([account("c"), account("a", days_ago=9), account("b", days_ago=1)])
    assert [u.key.split("@")[0] for u in figures.users] == ["b", "a", "c"]


def test_analysis_reads_no_clock_but_state_as_of():
    later = state(source("vendor", [usage([account("a", days_ago=1)])]))
    later = type(later)(run_id=8, as_of=T + dt.timedelta(days=40), sources=later.sources)
    figures = analyze(config([tool()]), later).tool("crm")
    assert figures.active_users == 0


def test_count_only_sources_give_active_users_without_names():
    # The manual plugin: purchased 20, assigned 12, active 9, no account list.
    app = usage(None, purchased=20, used=12).model_copy(
        update={"active_users_reported": 9, "activity_known": True}
    )
    cfg = config([tool(annual_cost=2000, pricing="per_seat")])
    figures = analyze(cfg, state(source("vendor", [app]))).tool("crm")
    assert (figures.seats_purchased, figures.seats_assigned, figures.active_users) == (20, 12, 9)
    assert figures.never_active_users is None  # nobody is named: unknown, not 0
    assert figures.utilization == pytest.approx(9 / 20)
    assert figures.idle_spend == pytest.approx(1100.0)  # (20 - 9) * 2000 / 20
    assert "no_usage_data" not in figures.flags


def test_count_only_usage_is_no_evidence_for_consolidation():
    a = usage(None).model_copy(update={"active_users_reported": 2, "activity_known": True})
    b = usage([account("x", days_ago=1), account("y", days_ago=1)])
    cfg = config(
        [
            {"id": "a", "name": "A", "sources": ["sa"], "capabilities": ["email"],
             "contract": {"annual_cost": 1000, "pricing": "flat"}},
            {"id": "b", "name": "B", "sources": ["sb"], "capabilities": ["email", "sms"],
             "contract": {"annual_cost": 4000, "seats": 10}},
        ]
    )  # fmt: skip
    analysis = analyze(cfg, state(source("sa", [a]), source("sb", [b])))
    # A count without names cannot show shared use: no consolidation, the overlap says why.
    assert analysis.recommendation_for("a") is None
    (overlap,) = analysis.overlaps["a"]
    assert (overlap.target_tool_id, overlap.proposed, overlap.share) == ("b", False, None)
    assert "shared use cannot be measured" in (overlap.why_not or "")


def test_zero_purchased_seats_with_active_users_is_over_deployed_not_unknown():
    figures = one_tool(
        [account("a", days_ago=1), account("b", days_ago=2)],
        contract={"annual_cost": 100, "seats": 0},
    )
    assert figures.active_users == 2
    assert figures.utilization is None  # no ratio can be written on zero seats...
    assert "over_deployed" in figures.flags  # ...but the tool is plainly over-deployed
    assert figures.evidence["utilization"] == "0 seats purchased, 2 active: over-deployed"
    assert figures.verdict == "keep"
