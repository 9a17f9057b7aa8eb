"""The worked example of docs/methodology.md, figure by figure: the document stays true."""

from __future__ import annotations

import datetime as dt

import pytest

from stacktrack.analysis.analyze import analyze
from tests.analysis.builders import T, account, config, integration, source, state, usage


def example():
    tools = [
        {
            "id": "hubspot",
            "name": "HubSpot Marketing Hub Pro",
            "product": "hubspot",
            "sources": ["hubspot", "okta"],
            "contract": {
                "annual_cost": 43200,
                "pricing": "per_seat",
                "seats": 25,
                "start_date": "2024-09-01",
                "renewal_date": "2026-09-01",
                "notice_days": 60,
            },
        },
        {
            "id": "mailchimp",
            "name": "Mailchimp Standard",
            "product": "mailchimp",
            "sources": ["okta"],
            "contract": {
                "annual_cost": 6000,
                "currency": "EUR",
                "pricing": "flat",
                "start_date": "2023-10-01",
                "renewal_date": "2026-10-01",
                "notice_days": 30,
            },
        },
        {
            "id": "jasper",
            "name": "Jasper",
            "product": "jasper",
            "sources": ["okta"],
            "contract": {
                "annual_cost": 12000,
                "pricing": "flat",
                "start_date": "2026-01-15",
                "renewal_date": "2027-01-15",
                "notice_days": 30,
            },
        },
    ]
    hubspot_accounts = (
        [account(f"u{i}", days_ago=i) for i in range(1, 11)]  # u1..u10 logged in this month
        + [account(f"u{i}", days_ago=50) for i in range(11, 17)]  # u11..u16 50 days ago
        + [account(f"u{i}") for i in range(17, 21)]  # u17..u20: no login in 90 days
    )
    okta_hubspot = [account(f"u{i}", days_ago=None) for i in range(1, 17)] + [
        account("v1", days_ago=3, kind="sso"),
        account("v2", days_ago=3, kind="sso"),
    ]
    okta_mailchimp = (
        [account(f"u{i}", days_ago=4, kind="sso") for i in range(1, 7)]
        + [account("w1", days_ago=4, kind="sso"), account("w2", days_ago=4, kind="sso")]
        + [account("w3"), account("w4")]
    )
    okta_jasper = [account(f"j{i}", days_ago=5, kind="sso") for i in range(1, 5)] + [
        account(f"j{i}", days_ago=40, kind="sso") for i in range(5, 11)
    ]
    st = state(
        source(
            "hubspot",
            [usage(hubspot_accounts, horizon=90, integrations=[integration("Mailchimp", 1)])],
        ),
        source(
            "okta",
            [
                usage(okta_hubspot, app="HubSpot"),
                usage(okta_mailchimp, app="Mailchimp"),
                usage(okta_jasper, app="Jasper"),
            ],
        ),
    )
    return analyze(config(tools, fx={"EUR": 1.08}), st, today=T.date())


def test_hubspot_figures():
    hubspot = example().tool("hubspot")
    assert hubspot.seats_purchased == 25
    assert hubspot.seats_assigned == 22
    assert hubspot.active_users == 12
    assert len(hubspot.inactive_users) == 6
    assert hubspot.never_active_users == 4
    assert hubspot.history_note == "no activity on record in the last 90 days"
    assert hubspot.utilization == pytest.approx(0.48)
    assert hubspot.cost_per_active_user == pytest.approx(3600.0)
    assert hubspot.idle_spend == pytest.approx(22464.0)
    assert hubspot.notice_deadline == dt.date(2026, 7, 3)
    assert hubspot.flags == ("low_utilization", "renewal_soon")
    assert hubspot.integration_status == "connected"


def test_mailchimp_and_jasper_figures():
    analysis = example()
    mailchimp, jasper = analysis.tool("mailchimp"), analysis.tool("jasper")
    assert mailchimp.annual_cost == pytest.approx(6480.0)
    assert (mailchimp.seats_assigned, mailchimp.active_users) == (10, 8)
    assert mailchimp.never_active_users == 2
    assert mailchimp.utilization == pytest.approx(0.8)
    assert mailchimp.cost_per_active_user == pytest.approx(810.0)
    assert mailchimp.idle_spend is None
    assert mailchimp.flags == ()
    assert (jasper.active_users, jasper.seats_assigned) == (4, 10)
    assert jasper.integration_status == "isolated"
    assert jasper.age_days == 137
    assert jasper.flags == ("pilot_theatre", "low_utilization")


def test_recommendations_and_totals():
    analysis = example()
    got = [
        (r.tool_id, r.action, r.target_tool_id, r.annual_savings, r.confidence)
        for r in analysis.recommendations
    ]
    assert got == [
        ("hubspot", "right_size", None, 15552.0, "high"),
        ("mailchimp", "consolidate", "hubspot", 6480.0, "high"),
        ("jasper", "integrate_or_retire", None, 12000.0, "medium"),
    ]
    hubspot, mailchimp, _jasper = analysis.recommendations
    # HubSpot is sized for its 12 active users plus Mailchimp's 2 newcomers: ceil(14 x 1.1) = 16.
    assert (hubspot.evidence["keep_seats"], hubspot.evidence["users_moving_in"]) == (16, 2)
    assert hubspot.seats_after == 16
    # The 2 newcomers take 2 of HubSpot's 13 idle seats: no seat to buy.
    assert mailchimp.evidence["usage_overlap"] == 0.75
    assert mailchimp.evidence["target_seats_to_add"] == 0
    assert hubspot.depends_on == (mailchimp.id,) and mailchimp.depends_on == (hubspot.id,)
    # Cost after the plan: HubSpot's 16 seats at 1,728, nothing else.
    assert analysis.totals.net_savings == pytest.approx(61680.0 - 16 * 1728.0)
    totals = analysis.totals
    assert (totals.annual_spend, totals.idle_spend, totals.savings_on_table) == (
        61680.0,
        22464.0,
        34032.0,
    )
