"""Feature and capability figures (docs/methodology.md, "Features and capability utilization")."""

from __future__ import annotations

import pytest

from stacktrack.analysis.analyze import analyze
from stacktrack.catalog import Catalog
from tests.analysis.builders import account, config, feature, source, state, usage

SOURCE = "https://example.com/pricing"


def small_catalog() -> Catalog:
    return Catalog.from_dict(
        {
            "vocabulary": {"capabilities": ["email"], "categories": ["email"]},
            "features": {
                "marketing-email": "Marketing email",
                "forms": "Forms",
                "workflows": "Workflows",
                "ab-testing": "A/B testing",
                "ai-assistant": "AI assistant",
                "sequences": "Sales sequences",
            },
            "products": {
                "suite": {
                    "name": "Suite",
                    "category": "email",
                    "capabilities": ["email"],
                    "aliases": ["suite.example"],
                    "feature_names": {"EinsteinUser": "ai-assistant", "Flows": "workflows"},
                    "tiers": [
                        {"key": "starter", "adds": {"marketing-email": SOURCE, "forms": SOURCE}},
                        {"key": "pro", "adds": {"workflows": SOURCE, "ab-testing": SOURCE}},
                        {"key": "enterprise", "adds": {"sequences": SOURCE}},
                    ],
                }
            },
        }
    )


def tool(contract: dict | None = None, **extra) -> dict:
    base = {"annual_cost": 10000, "pricing": "per_seat", "seats": 10}
    return {
        "id": "suite",
        "name": "Suite",
        "product": "suite",
        "sources": ["vendor"],
        "contract": {**base, **(contract or {})},
        **extra,
    }


def run(tools, *features, accounts=None, catalog=None, **general):
    apps = [usage(accounts or [account("a", days_ago=1)], features=list(features) or None)]
    st = state(source("vendor", apps))
    return analyze(config(tools, **general), st, catalog or small_catalog())


def test_tier_entitles_its_features_and_the_tiers_below():
    analysis = run(
        [tool({"tier": "pro"})],
        feature("marketing-email", events=120, active_users=3),
        feature("forms", events=0, active_users=0),
        feature("workflows", active_users=0, events=0, last_used_days_ago=5),
        feature("sequences", events=40),  # not entitled on pro: shown, not counted
    )
    figures = analysis.tool("suite").feature_figures
    assert figures.entitled == {"marketing-email", "forms", "workflows", "ab-testing"}
    assert figures.measured == {"marketing-email", "forms", "workflows"}
    assert figures.used == {"marketing-email", "workflows"}  # workflows: last use in the window
    assert figures.capability_utilization == pytest.approx(2 / 3)
    assert figures.tier_features == {"workflows", "ab-testing"} and figures.lower_tier == "starter"
    rows = {row.key: row for row in figures.rows}
    assert rows["ab-testing"].entitled and not rows["ab-testing"].measured
    assert rows["ab-testing"].used is None  # unknown, never "unused"
    assert not rows["sequences"].entitled and rows["sequences"].used
    assert [row.key for row in figures.rows][:1] == ["forms"]  # unused paid features first


def test_contract_features_override_the_catalog_and_vendor_names_map():
    analysis = run(
        [tool({"tier": "enterprise", "features": ["marketing-email", "Flows"]})],
        feature("Flows", events=3),
        feature("marketing-email", events=0),
    )
    figures = analysis.tool("suite").feature_figures
    assert figures.entitled == {"marketing-email", "workflows"}
    assert figures.used == {"workflows"} and figures.measured == {"marketing-email", "workflows"}
    assert figures.capability_utilization == 0.5
    assert "contract.features" in analysis.tool("suite").evidence["features_entitled"]


def test_unknown_entitlement_is_null_not_zero():
    # No tier, no features, no add-ons: entitled unknown, so every figure is unknown.
    analysis = run([tool()], feature("forms", events=9))
    figures = analysis.tool("suite").feature_figures
    assert figures.entitled is None and figures.used is None and figures.measured is None
    assert figures.capability_utilization is None
    assert [row.key for row in figures.rows] == ["forms"] and figures.rows[0].used is True


