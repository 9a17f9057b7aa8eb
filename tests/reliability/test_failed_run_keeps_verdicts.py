"""A failed run changes no verdict (issue 11): on the demo database, a run in which every source
fails (the sandbox is gone) or only some do leaves every verdict, recommendation and integration
status as it was; each tool shows the age of the data it rests on."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from stacktrack.cli import main
from stacktrack.config import load_config
from stacktrack.sandbox.demo import DemoResult, run_demo
from stacktrack.sandbox.server import transports
from stacktrack.sandbox.world import World
from stacktrack.snapshot import run_snapshot
from stacktrack.store import Store

SEED = 4


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[DemoResult]:
    yield run_demo(tmp_path / "demo", seed=SEED, weeks=4)


def report(demo: DemoResult) -> dict[str, Any]:
    result = CliRunner().invoke(
        main, ["--config", str(demo.config_path), "--db", str(demo.db_path), "report", "--json"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def decisions(document: dict[str, Any]) -> dict[str, Any]:
    """Everything a decision rests on: per tool figures, statuses, flags; the recommendations."""
    tools = {
        tool["id"]: {
            key: tool.get(key)
            for key in (
                "verdict", "integration_status", "integrations", "flags", "active_users",
                "seats_assigned", "never_active_users", "utilization", "idle_spend",
            )
        }
        for tool in document["tools"]
    }  # fmt: skip
    recommendations = [
        (r["id"], r["action"], r["annual_savings"], r["confidence"])
        for r in document["recommendations"]
    ]
    return {"tools": tools, "recommendations": recommendations, "totals": document.get("totals")}


def _gone(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def snapshot(demo: DemoResult, failing: set[str] | None = None) -> int:
    """One more weekly run; ``failing`` sources (default: all) find the sandbox gone."""
    config = load_config(demo.config_path, db=demo.db_path)
    instant = demo.last_run_at + dt.timedelta(days=1)
    served = transports(World.generate(SEED), instant, idp="okta")
    everything = set(config.sources)
    down = everything if failing is None else failing
    chosen = {
        name: httpx.MockTransport(_gone) if name in down else served[name]
        for name in everything
        if name in served or name in down
    }
    summary = asyncio.run(run_snapshot(config, now=instant, transports=chosen))
    return summary.exit_code


def test_a_run_where_every_source_fails_changes_no_decision(demo: DemoResult) -> None:
    before = report(demo)
    seen = decisions(before)
    statuses = [t["integration_status"] for t in before["tools"]]
    assert "isolated" in statuses and "connected" in statuses  # the check below can fail
    assert any(r[1] == "integrate_or_retire" for r in seen["recommendations"])

    assert snapshot(demo) == 4
    after = report(demo)
    assert decisions(after) == seen
    for tool in after["tools"]:  # each source still shows its last good data and its age
        for row in tool["sources"]:
            if row["status"] == "failed":
                assert row["error"] and row["data_as_of"] is not None
    assert any(row["status"] == "failed" for t in after["tools"] for row in t["sources"])
    with Store.open(demo.db_path) as store:
        assert store.runs()[-1].status == "failed"


def test_a_partial_run_keeps_the_failed_sources_data(demo: DemoResult) -> None:
    config = load_config(demo.config_path, db=demo.db_path)
    aware = {"salesforce", "hubspot", "segment", "slack"} & set(config.sources)
    assert aware
    before = decisions(report(demo))
    assert snapshot(demo, failing=aware) == 3
    after = report(demo)
    # The integration-aware sources failed: their latest good observation still decides.
    assert {k: v["integration_status"] for k, v in decisions(after)["tools"].items()} == {
        k: v["integration_status"] for k, v in before["tools"].items()
    }
    rows = [row for t in after["tools"] for row in t["sources"] if row["source"] in aware]
    assert rows and all(r["status"] == "failed" and r["data_as_of"] for r in rows)
    assert all("stale_data" not in t["flags"] for t in after["tools"])  # a day old, not a week
