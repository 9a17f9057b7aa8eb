"""``report --json``: the ``stacktrack.report/1`` shape, field names and order."""

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
FINANCE_FIELDS = [
    "annual_cost", "seats_purchased", "seats_after", "owner", "renewal_date", "notice_deadline",
    "decided_at", "decided_by", "decision_note",
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
    return analyze(config(tools, fx={"EUR": 1.1}), st, today=T.date())


def test_report_shape_and_order():
    report = build_report(sample(), run_id=7, generated_at=T)
    # The original fields in their order; later fields only by addition.
    assert list(report)[:7] == [
        "schema", "generated_at", "run_id", "currency", "tools", "recommendations", "unmatched_apps",
    ]  # fmt: skip
    assert "totals" in report
    assert report["schema"] == "stacktrack.report/1"
    assert report["generated_at"] == "2026-06-01T12:00:00Z"
    assert report["run_id"] == 7
    assert report["currency"] == "USD"
    for tool in report["tools"]:
        assert list(tool)[: len(TOOL_FIELDS)] == TOOL_FIELDS
        assert {"capability_utilization", "features", "addons", "data_as_of"} <= set(tool)
        assert {"verdict", "days_to_notice", "departed_active"} <= set(tool)
        for row in tool["sources"]:
            assert list(row) == ["source", "status", "error", "data_as_of"]
    for rec in report["recommendations"]:
        assert list(rec) == REC_FIELDS + FINANCE_FIELDS
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
    assert hs["sources"] == [
        {"source": "hubspot", "status": "ok", "error": None, "data_as_of": "2026-06-01T12:00:00Z"}
    ]
    assert hs["data_as_of"] == "2026-06-01T12:00:00Z"
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


def test_report_features_and_stack_capability():
    from tests.analysis.builders import feature

    tools = [
        {
            "id": "hs",
            "name": "HubSpot",
            "product": "hubspot",
            "sources": ["hubspot"],
            "contract": {
                "annual_cost": 10000,
                "tier": "professional",
                "addons": [{"feature": "ai-assistant", "annual_cost": 500, "seats": 10}],
            },
        },
        {"id": "wiki", "name": "Wiki"},
    ]
    features = [
        feature("marketing-email", events=12, active_users=3, last_used_days_ago=1),
        feature("workflows", events=0, active_users=0),
        feature("ai-assistant", active_users=2, seats_assigned=8),
    ]
    st = state(source("hubspot", [usage([account("a", days_ago=2)], features=features)]))
    report = build_report(analyze(config(tools), st), run_id=1, generated_at=T)
    hs, wiki = report["tools"]
    by_key = {row["key"]: row for row in hs["features"]}
    # entitled: the professional tier and the one below it in the catalog, plus the add-on
    assert {k for k, row in by_key.items() if row["entitled"]} >= {"workflows", "ai-assistant"}
    assert by_key["workflows"]["used"] is False and by_key["workflows"]["measured"] is True
    assert by_key["marketing-email"]["last_used"] == "2026-05-31T12:00:00Z"
    assert by_key["ai-assistant"]["seats"] == {"purchased": None, "assigned": 8}
    assert by_key["ab-testing"]["used"] is None and by_key["ab-testing"]["source"] is None
    assert hs["capability_utilization"] == round(2 / 3, 4)  # email and add-on used, workflows not
    assert hs["addons"] == [
        {
            "feature": "ai-assistant",
            "name": "AI assistant in the suite",  # no vendor name reported: the catalog's
            "annual_cost": 500.0,
            "seats_purchased": 10,
            "seats_assigned": 8,
            "active_users": 2,
            "utilization": 0.2,
            "source": "hubspot",
        }
    ]
    assert wiki["capability_utilization"] is None and wiki["features"] == []
    capability = ("capability_utilization", "tools_measured", "features_used", "features_measured")
    assert {key: report["totals"][key] for key in capability} == {
        "capability_utilization": round(2 / 3, 4),
        "tools_measured": 1,
        "features_used": 2,
        "features_measured": 3,
    }


def test_plan_fields_days_to_notice_and_totals():
    analysis = sample()
    report = build_report(analysis, run_id=7, generated_at=T)
    hs = report["tools"][0]
    # Deadline 2026-07-03 counted from the analysis' "today" (T's date, 2026-06-01): 32 days.
    assert hs["days_to_notice"] == 32 and "overdue" not in hs["flags"]
    later = analyze(
        config(
            [
                {
                    "id": "x",
                    "name": "X",
                    "sources": ["s"],
                    "contract": {
                        "annual_cost": 10,
                        "renewal_date": "2026-07-01",
                        "notice_days": 30,
                    },
                },
            ]
        ),
        state(source("s", [usage([account("a", days_ago=1)])])),
        today=dt.date(2026, 6, 5),
    )
    x = build_report(later, run_id=1, generated_at=T)["tools"][0]
    assert (x["notice_deadline"], x["days_to_notice"]) == ("2026-06-01", -4)
    assert "overdue" in x["flags"] and x["verdict"] == "keep"
    totals = report["totals"]
    assert totals["net_savings"] == sum(
        r["annual_savings"] for r in report["recommendations"] if r["status"] != "dismissed"
    )
    assert totals["today"] == "2026-06-01"