def test_nothing_measured_gives_null_capability():
    # Entitled known, but the source observed no feature at all (features=None).
    analysis = run([tool({"tier": "starter"})])
    figures = analysis.tool("suite").feature_figures
    assert figures.measured == frozenset() and figures.capability_utilization is None


def test_a_feature_with_no_figure_is_not_measured():
    analysis = run(
        [tool({"tier": "starter"})],
        feature("forms", seats_assigned=4),  # seats only: says nothing about use
        feature("marketing-email", last_used_days_ago=90),  # old use: measured, unused
    )
    figures = analysis.tool("suite").feature_figures
    assert figures.measured == {"marketing-email"} and figures.used == frozenset()
    assert figures.capability_utilization == 0.0


def test_addon_utilization_uses_contract_seats_else_vendor_seats():
    analysis = run(
        [
            tool(
                {
                    "tier": "starter",
                    "currency": "EUR",
                    "addons": [{"feature": "EinsteinUser", "annual_cost": 1000, "seats": 50}],
                }
            )
        ],
        feature("EinsteinUser", active_users=6, seats_purchased=60, seats_assigned=48),
        fx={"EUR": 1.1},
    )
    figures = analysis.tool("suite").feature_figures
    (addon,) = figures.addons
    assert addon.feature == "ai-assistant" and addon.seats_purchased == 50
    assert addon.seats_from == "contract"
    assert addon.utilization == pytest.approx(6 / 50)
    assert addon.annual_cost == pytest.approx(1100.0)
    assert "ai-assistant" in figures.entitled  # an add-on is paid for
    # without contract seats: the vendor's purchased count
    analysis = run(
        [tool({"addons": [{"feature": "ai-assistant"}]})],
        feature("ai-assistant", active_users=6, seats_purchased=60),
    )
    (addon,) = analysis.tool("suite").feature_figures.addons
    assert addon.seats_from == "api" and addon.utilization == pytest.approx(6 / 60)
    assert addon.annual_cost is None


def test_sources_merge_by_feature_without_double_counting():
    apps_a = [usage([], features=[feature("forms", events=10, users=["a@x", "b@x"])])]
    apps_b = [
        usage(
            [],
            features=[feature("forms", events=4, users=["b@x", "c@x"], every_user=True)],
        )
    ]
    tools = [tool({"tier": "starter"}, sources=["one", "two"])]
    analysis = analyze(
        config(tools), state(source("one", apps_a), source("two", apps_b)), small_catalog()
    )
    rows = {row.key: row for row in analysis.tool("suite").feature_figures.rows}
    assert rows["forms"].events == 10  # the better-informed source, not 14
    assert rows["forms"].active_users == 3  # a, b, c
    assert rows["forms"].source == "one, two" and rows["forms"].every_user is True


def test_stack_capability_sums_over_measured_tools_only():
    tools = [
        tool({"tier": "starter"}),
        {**tool({"tier": "pro"}), "id": "other", "name": "Other", "sources": ["other"]},
        {"id": "nocontract", "name": "No contract"},
    ]
    st = state(
        source("vendor", [usage([], features=[feature("forms", events=1)])]),
        source(
            "other",
            [
                usage(
                    [],
                    features=[
                        feature("forms", events=0),
                        feature("workflows", events=0),
                        feature("ab-testing", events=2),
                    ],
                )
            ],
        ),
    )
    analysis = analyze(config(tools), st, small_catalog())
    totals = analysis.totals
    # suite: 1 used / 1 measured; other: 1 / 3; nocontract: no figure
    assert totals.features_used == 2 and totals.features_measured == 4
    assert totals.capability_utilization == 0.5
    assert totals.tools_measured == 2 and totals.tools == 3


def test_observes_every_user_only_when_every_measured_feature_says_so():
    analysis = run(
        [tool({"tier": "starter"})],
        feature("forms", events=1, every_user=True),
        feature("marketing-email", events=1, every_user=False),
    )
    assert analysis.tool("suite").feature_figures.observes_every_user is False
    analysis = run([tool({"tier": "starter"})], feature("forms", events=1, every_user=True))
    assert analysis.tool("suite").feature_figures.observes_every_user is True
