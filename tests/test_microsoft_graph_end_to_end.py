"""End to end over loopback HTTP: a config whose only source is ``microsoft_graph``.

The emulator serves the test kit's tenant from a ``ThreadingHTTPServer`` on 127.0.0.1 (mounted at
``/microsoft_graph``, the token endpoint included: ``authority_url`` points there). The real CLI runs
``snapshot``, ``report --json`` and ``export tools``. The kit dates its data from its ``NOW``; the
test sets it one hour before the wall clock (the run clock T), as tests/test_end_to_end.py does.
Defaults: active window 30 days, integration window 30 days, lookback 90 days.

Figures by hand, from stacktrack_microsoft_graph/testkit.py:
* m365 (SPE_E3): 10 bought; holders alice, bob, carol, erin (dave is blocked: no seat) = 4; last
  successful sign-ins alice 1 d, erin 3 d -> active 2; bob 40 d (inactive); carol none -> never 1.
  Utilization 2 / 10 = 0.2.
* copilot (Microsoft_365_Copilot): 5 bought; alice, bob, erin = 3; Copilot report: alice 5 d ->
  active 1; bob never, erin only after the report's refresh date -> never 2. Utilization 1 / 5.
* salesforce (enterprise app): assigned alice, bob, carol and the Marketing group (carol again,
  erin; dave is blocked) = 4 (+ grace signed in unassigned); successful SSO in the 30-day retention:
  alice 2 d, grace 4 d -> active 1 (alice: active users hold a seat; grace is departed_active,
  listed not counted); bob (a failure, and a success 40 d ago that Entra no longer keeps), carol,
  erin -> never 3.
* hubspot (no assignment required): alice 5 d, erin 6 d -> assigned 2, active 2, never 0.
* Integrations: OAuth grants on the suite: Jasper (a tool here) -> m365 connected to jasper;
  Zapier (alice, bob consented) matches no tool -> unmatched app with 2 users.
* Unmatched apps: Miro (erin), Old Webinar Tool (alice), POWER_BI_PRO (holders erin, frank; activity
  unknown), Zapier (2 consenting users).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
import stacktrack_microsoft_graph.testkit as kit
import stamina
from click.testing import CliRunner

from stacktrack.cli import main
from stacktrack.testing import LoopbackServer

SECRET = "e2e-entra-client-secret-5d1c"


def _config(url: str) -> str:
    base = f"{url}/microsoft_graph"
    return f"""\
[stacktrack]
currency = "USD"

[sources.entra]
plugin = "microsoft_graph"
base_url = "{base}"
authority_url = "{base}"
tenant = "{kit.TENANT}"
client_id = "{kit.CLIENT_ID}"
client_secret = {{ env = "E2E_ENTRA_SECRET" }}

[[tools]]
id = "m365"
name = "Microsoft 365 E3"
product = "microsoft_365_e3"
sources = ["entra"]
[tools.contract]
annual_cost = 4320
pricing = "per_seat"

[[tools]]
id = "copilot"
name = "Microsoft 365 Copilot"
product = "microsoft_365_copilot"
sources = ["entra"]
[tools.contract]
annual_cost = 1800
pricing = "per_seat"

[[tools]]
id = "salesforce"
name = "Salesforce"
product = "salesforce"
sources = ["entra"]

[[tools]]
id = "hubspot"
name = "HubSpot"
product = "hubspot"
sources = ["entra"]

[[tools]]
id = "jasper"
name = "Jasper"
product = "jasper"
sources = []
"""


ADDON_CONFIG = """\
[stacktrack]
currency = "USD"

[sources.entra]
plugin = "microsoft_graph"
base_url = "{base}"
authority_url = "{base}"
tenant = "{tenant}"
client_id = "{client}"
client_secret = {{ env = "E2E_ENTRA_SECRET" }}
copilot_pool = false

[[tools]]
id = "m365"
name = "Microsoft 365 E3"
product = "microsoft_365_e3"
sources = ["entra"]
[tools.contract]
annual_cost = 4320
pricing = "per_seat"
features = ["mail", "file-storage", "sites", "team-chat", "calls", "video-meetings"]
[[tools.contract.addons]]
feature = "ai-assistant"
annual_cost = 1800
"""
"""Copilot modelled as an add-on of the suite: its seats, holders and use come from the suite's
``ai-assistant`` feature (5 bought, 3 held among E3 users, alice used it: 1 / 5 = 0.2)."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    stamina.set_testing(True, attempts=3)
    mp = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("graph-e2e")
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        mp.setenv(variable, str(tmp / variable.lower()))
    mp.delenv("STACKTRACK_CONFIG", raising=False)
    mp.delenv("STACKTRACK_DB", raising=False)
    try:
        wall = dt.datetime.now(dt.UTC)
        mp.setattr(kit, "NOW", wall.replace(microsecond=0) - dt.timedelta(hours=1))
        emulator = kit.EMULATOR(kit.sample_data(), token=SECRET)
        mp.setenv("E2E_ENTRA_SECRET", SECRET)
        config, db = tmp / "stacktrack.toml", tmp / "stacktrack.db"
        runner = CliRunner()
        addon_config, addon_db = tmp / "addon.toml", tmp / "addon.db"
        with LoopbackServer({"microsoft_graph": emulator}) as server:
            config.write_text(_config(server.url))
            snap = runner.invoke(
                main, ["--config", str(config), "--db", str(db), "snapshot", "--json"]
            )
            served = list(server.requests)
            addon_config.write_text(
                ADDON_CONFIG.format(
                    base=f"{server.url}/microsoft_graph", tenant=kit.TENANT, client=kit.CLIENT_ID
                )
            )
            addon_args = ["--config", str(addon_config), "--db", str(addon_db)]
            addon_snap = runner.invoke(main, [*addon_args, "snapshot", "--json"])
        args = ["--config", str(config), "--db", str(db)]
        report = runner.invoke(main, [*args, "report", "--json"])
        export = runner.invoke(main, [*args, "export", "tools"])
        addon_report = runner.invoke(main, [*addon_args, "report", "--json"])
        addon_export = runner.invoke(main, [*addon_args, "export", "tools"])
        return {
            "snapshot": snap,
            "report": report,
            "export": export,
            "served": served,
            "emulator": emulator,
            "addon_snapshot": addon_snap,
            "addon_report": addon_report,
            "addon_export": addon_export,
            "config": config,
            "db": db,
        }
    finally:
        mp.undo()
        stamina.set_testing(False)


