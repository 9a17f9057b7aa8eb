"""The plan on the demo: coherent, dated from today, and decisions that survive snapshots and rebuilds.

One demo (3 weekly runs) is built for the module in a temporary folder, through the real pipeline.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stacktrack.analysis.analyze import analyze
from stacktrack.catalog import load_catalog
from stacktrack.config import load_config
from stacktrack.report.export import RECOMMENDATION_COLUMNS
from stacktrack.sandbox import participants
from stacktrack.sandbox.demo import DemoResult, DemoSnapshots, run_demo
from stacktrack.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

SEED = 3
LEAVES = {"retire", "consolidate", "integrate_or_retire"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sandbox_token_vars: list[str]) -> DemoResult:
    with pytest.MonkeyPatch.context() as env:
        for name in sandbox_token_vars:  # run_demo exports them; put back on leaving the block
            env.delenv(name, raising=False)
        return run_demo(tmp_path_factory.mktemp("plan-demo"), seed=SEED, weeks=3)


def cli(result: DemoResult, *args: str) -> Any:
    from stacktrack.cli import main

    env = {
        participants.env_name(s): participants.token_for(SEED, s)
        for s in participants.sources_for("okta")
    }
    env |= {"STACKTRACK_CONFIG": "", "STACKTRACK_DB": "", "USER": "finance-bot"}
    return CliRunner().invoke(
        main, ["--config", str(result.config_path), "--db", str(result.db_path), *args], env=env
    )


def report(result: DemoResult) -> dict[str, Any]:
    outcome = cli(result, "report", "--json")
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.output)


def test_the_demo_ends_today_and_every_deadline_reads_true(built: DemoResult) -> None:
    assert built.last_run_at.date() == dt.datetime.now(dt.UTC).date()
    doc = report(built)
    today = dt.date.fromisoformat(doc["totals"]["today"])
    assert abs((today - dt.datetime.now(dt.UTC).date()).days) <= 1  # local vs UTC date
    dated = [t for t in doc["tools"] if t["notice_deadline"] is not None]
    assert dated
    for tool in dated:
        days = (dt.date.fromisoformat(tool["notice_deadline"]) - today).days
        assert tool["days_to_notice"] == days
        assert (days < 0) == ("overdue" in tool["flags"]), tool["id"]


def test_the_demo_plan_is_one_coherent_plan(built: DemoResult) -> None:
    doc = report(built)
    tools = {t["id"]: t for t in doc["tools"]}
    plan = [r for r in doc["recommendations"] if r["status"] == "open"]
    assert plan
    leaving = {r["tool_id"] for r in plan if r["action"] in LEAVES}
    for first in plan:
        for second in plan:
            if first is second:
                continue
            assert first["tool_id"] != second["tool_id"], "one action per tool"
            assert second["target_tool_id"] != first["tool_id"] or first["tool_id"] not in leaving
    targets = {r["target_tool_id"] for r in plan if r["target_tool_id"]}
    for target in targets:
        own = [r for r in plan if r["tool_id"] == target]
        assert target not in leaving, f"{target} is both going away and a consolidation target"
        for rec in own:  # a target's right-size counts the users moving in
            assert rec["action"] != "right_size" or "users_moving_in" in rec["evidence"]
    for rec in plan:
        if rec["action"] == "consolidate":
            assert rec["evidence"]["usage_overlap"] >= 0.2
            assert rec["confidence"] == (
                "high" if rec["evidence"]["usage_overlap"] >= 0.5 else "medium"
            )
    money = sum(r["annual_savings"] for r in doc["recommendations"] if r["status"] != "dismissed")
    assert doc["totals"]["net_savings"] == pytest.approx(money, abs=0.01)
    for tool in tools.values():
        if tool["active_users"] is None:
            assert tool["verdict"] != "keep", tool["id"]
        if tool["verdict"] == "needs_data":
            assert tool["verdict_reason"]


def test_a_decision_survives_snapshots_and_a_rebuild(
    built: DemoResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = report(built)
    rec = next(r for r in doc["recommendations"] if r["status"] == "open")
    outcome = cli(
        built, "decide", rec["id"][:9], "accept", "--note", "=cut at renewal", "--by", "CFO"
    )
    assert outcome.exit_code == 0, outcome.output
    assert rec["id"] in outcome.output

    # `s` in the demo's TUI: a real snapshot against the in-process sandbox, a week later.
    for source in participants.sources_for("okta"):
        monkeypatch.setenv(participants.env_name(source), participants.token_for(SEED, source))
    config = load_config(built.config_path, db=built.db_path)
    runner = DemoSnapshots(SEED)
    summary = asyncio.run(runner(config))
    assert summary.exit_code == 0, [s.error for s in summary.sources]
    with Store.open(built.db_path) as store:
        runs = store.runs()
    assert runs[-1].started_at - runs[-2].started_at == dt.timedelta(weeks=1)

    rebuilt = run_demo(built.config_path.parent, seed=SEED, weeks=3)
    after = report(rebuilt)
    (kept,) = [r for r in after["recommendations"] if r["id"] == rec["id"]]
    assert (kept["status"], kept["decided_by"], kept["decision_note"]) == (
        "accepted",
        "CFO",
        "=cut at renewal",
    )
    assert kept["decided_at"] is not None

    outcome = cli(rebuilt, "export", "recommendations")
    rows = list(csv.DictReader(io.StringIO(outcome.output, newline="")))
    assert list(rows[0])[:13] == list(RECOMMENDATION_COLUMNS[:13])
    (row,) = [r for r in rows if r["id"] == rec["id"]]
    assert (row["status"], row["decided_by"]) == ("accepted", "CFO")
    assert row["decision_note"] == "'=cut at renewal"  # neutralised: a note is text, not a formula

    outcome = cli(rebuilt, "export", "report", "--format", "md")
    assert outcome.exit_code == 0, outcome.output
    assert "accepted by CFO on " in outcome.output and "=cut at renewal" in outcome.output
    outcome = cli(rebuilt, "export", "report")
    assert outcome.exit_code == 0 and "accepted by CFO on " in outcome.output
    outcome = cli(rebuilt, "export", "calendar")
    assert outcome.exit_code == 0 and outcome.output.startswith("BEGIN:VCALENDAR")

    outcome = cli(rebuilt, "decide", rec["id"], "reopen")
    assert outcome.exit_code == 0, outcome.output
    reopened = next(r for r in report(rebuilt)["recommendations"] if r["id"] == rec["id"])
    assert reopened["status"] == "open" and reopened["decision_note"] == "=cut at renewal"


def test_decide_refuses_an_unknown_id(built: DemoResult) -> None:
    outcome = cli(built, "decide", "rec-nothing", "accept")
    assert outcome.exit_code == 2
    assert "no recommendation rec-nothing" in outcome.output


def test_the_analysis_counts_days_from_the_date_it_is_given(built: DemoResult) -> None:
    config = load_config(built.config_path, db=built.db_path, need_secrets=False)
    with Store.open(built.db_path) as store:
        state = store.current_state()
    far = analyze(config.file, state, load_catalog(), today=dt.date(2100, 1, 1))
    dated = [t for t in far.tools if t.notice_deadline is not None]
    assert all(t.overdue and "overdue" in t.flags for t in dated)
    assert far.totals.overdue == len(dated)


def test_store_decisions_keep_who_when_and_why(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        at = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
        store.set_decision("rec-1", "dismissed", note="still in pilot", by="ana", at=at)
        store.set_decision("rec-2", "accepted")
        store.set_decision("rec-1", "open", by="bo")  # reopen keeps the note
    with Store.open(tmp_path / "st.db") as store:
        decisions = store.decisions()
        assert store.recommendation_states() == {"rec-2": "accepted"}
    assert decisions["rec-1"].status == "open"
    assert (decisions["rec-1"].decided_by, decisions["rec-1"].note) == ("bo", "still in pilot")
    assert decisions["rec-2"].decided_at is not None
