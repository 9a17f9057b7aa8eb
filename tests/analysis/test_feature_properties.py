"""Hypothesis invariants of the feature figures over arbitrary reports and contracts."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stacktrack.analysis.analyze import analyze
from stacktrack.plugin_api import FeatureUsage
from tests.analysis.builders import ago, config, source, state, usage

KEYS = ["marketing-email", "forms", "workflows", "ab-testing", "ai-assistant", "NoSuchVendorName"]
count = st.one_of(st.none(), st.integers(0, 50))
report = st.builds(
    FeatureUsage,
    feature=st.sampled_from(KEYS),
    active_users=count,
    events=count,
    last_used=st.one_of(st.none(), st.integers(0, 120).map(ago)),
    seats_purchased=count,
    seats_assigned=count,
    every_user=st.one_of(st.none(), st.booleans()),
)
contract = st.fixed_dictionaries(
    {"annual_cost": st.just(1000)},
    optional={
        "features": st.lists(st.sampled_from(KEYS[:5]), unique=True, max_size=5),
        "tier": st.sampled_from(["starter", "professional", "enterprise"]),
        "addons": st.lists(
            st.fixed_dictionaries(
                {"feature": st.sampled_from(KEYS[:5])},
                optional={"seats": st.integers(0, 60), "annual_cost": st.integers(0, 9000)},
            ),
            unique_by=lambda addon: addon["feature"],
            max_size=2,
        ),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(contract, st.one_of(st.none(), st.lists(report, max_size=8))), max_size=4)
)
def test_capability_invariants(tools_and_reports):
    tools, sources = [], []
    for index, (terms, reports) in enumerate(tools_and_reports):
        tools.append(
            {
                "id": f"t{index}",
                "name": f"T{index}",
                "product": "hubspot",
                "sources": [f"s{index}"],
                "contract": terms,
            }
        )
        sources.append(source(f"s{index}", [usage([], features=reports)]))
    analysis = analyze(config(tools), state(*sources))
    used_sum = measured_sum = 0
    for figures in (tool.feature_figures for tool in analysis.tools):
        assert figures is not None
        if figures.entitled is None:
            # unknown entitlement: every set figure is unknown, never an empty "0 of 0"
            assert figures.used is None and figures.measured is None
            assert figures.capability_utilization is None
            continue
        assert figures.used <= figures.measured <= figures.entitled
        if figures.measured:
            assert 0.0 <= figures.capability_utilization <= 1.0
            used_sum += len(figures.used)
            measured_sum += len(figures.measured)
        else:
            assert figures.capability_utilization is None
        for row in figures.rows:
            assert (row.used is None) == (not row.measured)
        for addon in figures.addons:
            assert addon.feature in figures.entitled
            if addon.utilization is not None:
                assert addon.active_users is not None and addon.utilization >= 0
    totals = analysis.totals
    assert (totals.features_used, totals.features_measured) == (used_sum, measured_sum)
    if measured_sum:
        assert totals.capability_utilization == used_sum / measured_sum
    else:
        assert totals.capability_utilization is None
