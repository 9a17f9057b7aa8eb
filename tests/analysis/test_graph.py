"""Integration graph, integration_status, pilot theatre and unmatched apps (docs/methodology.md)."""

from __future__ import annotations

import pytest

from stacktrack.analysis.analyze import analyze
from tests.analysis.builders import account, config, integration, source, state, usage

HS = {"id": "hs", "name": "HubSpot Marketing Hub Pro", "product": "hubspot", "sources": ["hubspot"]}
SF = {"id": "sf", "name": "Sales Cloud", "product": "salesforce", "sources": ["salesforce"]}


def hubspot(*integrations, **kw):
    apps = [usage([account("a", days_ago=1)], integrations=list(integrations) or None)]
    return source("hubspot", apps, **kw)


def salesforce(*integrations, **kw):
    apps = [usage([account("b", days_ago=1)], integrations=list(integrations) or None)]
    return source("salesforce", apps, **kw)


@pytest.mark.parametrize(
    ("days_ago", "live"),
    [(5, True), (30, True), (31, False), (400, False), (None, True)],  # window 30; unknown = live
)
def test_edge_resolved_through_catalog_alias_live_or_stale(days_ago, live):
    # Salesforce's OauthToken says "HubSpot": a catalog alias of product hubspot -> tool "hs".
    analysis = analyze(
        config([HS, SF]), state(hubspot(), salesforce(integration("HubSpot", days_ago)))
    )
    (edge,) = analysis.edges
    assert {edge.a, edge.b} == {"hs", "sf"}
    assert edge.live is live
    hs, sf = analysis.tool("hs"), analysis.tool("sf")
    for figures in (hs, sf):
        assert figures.integration_status == ("connected" if live else "isolated")
        assert ("stale_integration" in figures.flags) is (not live)
    assert hs.integrations == (("sf",) if live else ())
    assert sf.integration_rows[0].tool_id == "hs"


@pytest.mark.parametrize(("use_count", "live"), [(0, False), (None, True), (12, True)])
def test_a_counted_edge_with_no_use_is_stale(use_count, live):
    # Segment's Delivery Overview counted the events a destination delivered: zero is evidence
    # of a stale integration, not an unknown last use.
    seg = {"id": "seg", "name": "Segment", "product": "segment", "sources": ["segment"]}
    edge_in = integration("HubSpot", None, direction="out", kind="destination", use_count=use_count)
    st = state(source("segment", [usage(None, integrations=[edge_in])]), hubspot())
    (edge,) = analyze(config([HS, seg]), st).edges
    assert edge.live is live


def test_match_entries_resolve_integration_names():
    sf = SF | {"match": ["Acme Marketing Connector"]}
    analysis = analyze(config([HS, sf]), state(hubspot(integration("acme marketing connector", 1))))
    assert analysis.tool("sf").integration_status == "connected"


def test_direction_is_kept_for_one_way_flows():
    seg = {"id": "seg", "name": "Segment", "product": "segment", "sources": ["segment"]}
    st = state(
        source("segment", [usage(None, integrations=[integration("HubSpot", 2, direction="out")])]),
        hubspot(),
    )
    analysis = analyze(config([HS, seg]), st)
    (edge,) = analysis.edges
    assert (edge.a, edge.b, edge.bidirectional) == ("seg", "hs", False)
    assert analysis.tool("hs").integration_rows[0].direction == "in"
    assert analysis.tool("seg").integration_rows[0].direction == "out"


def test_live_evidence_wins_over_stale_and_last_use_is_the_latest():
    st = state(
        hubspot(integration("Salesforce", 200)),
        salesforce(integration("HubSpot", 10)),
    )
    (edge,) = analyze(config([HS, SF]), st).edges
    assert edge.live
    assert len(edge.evidence) == 2
    assert edge.last_used == max(e.last_used for e in edge.evidence)


def test_integrates_with_connects_without_any_integration_aware_source():
    hs = HS | {"integrates_with": []}
    sf = SF | {"integrates_with": ["hs"]}
    analysis = analyze(config([hs, sf]), state(hubspot(integration_aware=False)))
    assert analysis.integration_aware_ran is False
    assert analysis.tool("hs").integration_status == "connected"
    assert analysis.tool("sf").integrations == ("hs",)


def test_status_rests_on_the_latest_successful_observation_not_the_latest_attempt():
    # A failed run changes no verdict: Salesforce saw Zapier (no tool) in its latest successful
    # run, then was left out of the latest run, or failed in it. Its data still decides.
    for st in (
        state(hubspot(), salesforce(integration("Zapier", 1), in_latest_run=False)),
        state(hubspot(), salesforce(integration("Zapier", 1), status="failed")),
    ):
        analysis = analyze(config([HS, SF]), st)
        assert analysis.integration_aware_ran is True
        assert {t.integration_status for t in analysis.tools} == {"isolated"}


def test_status_unknown_when_no_integration_aware_source_ever_succeeded():
    st = state(hubspot(), source("salesforce", None, status="failed"))
    analysis = analyze(config([HS, SF]), st)
    assert analysis.integration_aware_ran is False
    assert {t.integration_status for t in analysis.tools} == {"unknown"}


