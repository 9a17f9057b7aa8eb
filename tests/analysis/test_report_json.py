"""``report --json``: the SPEC §8 ``stacktrack.report/1`` shape, field names and order."""

from __future__ import annotations

import datetime as dt
import json

from stacktrack.analysis.analyze import analyze
from stacktrack.report.json_report import build_report
from tests.analysis.builders import T, account, config, integration, source, state, usage

TOOL_FIELDS = [
    "id", "name", "owner", "category", "annual_cost", "seats_purchased", "seats_assigned",
    "active_users", "never_active_users", "utilization", "cost_per_active_user", "idle_spend",
    "integration_status", "integrations", "flags", "renewal_date", "notice_deadline", "sources",
]  # fmt: skip
REC_FIELDS = [
    "id", "action", "tool_id", "tool_name", "target_tool_id", "target_tool_name",
    "annual_savings", "currency", "confidence", "deadline", "status", "reason", "evidence",
]  # fmt: skip


def sample():
    tools = [
        {
            "id": "hs",
            "name": "HubSpot",
            "product": "hubspot",
            "owner": "Demand Gen",
            "sources": ["hubspot"],
            "contract": {
                "annual_cost": 10000,
                "currency": "EUR",
                "seats": 10,
                "renewal_date": "2026-09-01",
                "notice_days": 60,
            },
        },
        {"id": "wiki", "name": "Wiki"},
    ]
    st = state(
        source(
            "hubspot",
            [
                usage(
                    [account("a", days_ago=2), account("b")],
                    horizon=90,
                    integrations=[integration("Zapier", 3, active_users=2)],
                )
            ],
        )
    )
    return analyze(config(tools, fx={"EUR": 1.1}), st)


def test_report_shape_and_order():
    report = build_report(sample(), run_id=7, generated_at=T)
    assert list(report) == [
        "schema", "generated_at", "run_id", "currency", "tools", "recommendations", "unmatched_apps",
    ]  # fmt: skip
    assert report["schema"] == "stacktrack.report/1"
    assert report["generated_at"] == "2026-06-01T12:00:00Z"
    assert report["run_id"] == 7
    assert report["currency"] == "USD"
    for tool in report["tools"]:
        assert list(tool) == TOOL_FIELDS
        for row in tool["sources"]:
            assert list(row) == ["source", "status", "error"]
    for rec in report["recommendations"]:
        assert list(rec) == REC_FIELDS
    assert report["unmatched_apps"] == [{"source": "hubspot", "app": "Zapier", "active_users": 2}]
    json.dumps(report)  # serialisable as is


def test_report_values_unknown_is_null_dates_iso():
    report = build_report(sample(), run_id=None, generated_at=T + dt.timedelta(hours=1))
    hs, wiki = report["tools"]
    assert hs["annual_cost"] == 11000.0
    assert (hs["seats_purchased"], hs["seats_assigned"], hs["active_users"]) == (10, 2, 1)
    assert hs["never_active_users"] == 1
    assert hs["utilization"] == 0.1
    assert hs["cost_per_active_user"] == 11000.0
    assert hs["idle_spend"] == 9900.0
    assert hs["integration_status"] == "isolated"  # Zapier is not a tool
    assert hs["renewal_date"] == "2026-09-01"
    assert hs["notice_deadline"] == "2026-07-03"
    assert hs["category"] == "marketing-automation"
    assert hs["owner"] == "Demand Gen"
    assert "renewal_soon" in hs["flags"] and "low_utilization" in hs["flags"]
    assert hs["sources"] == [{"source": "hubspot", "status": "ok", "error": None}]
    for field in [*TOOL_FIELDS[2:13], "renewal_date", "notice_deadline"]:
        if field != "integration_status":
            assert wiki[field] is None, field
    assert wiki["flags"] == ["no_usage_data"]
    assert wiki["integrations"] == [] and wiki["sources"] == []
    (rec,) = report["recommendations"]
    assert rec["action"] == "right_size" and rec["deadline"] == "2026-07-03"
    assert rec["tool_name"] == "HubSpot" and rec["target_tool_name"] is None
    # keep ceil(1 * 1.1) = 2 of 10: 8 seats x 1100
    assert rec["annual_savings"] == 8800.0
    assert report["run_id"] is None
    assert report["generated_at"] == "2026-06-01T13:00:00Z"
