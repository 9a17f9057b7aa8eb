"""End to end (issue 3): six first-party sources over real loopback HTTP, `snapshot` then `report --json`.

Each plugin's emulator serves its test kit's ``sample_data()`` from a ``ThreadingHTTPServer`` on
127.0.0.1 (``stacktrack.testing.LoopbackServer``, mounted at ``/<vendor>``); the config points every source's
``base_url`` there and takes every token from an environment variable. The real CLI runs
``stacktrack snapshot`` (wall clock) and ``stacktrack report --json``; the docs/methodology.md figures asserted
below are worked out by hand from the test kits, the arithmetic in the comments.

The clock. The kits date their data relative to their own ``NOW`` (2026-11-01 for Okta, Slack,
Segment and Google; 2026-11-20 for Salesforce and HubSpot), and ``snapshot`` uses the wall clock as
the run clock T. Every kit's helpers read the module-level ``NOW`` when ``sample_data()`` runs, so
the test sets all six to one shared ``NOW`` one hour before the wall clock: an event "N days ago"
is then N days and an hour (plus the seconds the test takes) before T. That keeps every boundary
unambiguous: with the default 30-day active window an event 30 days before ``NOW`` is outside it,
29 days inside; the default 90-day lookback likewise; events the kits place after ``NOW`` (+1, +2
days) are still after T.

Defaults used: active_window_days 30, integration_window_days 30, pilot_grace_days 60,
renewal_window_days 90, lookback 90 days.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from types import ModuleType
from typing import Any

import pytest
import stacktrack_google_workspace.testkit as google_kit
import stacktrack_hubspot.testkit as hubspot_kit
import stacktrack_okta.testkit as okta_kit
import stacktrack_salesforce.testkit as salesforce_kit
import stacktrack_segment.testkit as segment_kit
import stacktrack_slack.testkit as slack_kit
import stamina
from click.testing import CliRunner

from stacktrack.analysis.analyze import analyze
from stacktrack.catalog import load_catalog
from stacktrack.cli import main
from stacktrack.config import load_config
from stacktrack.store import Store
from stacktrack.testing import LoopbackServer

KITS: dict[str, ModuleType] = {
    "okta": okta_kit,
    "salesforce": salesforce_kit,
    "hubspot": hubspot_kit,
    "slack": slack_kit,
    "segment": segment_kit,
    "google_workspace": google_kit,
}


def _token(vendor: str) -> str:
    return f"e2e-{vendor}-token-7f3a9c"


def _config(url: str, today: dt.date) -> str:
    """All six sources on the loopback server, and the inventory the figures are asserted on."""
    hubspot_renewal = today + dt.timedelta(days=90)  # notice 60 days -> deadline in 30 days
    canva_start = today - dt.timedelta(days=30)  # younger than pilot_grace_days (60)
    sources = "\n".join(
        f'[sources.{vendor}]\nplugin = "{vendor}"\nbase_url = "{url}/{vendor}"\n'
        f'token = {{ env = "E2E_{vendor.upper()}_TOKEN" }}\n'
        for vendor in KITS
    )
    return f"""\
[stacktrack]
currency = "USD"

[stacktrack.fx]
EUR = 1.08

{sources}
license_skus = [{{ product_id = "{google_kit.PRODUCT}", sku_id = "{google_kit.SKU}" }}]

[[tools]]
id = "salesforce"
name = "Salesforce Sales Cloud"
product = "salesforce"
sources = ["salesforce", "okta", "google_workspace"]
[tools.contract]
annual_cost = 30000
pricing = "per_seat"
start_date = 2024-01-01

[[tools]]
id = "hubspot"
name = "HubSpot Marketing Hub Pro"
product = "hubspot"
sources = ["hubspot", "okta", "google_workspace"]
[tools.contract]
annual_cost = 24000
pricing = "per_seat"
seats = 20
start_date = 2024-01-01
renewal_date = {hubspot_renewal.isoformat()}
notice_days = 60