def test_a_tool_seen_only_by_okta_is_isolated_when_another_source_sees_integrations():
    jasper = {"id": "jasper", "name": "Jasper", "product": "jasper", "sources": ["okta"]}
    st = state(
        source("okta", [usage([account("a", days_ago=1)], app="Jasper AI")]),
        salesforce(integration("Zapier", 1)),
    )
    analysis = analyze(config([jasper, SF]), st)
    assert analysis.tool("jasper").integration_status == "isolated"


PILOT = {"id": "jasper", "name": "Jasper", "product": "jasper", "sources": ["okta"]}


@pytest.mark.parametrize(
    ("extra", "first_seen_days", "integrations", "flagged"),
    [
        ({"contract": {"annual_cost": 9000, "start_date": "2026-02-01"}}, None, [], True),  # 120 d
        ({"contract": {"annual_cost": 9000, "start_date": "2026-04-15"}}, None, [], False),  # 47 d
        ({"contract": {"annual_cost": 9000, "start_date": "2026-04-02"}}, None, [], False),  # 60 d
        ({"contract": {"annual_cost": 9000, "start_date": "2026-04-01"}}, None, [], True),  # 61 d
        ({}, 90, [], True),  # no start date: first seen 90 days ago
        ({}, 10, [], False),
        ({}, None, [], False),  # age unknown
        (
            {"standalone": True, "contract": {"annual_cost": 9000, "start_date": "2025-01-01"}},
            None,
            [],
            False,
        ),
        ({"contract": {"annual_cost": 9000, "start_date": "2025-01-01"}}, None, ["Jasper"], False),
    ],
)
def test_pilot_theatre(extra, first_seen_days, integrations, flagged):
    from tests.analysis.builders import ago

    st = state(
        source("okta", [usage([account("a", days_ago=1)], app="Jasper AI")]),
        salesforce(*[integration(name, 1) for name in integrations] or [integration("Zapier", 1)]),
        first_seen={"jasper": ago(first_seen_days)} if first_seen_days else None,
    )
    figures = analyze(config([PILOT | extra, SF]), st).tool("jasper")
    assert ("pilot_theatre" in figures.flags) is flagged


def test_unmatched_apps_from_directories_and_integrations():
    st = state(
        source(
            "okta",
            [
                usage([account("a", days_ago=1)], app="HubSpot"),
                usage(
                    [account("x", days_ago=3), account("y", days_ago=45), account("z")],
                    app="Shadow Notes",
                ),
            ],
        ),
        salesforce(integration("Zapier", 1, active_users=4)),
    )
    hs = HS | {"sources": ["hubspot", "okta"]}
    analysis = analyze(config([hs, SF]), st)
    rows = {(u.source, u.app): u.active_users for u in analysis.unmatched_apps}
    # Shadow Notes: x active within the default 30-day window; y too old; z never.
    assert rows == {("okta", "Shadow Notes"): 1, ("salesforce", "Zapier"): 4}


def test_directory_app_matched_through_usage_aliases_and_only_for_tools_listing_the_source():
    hs = HS | {"sources": ["okta"]}
    other = {"id": "notion", "name": "Notion", "product": "notion", "sources": []}
    st = state(
        source(
            "okta",
            [
                usage([account("a", days_ago=1)], app="Marketing Portal", aliases=["hubspot.com"]),
                usage([account("b", days_ago=1)], app="Notion"),  # Notion does not list okta
            ],
        )
    )
    analysis = analyze(config([hs, other]), st)
    assert analysis.tool("hs").active_users == 1
    assert analysis.tool("notion").active_users is None
    assert analysis.unmatched_apps == ()


def test_integration_to_itself_makes_no_edge():
    analysis = analyze(config([HS, SF]), state(hubspot(integration("HubSpot", 1))))
    assert analysis.edges == ()
    assert analysis.tool("hs").integration_status == "isolated"


def test_a_directory_that_is_also_a_product_keeps_its_own_users_to_itself():
    # Google Workspace reports its own app (app=None) next to the SAML apps it saw.
    gw = {"id": "gw", "name": "Google Workspace", "product": "google_workspace"}
    canva = {"id": "canva", "name": "Canva", "product": "canva"}
    gw_source = source(
        "google_workspace",
        [
            usage([account(x, days_ago=1) for x in "abcdef"]),
            usage([account("a", days_ago=2, kind="sso")], app="Canva"),
        ],
    )
    with_gw = analyze(
        config([gw | {"sources": ["google_workspace"]}, canva | {"sources": ["google_workspace"]}]),
        state(gw_source),
    )
    assert with_gw.tool("gw").seats_assigned == 6
    assert with_gw.tool("canva").seats_assigned == 1
    # Without a Workspace tool in the inventory, its own users belong to nobody.
    without = analyze(config([canva | {"sources": ["google_workspace"]}]), state(gw_source))
    assert without.tool("canva").seats_assigned == 1
    assert without.tool("canva").active_users == 1


def test_unmatched_apps_name_their_catalog_product_when_known():
    st = state(
        source("okta", [usage([account("a", days_ago=1)], app="grammarly.com")]),
        salesforce(integration("Made-up Connector", 1)),
    )
    analysis = analyze(config([SF]), st)
    products = {u.app: u.product for u in analysis.unmatched_apps}
    assert products == {"grammarly.com": "grammarly", "Made-up Connector": None}
