"""``stacktrack demo`` end to end: the real snapshot pipeline over the simulated world, then the report.

Checks that the report shows each docs/sandbox.md pattern the way the analysis should see it, and that the
same seed gives a byte-identical ``report --json`` (bar ``generated_at``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stacktrack.sandbox import participants
from stacktrack.sandbox.demo import CONFIG_NAME, DB_NAME, DemoResult, run_demo

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _env(seed: int) -> dict[str, str]:
    # Reopening a demo later needs the sandbox token variables its config refers to.
    return {
        participants.env_name(s): participants.token_for(seed, s)
        for s in participants.sources_for("okta")
    }


def report_json(result: DemoResult) -> dict[str, Any]:
    from stacktrack.cli import main

    env = {**_env(result.seed), "STACKTRACK_CONFIG": "", "STACKTRACK_DB": ""}
    outcome = CliRunner().invoke(
        main,
        ["--config", str(result.config_path), "--db", str(result.db_path), "report", "--json"],
        env=env,
    )
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, sandbox_token_vars: list[str]
) -> tuple[DemoResult, list[tuple[int, int, str]]]:
    calls: list[tuple[int, int, str]] = []
    with pytest.MonkeyPatch.context() as env:
        for name in sandbox_token_vars:  # run_demo exports them; put back on leaving the block
            env.delenv(name, raising=False)
        result = run_demo(
            tmp_path_factory.mktemp("demo"),
            seed=5,
            weeks=3,
            on_progress=lambda done, total, message: calls.append((done, total, message)),
        )
    return result, calls


@pytest.fixture(scope="module")
def report(demo: tuple[DemoResult, list[tuple[int, int, str]]]) -> dict[str, Any]:
    return report_json(demo[0])


def tool(report: dict[str, Any], tool_id: str) -> dict[str, Any]:
    return next(t for t in report["tools"] if t["id"] == tool_id)


def recommendation(report: dict[str, Any], tool_id: str) -> dict[str, Any] | None:
    return next((r for r in report["recommendations"] if r["tool_id"] == tool_id), None)


def test_demo_writes_config_and_database_and_reports_progress(
    demo: tuple[DemoResult, list[tuple[int, int, str]]],
) -> None:
    from stacktrack.store import Store

    result, calls = demo
    assert result.config_path.name == CONFIG_NAME and result.config_path.exists()
    assert result.db_path.name == DB_NAME and result.db_path.exists()
    assert "simulated" in result.notice.lower()
    assert (
        "fictional" in result.config_path.read_text() or "made up" in result.config_path.read_text()
    )
    assert [done for done, _total, _message in calls] == [0, 1, 2, 3]
    assert all(total == 3 for _done, total, _message in calls)
    assert result.failures == []
    with Store.open(result.db_path) as store:
        runs = store.runs()
    assert len(runs) == 3
    # Weekly runs on the simulated clock, ending at the world's end date.
    assert [r.started_at for r in runs] == sorted(r.started_at for r in runs)
    assert runs[-1].started_at == result.last_run_at
    assert (runs[1].started_at - runs[0].started_at).days == 7
    assert all(r.status == "ok" for r in runs)


def test_integrated_core_is_connected_and_used(report: dict[str, Any]) -> None:
    for tool_id in ("salesforce", "hubspot", "segment"):
        entry = tool(report, tool_id)
        assert entry["integration_status"] == "connected"
        assert entry["utilization"] is not None and entry["utilization"] > 0.6
        assert "pilot_theatre" not in entry["flags"]
    assert "hubspot" in tool(report, "salesforce")["integrations"]
    assert {"hubspot", "salesforce"} <= set(tool(report, "segment")["integrations"])


def test_ai_writing_tools_are_pilot_theatre(report: dict[str, Any]) -> None:
    for tool_id in ("jasper", "copy_ai"):
        entry = tool(report, tool_id)
        assert entry["integration_status"] == "isolated"
        assert "pilot_theatre" in entry["flags"]
    jasper = recommendation(report, "jasper")
    assert jasper is not None and jasper["action"] in ("integrate_or_retire", "retire")


def test_ai_seats_are_judged_on_their_own_api(report: dict[str, Any]) -> None:
    """The AI tools are not behind SSO: seats, activity and integrations come from their Admin APIs."""
    pilot = tool(report, "openai_api")
    assert [(s["source"], s["status"]) for s in pilot["sources"]] == [("openai", "ok")]
    assert pilot["seats_assigned"] and pilot["active_users"] is not None
    assert pilot["active_users"] < pilot["seats_assigned"] / 2
    # Its only machine integration (a service account) stopped calling months ago.
    assert pilot["integration_status"] == "isolated" and "pilot_theatre" in pilot["flags"]
    assert recommendation(report, "openai_api")["action"] in ("integrate_or_retire", "retire")
    claude = tool(report, "claude_console")
    assert [(s["source"], s["status"]) for s in claude["sources"]] == [("anthropic", "ok")]
    assert claude["utilization"] is not None and claude["utilization"] > 0.5
    assert "pilot_theatre" not in claude["flags"]


def test_legacy_marketing_automation_consolidates_into_hubspot(report: dict[str, Any]) -> None:
    marketo = tool(report, "marketo")
    assert "salesforce" in marketo["integrations"]  # its API-only sync user still calls daily
    rec = recommendation(report, "marketo")
    assert rec is not None and rec["action"] == "consolidate" and rec["target_tool_id"] == "hubspot"


def test_overlapping_email_tools_consolidate(report: dict[str, Any]) -> None:
    rec = recommendation(report, "mailchimp")
    assert rec is not None
    assert rec["action"] == "consolidate" and rec["target_tool_id"] == "hubspot"
    assert rec["confidence"] == "high"  # most Mailchimp users are already active in HubSpot


def test_stale_integration_is_flagged(report: dict[str, Any]) -> None:
    assert "stale_integration" in tool(report, "drift")["flags"]
    assert "stale_integration" in tool(report, "salesforce")["flags"]
    assert "drift" not in tool(report, "salesforce")["integrations"]  # stale edges are not live


def test_shelfware_unused_tool_and_shadow_it(report: dict[str, Any]) -> None:
    hootsuite = tool(report, "hootsuite")
    assert hootsuite["utilization"] < 0.3 and "low_utilization" in hootsuite["flags"]
    assert recommendation(report, "hootsuite")["action"] == "right_size"
    vidyard = tool(report, "vidyard")
    assert vidyard["active_users"] == 0
    rec = recommendation(report, "vidyard")
    # Retiring it and consolidating it away save the same (nobody uses it): either is right.
    assert rec["action"] in ("retire", "consolidate")
    assert rec["annual_savings"] == pytest.approx(vidyard["annual_cost"])
    shadow = {entry["app"] for entry in report["unmatched_apps"] if entry["source"] == "okta"}
    assert {"Otter.ai", "Grammarly", "Descript"} <= shadow
    configured = {t["name"] for t in report["tools"]}
    assert not shadow & configured


def test_never_active_users_are_counted(report: dict[str, Any]) -> None:
    for tool_id in ("hubspot", "slack", "hootsuite"):
        assert tool(report, tool_id)["never_active_users"] > 0
    assert tool(report, "sales_navigator")["active_users"] is None  # no source: unknown, not 0
    assert "no_usage_data" in tool(report, "sales_navigator")["flags"]


def test_eur_contracts_are_converted(report: dict[str, Any]) -> None:
    assert report["currency"] == "USD"
    assert tool(report, "semrush")["annual_cost"] == pytest.approx(6_000 * 1.08)


def test_same_seed_same_report(
    tmp_path: Path, demo: tuple[DemoResult, list[tuple[int, int, str]]], report: dict[str, Any]
) -> None:
    first = demo[0]
    second = run_demo(tmp_path, seed=first.seed, weeks=first.runs)
    documents = [dict(report), report_json(second)]
    for document in documents:
        assert document.pop("generated_at")
    texts = [json.dumps(document, sort_keys=False) for document in documents]
    assert texts[0] == texts[1]
    # Not trivially equal: the report is full of figures (another seed's differ: test_world.py).
    assert len(documents[0]["tools"]) >= 20 and documents[0]["recommendations"]


def test_demo_reopens_later_without_the_token_variables(
    demo: tuple[DemoResult, list[tuple[int, int, str]]],
) -> None:
    from stacktrack.cli import main

    result = demo[0]
    env: dict[str, str | None] = dict.fromkeys(_env(result.seed))
    env.update(STACKTRACK_CONFIG=None, STACKTRACK_DB=None)
    outcome = CliRunner().invoke(
        main,
        ["--config", str(result.config_path), "--db", str(result.db_path), "report", "--json"],
        env=env,
    )
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.output)["run_id"] == 3


def test_google_workspace_as_the_identity_provider(tmp_path: Path) -> None:
    result = run_demo(tmp_path, seed=5, weeks=1, idp="google_workspace")
    assert result.failures == []
    config = result.config_path.read_text()
    assert "[sources.google_workspace]" in config and "[sources.okta]" not in config
    env = {
        participants.env_name(s): participants.token_for(5, s)
        for s in participants.sources_for("google_workspace")
    }
    from stacktrack.cli import main

    outcome = CliRunner().invoke(
        main, ["--config", str(result.config_path), "report", "--json"], env=env
    )
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.output)
    shadow = {e["app"] for e in document["unmatched_apps"] if e["source"] == "google_workspace"}
    assert {"Otter.ai", "Grammarly"} <= shadow
    assert "pilot_theatre" in tool(document, "jasper")["flags"]
    workspace = tool(document, "google_workspace")
    assert workspace["seats_assigned"] is not None and workspace["seats_assigned"] > 300
    assert (
        tool(document, "hubspot")["seats_assigned"] < 200
    )  # the directory is not every tool's seats


def test_the_demo_command(tmp_path: Path) -> None:
    from stacktrack.cli import main

    shown = CliRunner().invoke(
        main, ["demo", "--no-tui", "--weeks", "1", "--seed", "3", "--dir", str(tmp_path / "t")]
    )
    as_json = CliRunner().invoke(
        main, ["demo", "--json", "--weeks", "1", "--seed", "3", "--dir", str(tmp_path / "j")]
    )
    assert shown.exit_code == 0, shown.output
    assert "simulated" in shown.output.lower()
    assert "Jasper" in shown.output
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document["schema"] == "stacktrack.report/1"
    assert (tmp_path / "j" / CONFIG_NAME).exists() and (tmp_path / "j" / DB_NAME).exists()


def test_feature_patterns(report: dict[str, Any]) -> None:
    """The demo's feature use (docs/sandbox.md): paid features some tools leave unused, add-ons with
    their own seats, feature use Slack's plan cannot show, and a stack-wide figure that adds up."""
    used = measured = counted = 0
    for entry in report["tools"]:
        if entry["capability_utilization"] is None:
            continue
        counted += 1
        rows = [f for f in entry["features"] if f["entitled"] and f["measured"]]
        used += sum(1 for f in rows if f["used"])
        measured += len(rows)
        assert entry["capability_utilization"] == round(sum(f["used"] for f in rows) / len(rows), 4)
    totals = report["totals"]
    assert totals["tools_measured"] == counted >= 1
    assert (totals["features_used"], totals["features_measured"]) == (used, measured)
    assert 0 < totals["capability_utilization"] < 1  # some paid features carry no use
    slack = tool(report, "slack")
    assert slack["capability_utilization"] is None  # Business+: unknown, never 0
    assert slack["features"] and all(f["used"] is None for f in slack["features"])
    addons = {addon["feature"]: addon for addon in tool(report, "salesforce")["addons"]}
    assert (
        addons["ai-assistant"]["seats_purchased"],
        addons["bi-analytics"]["seats_purchased"],
    ) == (
        50,
        20,
    )