[[tools]]
id = "slack"
name = "Slack"
product = "slack"
sources = ["slack"]
[tools.contract]
annual_cost = 8000
pricing = "flat"
start_date = 2024-01-01

[[tools]]
id = "segment"
name = "Segment"
product = "segment"
sources = ["segment"]
[tools.contract]
annual_cost = 10000
currency = "EUR"
pricing = "flat"
start_date = 2024-01-01

[[tools]]
id = "google_workspace"
name = "Google Workspace"
product = "google_workspace"
sources = ["google_workspace"]
[tools.contract]
annual_cost = 1800
pricing = "per_seat"
seats = 10
start_date = 2024-01-01

[[tools]]
id = "jasper"
name = "Jasper"
product = "jasper"
sources = ["okta", "google_workspace"]
[tools.contract]
annual_cost = 6000
pricing = "flat"
start_date = 2024-01-01

[[tools]]
id = "canva"
name = "Canva"
product = "canva"
sources = ["okta", "google_workspace"]
[tools.contract]
annual_cost = 600
pricing = "per_seat"
seats = 5
start_date = {canva_start.isoformat()}

[[tools]]
id = "outreach"
name = "Outreach"
product = "outreach"
sources = []
[tools.contract]
annual_cost = 15000
pricing = "flat"
start_date = 2024-01-01
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Serve the kits over loopback, run `snapshot` and `report --json` once; share the results."""
    stamina.set_testing(True, attempts=3)
    mp = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("e2e")
    # module scope runs before conftest's per-test isolation: isolate the user dirs here too
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        mp.setenv(variable, str(tmp / variable.lower()))
    mp.delenv("STACKTRACK_CONFIG", raising=False)
    mp.delenv("STACKTRACK_DB", raising=False)
    try:
        wall = dt.datetime.now(dt.UTC)
        now = wall.replace(microsecond=0) - dt.timedelta(hours=1)
        for kit in KITS.values():
            mp.setattr(kit, "NOW", now)
        emulators = {
            vendor: kit.EMULATOR(kit.sample_data(), token=_token(vendor))
            for vendor, kit in KITS.items()
        }
        for vendor in KITS:
            mp.setenv(f"E2E_{vendor.upper()}_TOKEN", _token(vendor))
        config, db = tmp / "stacktrack.toml", tmp / "stacktrack.db"
        runner = CliRunner()
        with LoopbackServer(emulators) as server:
            config.write_text(_config(server.url, wall.date()))
            started = time.monotonic()
            snap = runner.invoke(
                main, ["--config", str(config), "--db", str(db), "snapshot", "--json"]
            )
            elapsed = time.monotonic() - started
            requests = list(server.requests)
        report = runner.invoke(main, ["--config", str(config), "--db", str(db), "report", "--json"])
        return {
            "now": now,
            "snapshot": snap,
            "elapsed": elapsed,
            "requests": requests,
            "report": report,
            "config": config,
            "db": db,
        }
    finally:
        mp.undo()
        stamina.set_testing(False)


@pytest.fixture(scope="module")
def report(world: dict[str, Any]) -> dict[str, Any]:
    result = world["report"]
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


@pytest.fixture(scope="module")
def tools(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tool["id"]: tool for tool in report["tools"]}


def test_snapshot_stores_all_six_sources_over_loopback(world: dict[str, Any]) -> None:
    result = world["snapshot"]
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["status"] == "ok"
    assert {(s["source"], s["status"]) for s in summary["sources"]} == {
        (vendor, "ok") for vendor in KITS
    }
    # the run clock is the wall clock, after the shared NOW of the data by about an hour
    as_of = dt.datetime.fromisoformat(summary["as_of"])
    assert dt.timedelta(hours=1) <= as_of - world["now"] < dt.timedelta(hours=1, minutes=1)
    # every source really went over the socket, and crossed pages (the kits' small page sizes)
    mounts = [mount for mount, _ in world["requests"]]
    for vendor in KITS:
        assert mounts.count(vendor) >= 3, (vendor, mounts.count(vendor))
    assert world["elapsed"] < 15


def test_tokens_stay_out_of_the_outputs(world: dict[str, Any]) -> None:
    for vendor in KITS:
        assert _token(vendor) not in world["snapshot"].output
        assert _token(vendor) not in world["report"].output
        assert _token(vendor) not in world["config"].read_text()
        assert _token(vendor).encode() not in world["db"].read_bytes()


def test_report_lists_every_tool_with_all_sources_ok(report: dict[str, Any]) -> None:
    assert report["schema"] == "stacktrack.report/1"
    assert report["currency"] == "USD"
    assert [tool["id"] for tool in report["tools"]] == [
        "salesforce",
        "hubspot",
        "slack",
        "segment",
        "google_workspace",
        "jasper",
        "canva",
        "outreach",
    ]
    for tool in report["tools"]:
        assert all(row["status"] == "ok" and row["error"] is None for row in tool["sources"])


def test_salesforce(tools: dict[str, dict[str, Any]]) -> None:
    # Sources: the Salesforce org, Okta's "Salesforce" app, Google's SAML "Salesforce" app.
    #   Salesforce (license "Salesforce", active users only; Ed is deactivated and not listed, Fay
    #   holds "Salesforce Platform" and Gus "Chatter Free": neither counts):
    #     ana 2 d, bo 45 d, cy never (LastLoginDate null), dee 10 d, hal 1 d (Hal@Acme.TEST).
    #   Okta app: alice (SSO 10 d; the event lists its AppInstance second), frank (SSO 5 d; his
    #     200-day one is before the lookback), grace (app-level SUSPENDED: no seat; her CHALLENGE
    #     is not a success), heidi (SSO 7 d but no longer assigned: activity, no seat).
    #   Google SAML: alice 3 d, olga 8 d (not in the Directory: activity, no seat); bob's
    #     login_failure is not activity.
    # active (holding a seat at T and last_active >= T - 30 d):
    #   ana, dee, hal, alice, frank = 5 (bo 45 d out, cy and grace none); heidi and olga were
    #   active without a seat: departed_active, not counted
    # assigned: ana, bo, cy, dee, hal + alice, frank = 7 (alice once across Okta and Google)
    # never active: cy = 1
    # purchased: no contract.seats -> UserLicense "Salesforce" TotalLicenses = 10
    # utilization 5/10 = 0.5 (not below 0.5); cost per active 30000/5 = 6000;
    # idle (10-5)*30000/10 = 15000
    # integrations: OAuth HubSpot (last used 1 d: live), Segment source+destination "Salesforce"
    #   (no date: live), Slack app "Salesforce" (updated: present, no date: live) -> connected;
    #   OAuth Outreach unused for 200 d (> 30 d integration window): stale -> stale_integration.
    #   Data Loader (no recorded use) matches no tool -> unmatched app.
    tool = tools["salesforce"]
    assert tool["annual_cost"] == 30000
    assert tool["seats_purchased"] == 10
    assert tool["seats_assigned"] == 7
    assert tool["active_users"] == 5
    assert tool["departed_active"] == ["heidi@acme.example", "olga@acme.example"]
    assert tool["never_active_users"] == 1
    assert tool["utilization"] == pytest.approx(0.5)
    assert tool["cost_per_active_user"] == pytest.approx(6000)
    assert tool["idle_spend"] == pytest.approx(15000)
    assert tool["integration_status"] == "connected"
    assert tool["integrations"] == ["hubspot", "segment", "slack"]
    assert tool["flags"] == ["stale_integration"]
    assert {row["source"] for row in tool["sources"]} == {
        "salesforce",
        "okta",
        "google_workspace",
    }


def test_hubspot(tools: dict[str, dict[str, Any]], world: dict[str, Any]) -> None:
    # Sources: the HubSpot account, Okta's "HubSpot" app, Google's SAML "HubSpot" app.
    #   HubSpot (every user holds a seat; failed logins are not activity; the login of
    #   gone@acme.test, no longer a user, is ignored):
    #     ana 1 d, bo 5 d, cy none, dee none (only failures), eve 30 d (her failure 1 d ago does
    #     not count, and 30 d + 1 h is outside the 30-day window).
    #   Okta app: alice ACTIVE (SSO 40 d and 3 d), bob PROVISIONED via group (SSO 50 d; the 2 d
    #     one FAILED), carol ACTIVE (no app e-mail: the embedded user's; only a FAILED SSO),
    #     dave (Okta user SUSPENDED: no seat, but SSO 20 d ago), erin DEPROVISIONED, frank STAGED
    #     (not a seat; his SSO is after the run clock). seatCount 25.
    #   Google SAML: grace 5 d, bob 4 d (success next to a failure in one activity), dave 60 d
    #     (suspended).
    # active: ana, bo, alice, bob (4 d, via Google), grace = 5; dave (20 d, suspended now) holds
    #   no seat: departed_active
    # assigned: ana, bo, cy, dee, eve + alice, bob, carol + grace = 9
    # never active: cy, dee, carol = 3 (eve has a login on record, 30 d ago)
    # purchased: contract.seats 20 (wins over Okta's seatCount 25)
    # utilization 5/20 = 0.25 (< 0.5: low_utilization); cost per active 24000/5 = 4800;
    # idle (20-5)*24000/20 = 18000
    # integrations: Salesforce OAuth (1 d), Segment (source + destinations), Slack app, Google
    #   token grants (alice 10 d, bob 40 d: latest 10 d, live; alice's revoke is not a grant).
    # renewal in 90 days, notice 60 -> deadline in 30 days (<= 90): renewal_soon
    tool = tools["hubspot"]
    assert tool["seats_purchased"] == 20
    assert tool["seats_assigned"] == 9
    assert tool["active_users"] == 5
    assert tool["departed_active"] == ["dave@acme.example"]
    assert tool["never_active_users"] == 3
    assert tool["utilization"] == pytest.approx(0.25)
    assert tool["cost_per_active_user"] == pytest.approx(4800)
    assert tool["idle_spend"] == pytest.approx(18000)
    assert tool["integration_status"] == "connected"
    assert tool["integrations"] == ["google_workspace", "salesforce", "segment", "slack"]
    assert tool["flags"] == ["low_utilization", "renewal_soon"]
    renewal = dt.date.fromisoformat(tool["renewal_date"])
    assert dt.date.fromisoformat(tool["notice_deadline"]) == renewal - dt.timedelta(days=60)


def test_slack(tools: dict[str, dict[str, Any]]) -> None:
    # Members: alice 3 d (her other row, 40 d, is older), bob 45 d, carol never, dave (guest) 10 d,
    #   erin (guest) never, frank deleted (no seat; last login 20 d), grace (the row whose last
    #   login is after the run clock proves one at its first, 5 d; another row says 12 d),
    #   heidi (no e-mail -> "slack:U10HEIDI"; her only login is after the run clock: none).
    #   Not humans, not counted: the Zapier bot (its login 1 d ago is ignored), Slackbot, the
    #   workflow app user.
    # active: alice, dave, grace = 3; frank (deleted now, but active 20 d ago): departed_active
    # assigned: alice, bob, carol, dave, erin, grace, heidi = 7 (guests count; frank deleted)
    # never active: carol, erin, heidi = 3
    # purchased unknown (flat contract, no seats; Slack reports none) -> utilization 3/7 (assigned,
    # < 0.5: low_utilization); cost per active 8000/3 = 2666.67; idle spend null (flat)
    # integrations: apps HubSpot (added), Salesforce (updated), Google Calendar (no tool: unmatched);
    #   Jasper added then removed, Airbrake only disabled: none.
    tool = tools["slack"]
    assert tool["seats_purchased"] is None
    assert tool["seats_assigned"] == 7
    assert tool["active_users"] == 3
    assert tool["departed_active"] == ["frank@acme.example"]
    assert tool["never_active_users"] == 3
    assert tool["utilization"] == pytest.approx(round(3 / 7, 4))
    assert tool["cost_per_active_user"] == pytest.approx(round(8000 / 3, 2))
    assert tool["idle_spend"] is None
    assert tool["integration_status"] == "connected"
    assert tool["integrations"] == ["hubspot", "salesforce"]
    assert tool["flags"] == ["low_utilization"]


def test_segment(tools: dict[str, dict[str, Any]]) -> None:
    # Five workspace users hold seats; Segment reports no activity at all -> active, never-active,
    # utilization and cost per active user are unknown (null, not 0): no_usage_data.
    # annual cost 10000 EUR x 1.08 = 10800 USD.
    # integrations: cloud sources HubSpot and Salesforce, destinations HubSpot (twice), Salesforce
    #   (all enabled, no dates: live). The disabled Stripe source and its Amplitude destination and
    #   the disabled Mailchimp destination are excluded; GA4 and "braze" match no tool: unmatched.
    tool = tools["segment"]
    assert tool["annual_cost"] == pytest.approx(10800)
    assert tool["seats_purchased"] is None
    assert tool["seats_assigned"] == 5
    assert tool["active_users"] is None
    assert tool["never_active_users"] is None
    assert tool["utilization"] is None
    assert tool["cost_per_active_user"] is None
    assert tool["idle_spend"] is None
    assert tool["integration_status"] == "connected"
    assert tool["integrations"] == ["hubspot", "salesforce"]
    assert tool["flags"] == ["no_usage_data"]


def test_google_workspace(tools: dict[str, dict[str, Any]]) -> None:
    # The Workspace's own app (the SAML apps go to Salesforce and HubSpot): holders of the
    # configured SKU, active accounts only.
    #   alice 2 d, bob 35 d, carol (lastLoginTime at the epoch: never), grace 10 d, and
    #   ivan@acme.example (licence holder the Directory does not list: a seat, no activity).
    #   dave is suspended (100 d), frank archived (200 d), erin holds another SKU: no seats.
    # active: alice, grace = 2; assigned: alice, bob, carol, grace, ivan = 5;
    # never active: carol, ivan = 2
    # purchased: contract.seats 10; utilization 2/10 = 0.2 (low); cost per active 1800/2 = 900;
    # idle (10-2)*1800/10 = 1440
    # integrations (token grants): HubSpot live (10 d); Jasper by carol 70 d ago: stale; Zapier and
    #   the unnamed client 444-anon match no tool: unmatched.
    tool = tools["google_workspace"]
    assert tool["seats_purchased"] == 10
    assert tool["seats_assigned"] == 5
    assert tool["active_users"] == 2
    assert tool["never_active_users"] == 2
    assert tool["utilization"] == pytest.approx(0.2)
    assert tool["cost_per_active_user"] == pytest.approx(900)
    assert tool["idle_spend"] == pytest.approx(1440)
    assert tool["integration_status"] == "connected"
    assert tool["integrations"] == ["hubspot"]
    assert tool["flags"] == ["low_utilization", "stale_integration"]


def test_jasper_is_pilot_theatre(tools: dict[str, dict[str, Any]]) -> None:
    # Okta's Jasper app has no assignments and no sign-ins (activity known: 0, not null); Google
    # has no Jasper SAML app. Its only edge is carol's Google token grant 70 d ago: stale. The
    # Slack app was removed. -> isolated (integration-aware sources ran), started 2024 (> 60 d):
    # pilot_theatre; stale_integration. Utilization: active 0, no purchased, 0 assigned -> null.
    tool = tools["jasper"]
    assert tool["seats_purchased"] is None
    assert tool["seats_assigned"] == 0
    assert tool["active_users"] == 0
    assert tool["never_active_users"] == 0
    assert tool["utilization"] is None
    assert tool["cost_per_active_user"] is None
    assert tool["idle_spend"] is None
    assert tool["integration_status"] == "isolated"
    assert tool["integrations"] == []
    assert tool["flags"] == ["pilot_theatre", "stale_integration"]


def test_canva_is_isolated_but_within_the_grace_period(tools: dict[str, dict[str, Any]]) -> None:
    # Okta's Canva app: carol (IMPLICIT via group: a seat), no sign-in; its seatCount 0 means
    # "never filled in", and the contract says 5 anyway. Google's Canva sign-ins are one before
    # the 90-day lookback and one after the run clock: no Canva app from Google.
    # active 0, assigned 1, never active 1; utilization 0/5 = 0 (low); cost per active null
    # (active 0); idle (5-0)*600/5 = 600. Isolated, but the contract started 30 days ago (< 60):
    # no pilot_theatre.
    tool = tools["canva"]
    assert tool["seats_purchased"] == 5
    assert tool["seats_assigned"] == 1
    assert tool["active_users"] == 0
    assert tool["never_active_users"] == 1
    assert tool["utilization"] == 0
    assert tool["cost_per_active_user"] is None
    assert tool["idle_spend"] == pytest.approx(600)
    assert tool["integration_status"] == "isolated"
    assert tool["integrations"] == []
    assert tool["flags"] == ["low_utilization"]


def test_outreach_known_only_through_a_stale_salesforce_grant(
    tools: dict[str, dict[str, Any]],
) -> None:
    # No source: every usage figure is unknown. Its only edge is the Salesforce OAuth token unused
    # for 200 days: stale -> isolated, old contract -> pilot_theatre; no_usage_data.
    tool = tools["outreach"]
    for key in (
        "seats_purchased",
        "seats_assigned",
        "active_users",
        "never_active_users",
        "utilization",
        "cost_per_active_user",
        "idle_spend",
    ):
        assert tool[key] is None, key
    assert tool["integration_status"] == "isolated"
    assert tool["integrations"] == []
    assert tool["flags"] == ["pilot_theatre", "no_usage_data", "stale_integration"]


def test_unmatched_apps(report: dict[str, Any]) -> None:
    # Apps and integrations no tool answers to (id, name, match, catalog aliases), with the
    # accounts the source saw using them:
    #   google_workspace: OAuth client 444-anon (no app_name: named by client_id; bob) = 1,
    #     Zapier (grace, twice) = 1;
    #   salesforce: Data Loader (hal's token) = 1;
    #   segment: "Google Analytics 4" and "braze" destinations (no user counts);
    #   slack: Google Calendar (no user counts).
    # Every Okta app and Google SAML app matches a tool; Jasper's Slack app was removed.
    # Order: most active users first, then source, then name.
    assert report["unmatched_apps"] == [
        {
            "source": "google_workspace",
            "app": "444-anon.apps.googleusercontent.com",
            "active_users": 1,
        },
        {"source": "google_workspace", "app": "Zapier", "active_users": 1},
        {"source": "salesforce", "app": "Data Loader", "active_users": 1},
        {"source": "segment", "app": "Google Analytics 4", "active_users": None},
        {"source": "segment", "app": "braze", "active_users": None},
        {"source": "slack", "app": "Google Calendar", "active_users": None},
    ]


def test_recommendations(report: dict[str, Any], tools: dict[str, dict[str, Any]]) -> None:
    # docs/methodology.md: one plan, at most one per tool (the highest savings), earliest deadline
    # first, then savings:
    # * salesforce consolidate into hubspot: capabilities crm + analytics all covered by HubSpot,
    #   which is not pilot theatre and has 4 live edges to Salesforce's 3. Active users already in
    #   HubSpot: ana@acme.test, alice = 2 of 5 (40%: proposed, medium). The 3 others (dee, hal,
    #   frank) take 3 of HubSpot's 15 idle seats: no seat to buy, savings 30000 (beats right_size:
    #   keep ceil(5.5) = 6 of 10, drop 4 x 3000 = 12000).
    # * hubspot right_size, sized for its 5 active + 3 moving in = 8: keep ceil(8.8) = 9 of 20,
    #   drop 11 x (24000/20) = 13200, high; the only tool with a notice deadline, so first.
    # * outreach integrate_or_retire (pilot theatre, usage unknown so no retire): 15000, medium.
    # * jasper retire (0 active, usage known): 6000, high.
    # * google_workspace right_size: keep ceil(2.2) = 3 of 10, drop 7 x 180 = 1260, high.
    # * canva retire: 600 (beats right_size to 1 seat: 4 x 120 = 480), high.
    # slack: no purchased count, no right_size; segment: usage unknown, connected: nothing.
    got = [
        (r["action"], r["tool_id"], r["target_tool_id"], r["annual_savings"], r["confidence"])
        for r in report["recommendations"]
    ]
    assert got == [
        ("right_size", "hubspot", None, 13200, "high"),
        ("consolidate", "salesforce", "hubspot", 30000, "medium"),
        ("integrate_or_retire", "outreach", None, 15000, "medium"),
        ("retire", "jasper", None, 6000, "high"),
        ("right_size", "google_workspace", None, 1260, "high"),
        ("retire", "canva", None, 600, "high"),
    ]
    assert report["recommendations"][0]["deadline"] == tools["hubspot"]["notice_deadline"]
    assert report["totals"]["net_savings"] == 13200 + 30000 + 15000 + 6000 + 1260 + 600
    assert tools["segment"]["verdict"] == "needs_data"  # usage unknown: never "keep"
    assert tools["slack"]["verdict"] == "keep"


def test_user_rows_and_history_horizons(world: dict[str, Any]) -> None:
    """What the report's counts rest on, per user, from the same stored run (the TUI's view)."""
    loaded = load_config(world["config"], db=world["db"], need_secrets=False)
    with Store.open(world["db"]) as store:
        state = store.current_state()
    tools = analyze(loaded.file, state, load_catalog()).tools_by_id()

    def rows(tool: str) -> dict[str, tuple[str, bool]]:
        return {row.key: (row.status, row.assigned) for row in tools[tool].users}

    # HubSpot keeps 90 days of logins and Okta/Google SSO reach back 90 days: the never-active
    # HubSpot users are "no activity on record in the last 90 days", not "never".
    assert tools["hubspot"].history_note == "no activity on record in the last 90 days"
    hubspot = rows("hubspot")
    assert hubspot["dee@acme.test"] == ("never_active", True)  # failed logins only
    assert hubspot["carol@acme.example"] == ("never_active", True)  # failed Okta SSO only
    assert hubspot["eve@acme.test"] == ("inactive", True)  # 30 d + 1 h ago
    assert hubspot["dave@acme.example"] == ("departed_active", False)  # suspended in Okta
    assert hubspot["frank@acme.example"] == ("never_active", False)  # staged, future SSO ignored
    assert "gone@acme.test" not in hubspot
    # Salesforce keeps LastLoginDate forever: cy is plainly never active.
    assert tools["salesforce"].history_note == "never active: no activity on record"
    assert rows("salesforce")["grace@acme.example"] == ("never_active", False)  # app-suspended
    # Slack: humans only (no bot, app user or Slackbot), guests marked, the deleted member kept
    # with his activity but no seat, the member without an e-mail keyed by source:id.
    slack = {row.key: row for row in tools["slack"].users}
    assert set(slack) == {
        "alice@acme.example",
        "bob@acme.example",
        "carol@acme.example",
        "dave@partner.example",
        "erin@partner.example",
        "frank@acme.example",
        "grace@acme.example",
        "slack:U10HEIDI",
    }
    assert {key for key, row in slack.items() if row.guest} == {
        "dave@partner.example",
        "erin@partner.example",
    }
    assert (slack["frank@acme.example"].status, slack["frank@acme.example"].assigned) == (
        "departed_active",
        False,
    )
    assert slack["slack:U10HEIDI"].status == "never_active"