@pytest.fixture(scope="module")
def report(world: dict[str, Any]) -> dict[str, Any]:
    assert world["snapshot"].exit_code == 0, world["snapshot"].output
    assert world["report"].exit_code == 0, world["report"].output
    document: dict[str, Any] = json.loads(world["report"].output)
    return document


@pytest.fixture(scope="module")
def tools(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tool["id"]: tool for tool in report["tools"]}


def test_snapshot_went_over_loopback_with_the_token_endpoint_and_the_302(
    world: dict[str, Any],
) -> None:
    summary = json.loads(world["snapshot"].stdout)
    assert summary["status"] == "ok"
    paths = [path for _mount, path in world["served"]]
    assert sum("/oauth2/v2.0/token" in p for p in paths) == 1  # one token for the whole run
    downloads = world["emulator"].download_requests  # two CSVs per snapshot, two snapshots
    assert len(downloads) == 4 and all(auth is None for _host, auth in downloads)
    assert any(p.startswith("GET /microsoft_graph/_reports/download/") for p in paths)


def test_secret_stays_out_of_the_outputs(world: dict[str, Any]) -> None:
    for key in ("snapshot", "report", "export"):
        assert SECRET not in world[key].output
    assert SECRET.encode() not in world["db"].read_bytes()


def test_suite_seats_active_and_never_active(tools: dict[str, dict[str, Any]]) -> None:
    m365 = tools["m365"]
    assert (m365["seats_purchased"], m365["seats_assigned"]) == (10, 4)
    assert (m365["active_users"], m365["never_active_users"]) == (2, 1)
    assert m365["utilization"] == pytest.approx(0.2)
    assert m365["integrations"] == ["jasper"]
    assert m365["integration_status"] == "connected"


def test_copilot_utilization(tools: dict[str, dict[str, Any]]) -> None:
    copilot = tools["copilot"]
    assert (copilot["seats_purchased"], copilot["seats_assigned"]) == (5, 3)
    assert (copilot["active_users"], copilot["never_active_users"]) == (1, 2)
    assert copilot["utilization"] == pytest.approx(0.2)


def test_sso_activity_for_two_enterprise_apps(tools: dict[str, dict[str, Any]]) -> None:
    salesforce, hubspot = tools["salesforce"], tools["hubspot"]
    assert (salesforce["seats_assigned"], salesforce["active_users"]) == (4, 1)
    assert salesforce["departed_active"] == ["grace@contoso.example"]
    assert salesforce["never_active_users"] == 3
    assert (hubspot["seats_assigned"], hubspot["active_users"], hubspot["never_active_users"]) == (
        2,
        2,
        0,
    )


def test_unmatched_apps(report: dict[str, Any]) -> None:
    found = {(row["app"], row["active_users"]) for row in report["unmatched_apps"]}
    assert ("Miro", 1) in found
    assert ("Old Webinar Tool", 1) in found
    assert ("Zapier", 2) in found
    assert ("POWER_BI_PRO", None) in found
    assert all(row["source"] == "entra" for row in report["unmatched_apps"])


def test_export_tools_carries_the_same_figures(
    world: dict[str, Any], tools: dict[str, dict[str, Any]]
) -> None:
    assert world["export"].exit_code == 0, world["export"].output
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(world["export"].output))}
    for tool_id in ("m365", "copilot", "salesforce", "hubspot"):
        assert rows[tool_id]["active_users"] == str(tools[tool_id]["active_users"])
        assert rows[tool_id]["seats_assigned"] == str(tools[tool_id]["seats_assigned"])
    assert rows["copilot"]["seats_purchased"] == "5"


def test_copilot_as_an_add_on_of_the_suite(world: dict[str, Any]) -> None:
    assert world["addon_snapshot"].exit_code == 0, world["addon_snapshot"].output
    assert world["addon_report"].exit_code == 0, world["addon_report"].output
    document = json.loads(world["addon_report"].output)
    m365 = {tool["id"]: tool for tool in document["tools"]}["m365"]
    (addon,) = m365["addons"]
    assert addon["feature"] == "ai-assistant"
    assert (addon["seats_purchased"], addon["seats_assigned"], addon["active_users"]) == (5, 3, 1)
    assert addon["utilization"] == pytest.approx(0.2)
    assert addon["source"] == "entra"
    # the pool is the suite's add-on, not a tool nor an unmatched app of its own
    assert "Microsoft_365_Copilot" not in {row["app"] for row in document["unmatched_apps"]}
    # entitled suite features: mail (bob 20 d, erin 3 d), team-chat, calls, video-meetings (alice,
    # bob) used; file-storage (erin's OneDrive 100 d ago) and sites (alice's SharePoint 40 d ago) not
    # used in the 30-day window; plus the add-on, used: 5 of 7 measured
    used = {row["key"] for row in m365["features"] if row["used"]}
    assert used == {"mail", "team-chat", "calls", "video-meetings", "ai-assistant"}
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(world["addon_export"].output))}
    assert rows["m365"]["features_used"] == "5 / 7"