def test_the_demo_shows_a_downgrade_and_an_add_on_right_size(report: dict[str, Any]) -> None:
    """Two add-on stories, each its tool's one action: Salesforce's unused analytics add-on is
    dropped (its licence metrics count every holder: high confidence), HubSpot's sales seats bought
    for 50 are right-sized to the few who change sequences (owners only: medium)."""
    salesforce, hubspot = recommendation(report, "salesforce"), recommendation(report, "hubspot")
    assert salesforce is not None and hubspot is not None
    assert (salesforce["action"], salesforce["confidence"]) == ("downgrade", "high")
    assert [row["addon"] for row in salesforce["evidence"]["unused_addons"]] == [
        "CRM Analytics Plus"
    ]
    assert (hubspot["action"], hubspot["confidence"]) == ("right_size", "medium")
    (addon,) = hubspot["evidence"]["addons"]
    assert addon["seats_purchased"] == 50 and 0 < addon["active_users"] <= 6
    assert addon["keep_seats"] == math.ceil(addon["active_users"] * 1.1)
    sequences = next(f for f in tool(report, "hubspot")["features"] if f["key"] == "sequences")
    assert sequences["addon"] and sequences["active_users"] == addon["active_users"]


def test_segment_shows_its_tracked_users_against_the_plan_volume(
    demo: tuple[DemoResult, list[tuple[int, int, str]]], report: dict[str, Any]
) -> None:
    """The demo contract includes 100,000 tracked users a month; Segment's usage endpoint counts
    the month up to the day before the last run (docs/methodology.md, "Plan volume")."""
    from stacktrack_segment.world import PLAN_MTU, mtu_days

    last_run = demo[0].last_run_at
    volume = tool(report, "segment")["volume"]
    assert volume["metric"] == "mtu" and volume["included"] == PLAN_MTU == 100_000
    days = mtu_days(last_run.date())
    if not days:  # the last run fell on a month's first day: nothing counted yet, not 0
        assert volume["used"] is None and volume["utilization"] is None
        return
    day, counts = days[-1]
    assert volume["used"] == counts["identified"] + counts["neverIdentified"]
    assert volume["utilization"] == round(volume["used"] / 100_000, 4)
    assert 0.05 < volume["utilization"] < 1.0  # a realistic share of the plan, not an overage
    assert volume["period_start"] == last_run.date().replace(day=1).isoformat()
    assert volume["as_of"] == f"{day.isoformat()}T00:00:00Z" and volume["source"] == "segment"
    assert all(t["volume"] is None for t in report["tools"] if t["id"] != "segment")
