"""The plan's feature rules: downgrade (a tier's or an add-on's features unused) and the add-on part
of right-size, with savings worked out by hand (docs/methodology.md, "Recommendations: one plan")."""

from __future__ import annotations

import pytest

from stacktrack.analysis.analyze import analyze
from tests.analysis.builders import T, account, config, feature, source, state, usage


def hubspot(features, **contract):
    tools = [
        {
            "id": "hubspot",
            "name": "HubSpot Marketing Hub Pro",
            "product": "hubspot",
            "sources": ["hubspot"],
            "contract": {"annual_cost": 43200, "pricing": "flat", "tier": "professional"}
            | contract,
        }
    ]
    st = state(source("hubspot", [usage([account("u1", days_ago=1)], features=features)]))
    return analyze(config(tools), st, today=T.date())


def test_a_tier_whose_own_features_went_unused_is_downgraded():
    # Professional adds workflows, ab-testing and social-publishing over Starter; only workflows is
    # observable, and nobody used it (0 enabled); e-mail (a Starter feature) is in use.
    analysis = hubspot(
        [
            feature("marketing-email", events=42, last_used_days_ago=3),
            feature("workflows", events=0),
        ],
        downgrade_annual_cost=20000,
    )
    (rec,) = analysis.recommendations
    assert (rec.action, rec.annual_savings) == ("downgrade", 43200 - 20000)
    assert rec.evidence["lower_tier"] == "starter"
    assert rec.evidence["unused_tier_features"] == ["workflows"]
    assert rec.evidence["unmeasured_tier_features"] == ["ab-testing", "social-publishing"]
    assert rec.confidence == "medium"  # two of the three features cannot be observed
    assert analysis.tool("hubspot").verdict == "downgrade"


def test_a_downgrade_without_a_price_still_shows_ranked_after_those_with_one():
    analysis = hubspot([feature("workflows", events=0)])
    (rec,) = analysis.recommendations
    assert (rec.action, rec.annual_savings) == ("downgrade", None)
    assert analysis.totals.net_savings == 0


def test_no_downgrade_while_a_distinguishing_feature_is_used_or_nothing_is_observable():
    assert hubspot([feature("workflows", events=3)], downgrade_annual_cost=1).recommendations == ()
    assert hubspot([feature("marketing-email", events=5)]).recommendations == ()


def salesforce(addon_features, addons):
    tools = [
        {
            "id": "salesforce",
            "name": "Salesforce",
            "product": "salesforce",
            "sources": ["salesforce"],
            "contract": {
                "annual_cost": 120000,
                "pricing": "flat",
                "features": ["campaigns"],
                "addons": addons,
            },
        }
    ]
    features = [feature("MarketingUser", active_users=12), *addon_features]
    st = state(source("salesforce", [usage([account("u1", days_ago=1)], features=features)]))
    return analyze(config(tools), st, today=T.date())


def test_an_under_used_add_on_is_right_sized():
    # "Sales Cloud Einstein" (ai-assistant): 50 seats in the config at 30,000 (600 each), 6 active:
    # keep ceil(6 x 1.1) = 7, drop 43 -> 43 x 600 = 25,800.
    analysis = salesforce(
        [feature("Sales Cloud Einstein", active_users=6, seats_purchased=60, seats_assigned=48)],
        [{"feature": "ai-assistant", "annual_cost": 30000, "seats": 50}],
    )
    (rec,) = analysis.recommendations
    assert rec.action == "right_size"
    assert rec.annual_savings == pytest.approx(43 * 600.0)
    (row,) = rec.evidence["addons"]
    assert (row["keep_seats"], row["removed_seats"], row["seat_price"]) == (7, 43, 600.0)
    assert rec.confidence == "medium"  # the source did not say it sees every user's use


def test_an_add_on_right_size_is_high_confidence_when_every_users_use_is_seen():
    def confidence(every_user):
        analysis = salesforce(
            [feature("Sales Cloud Einstein", active_users=6, every_user=every_user)],
            [{"feature": "ai-assistant", "annual_cost": 30000, "seats": 50}],
        )
        (rec,) = analysis.recommendations
        assert rec.evidence["addons"][0]["observes_every_user"] is every_user
        return rec.confidence

    assert [confidence(True), confidence(False), confidence(None)] == ["high", "medium", "medium"]


def test_an_unused_add_on_is_dropped():
    analysis = salesforce(
        [feature("Sales Cloud Einstein", active_users=0, seats_assigned=48)],
        [{"feature": "ai-assistant", "annual_cost": 30000, "seats": 50}],
    )
    (rec,) = analysis.recommendations
    assert (rec.action, rec.annual_savings) == ("downgrade", 30000.0)
    assert [row["addon"] for row in rec.evidence["unused_addons"]] == ["Sales Cloud Einstein"]
    assert rec.confidence == "medium"  # nobody said every user's use is seen


def test_an_unused_add_on_every_users_use_of_which_is_seen_is_dropped_with_high_confidence():
    analysis = salesforce(
        [feature("Sales Cloud Einstein", active_users=0, every_user=True)],
        [{"feature": "ai-assistant", "annual_cost": 30000, "seats": 50}],
    )
    (rec,) = analysis.recommendations
    assert (rec.action, rec.confidence) == ("downgrade", "high")


def test_an_add_on_nobody_can_observe_is_left_alone():
    analysis = salesforce([], [{"feature": "ai-assistant", "annual_cost": 30000, "seats": 50}])
    assert analysis.recommendations == ()
