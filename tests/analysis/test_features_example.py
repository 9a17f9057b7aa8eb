"""The features worked example of docs/methodology.md, figure by figure: the document stays true."""

from __future__ import annotations

import pytest

from stacktrack.analysis.analyze import analyze
from tests.analysis.builders import account, config, feature, source, state, usage


def example():
    tools = [
        {
            "id": "hubspot",
            "name": "HubSpot Marketing Hub Pro",
            "product": "hubspot",
            "sources": ["hubspot"],
            "contract": {"annual_cost": 43200, "seats": 25, "tier": "professional"},
        },
        {
            "id": "salesforce",
            "name": "Salesforce Sales Cloud",
            "product": "salesforce",
            "sources": ["salesforce"],
            "contract": {
                "annual_cost": 120000,
                "seats": 40,
                "features": ["campaigns", "knowledge", "workflows"],
                "addons": [{"feature": "ai-assistant", "annual_cost": 30000, "seats": 50}],
            },
        },
        {
            "id": "jasper",
            "name": "Jasper",
            "product": "jasper",
            "sources": ["okta"],
            "contract": {"annual_cost": 12000, "pricing": "flat"},
        },
    ]
    hubspot = [
        feature("marketing-email", events=42, last_used_days_ago=3),
        feature("workflows", events=0),
        feature("forms", events=12),
    ]
    salesforce = [
        feature("MarketingUser", active_users=12),
        feature("KnowledgeUser", active_users=0, seats_assigned=5),
        feature("Sales Cloud Einstein", active_users=6, seats_purchased=60, seats_assigned=48),
    ]
    st = state(
        source("hubspot", [usage([account("u1", days_ago=1)], features=hubspot)]),
        source("salesforce", [usage([account("u1", days_ago=1)], features=salesforce)]),
        source("okta", [usage([account("j1", days_ago=5)], app="Jasper")]),
    )
    return analyze(config(tools), st)


def test_hubspot_tier_from_the_catalog():
    figures = example().tool("hubspot").feature_figures
    assert figures.entitled == {"marketing-email", "workflows", "ab-testing", "social-publishing"}
    assert figures.measured == {"marketing-email", "workflows"}
    assert figures.used == {"marketing-email"}
    assert figures.capability_utilization == 0.5
    assert figures.tier_features == {"workflows", "ab-testing", "social-publishing"}
    forms = next(row for row in figures.rows if row.key == "forms")
    assert forms.used and not forms.entitled


def test_salesforce_contract_features_vendor_names_and_addon():
    figures = example().tool("salesforce").feature_figures
    assert figures.entitled == {"campaigns", "knowledge", "workflows", "ai-assistant"}
    assert figures.measured == {"campaigns", "knowledge", "ai-assistant"}
    assert figures.used == {"campaigns", "ai-assistant"}
    assert figures.capability_utilization == pytest.approx(2 / 3)
    (addon,) = figures.addons
    assert addon.seats_purchased == 50 and addon.utilization == pytest.approx(0.12)
    assert addon.name == "Sales Cloud Einstein" and addon.annual_cost == 30000


def test_jasper_unknown_and_the_stack_figure():
    analysis = example()
    assert analysis.tool("jasper").capability_utilization is None
    totals = analysis.totals
    assert (totals.features_used, totals.features_measured) == (3, 5)
    assert totals.capability_utilization == pytest.approx(0.6)
    assert (totals.tools_measured, totals.tools) == (2, 3)
