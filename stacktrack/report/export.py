"""CSV and JSON writers for ``stacktrack export`` (docs/reference.md); they never compute.

CSV files are UTF-8 with a header row and RFC 4180 quoting (``\\r\\n`` line ends). Every text cell is
neutralised against spreadsheet formula injection: a cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading ``'`` — tool names come from the config and app
names from vendor data, and both can be hostile. Numbers are written as numbers; unknown is an empty
cell.

Recommendations CSV columns (in order): ``id, action, tool_id, tool_name,
target_tool_id, target_tool_name, annual_savings, currency, confidence, deadline, status, reason,
evidence`` (``evidence`` is a compact JSON object), then the finance columns ``annual_cost,
seats_purchased, seats_after, owner, renewal_date, notice_deadline, decided_at, decided_by,
decision_note`` (appended, so readers of the first 13 keep working).

Tools CSV columns (mirroring the ``report --json`` tool fields, in order): ``id, name, owner,
category, annual_cost, currency, seats_purchased, seats_assigned, active_users,
never_active_users, utilization, cost_per_active_user, idle_spend, integration_status,
integrations, flags, renewal_date, notice_deadline, sources, features_used,
capability_utilization``. ``currency`` is the reporting currency of the money columns;
``integrations`` and ``flags`` are ``;``-separated; ``sources`` is a compact JSON list of
``{source, status, error}``; ``features_used`` reads "3 / 9" (entitled features used / measured).

Files are written through ``atomic_write``: a temporary file in the same directory, renamed over the
destination only when complete, so an interrupted export never leaves half a file. ``-o -``
(stdout) is the caller's business: pass ``sys.stdout`` to the writers directly.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from stacktrack.analysis.models import Recommendation, ToolFigures
from stacktrack.files import require_regular_target
from stacktrack.report.json_report import features_fraction, iso, recommendation_dict, tool_dict

RECOMMENDATION_COLUMNS = (
    "id",
    "action",
    "tool_id",
    "tool_name",
    "target_tool_id",
    "target_tool_name",
    "annual_savings",
    "currency",
    "confidence",
    "deadline",
    "status",
    "reason",
    "evidence",
    "annual_cost",
    "seats_purchased",
    "seats_after",
    "owner",
    "renewal_date",
    "notice_deadline",
    "decided_at",
    "decided_by",
    "decision_note",
)
TOOL_COLUMNS = (
    "id",
    "name",
    "owner",
    "category",
    "annual_cost",
    "currency",
    "seats_purchased",
    "seats_assigned",
    "active_users",
    "never_active_users",
    "utilization",
    "cost_per_active_user",
    "idle_spend",
    "integration_status",
    "integrations",
    "flags",
    "renewal_date",
    "notice_deadline",
    "sources",
    "features_used",
    "capability_utilization",
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would read as a formula (OWASP CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    return neutralize(str(value))


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)


def _writer(stream: IO[str]) -> Any:
    return csv.writer(stream, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def _tool_map(tools: Mapping[str, ToolFigures] | Iterable[ToolFigures]) -> dict[str, ToolFigures]:
    if isinstance(tools, Mapping):
        return dict(tools)
    return {tool.id: tool for tool in tools}


def recommendation_rows(
    recs: Iterable[Recommendation],
    tools: Mapping[str, ToolFigures] | Iterable[ToolFigures],
    currency: str | None = None,
) -> list[dict[str, Any]]:
    """The recommendations as dicts with the CSV columns (values not yet neutralised)."""
    by_id = _tool_map(tools)
    rows = []
    for rec in recs:
        row = recommendation_dict(rec, by_id)
        row["currency"] = rec.currency or currency
        rows.append(row)
    return rows


def write_recommendations_csv(
    recs: Iterable[Recommendation],
    tools: Mapping[str, ToolFigures] | Iterable[ToolFigures],
    currency: str | None,
    stream: IO[str],
) -> None:
    writer = _writer(stream)
    writer.writerow(RECOMMENDATION_COLUMNS)
    for row in recommendation_rows(recs, tools, currency):
        row["evidence"] = _compact_json(row["evidence"])
        writer.writerow([_cell(row[column]) for column in RECOMMENDATION_COLUMNS])


def write_recommendations_json(
    recs: Iterable[Recommendation],
    tools: Mapping[str, ToolFigures] | Iterable[ToolFigures],
    currency: str | None,
    stream: IO[str],
) -> None:
    """A JSON array of objects with the CSV columns; ``evidence`` stays an object."""
    json.dump(recommendation_rows(recs, tools, currency), stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def tool_row(tool: ToolFigures, currency: str) -> dict[str, Any]:
    data = tool_dict(tool)
    return {
        "id": data["id"],
        "name": data["name"],
        "owner": data["owner"],
        "category": data["category"],
        "annual_cost": data["annual_cost"],
        "currency": currency,
        "seats_purchased": data["seats_purchased"],
        "seats_assigned": data["seats_assigned"],
        "active_users": data["active_users"],
        "never_active_users": data["never_active_users"],
        "utilization": data["utilization"],
        "cost_per_active_user": data["cost_per_active_user"],
        "idle_spend": data["idle_spend"],
        "integration_status": data["integration_status"],
        "integrations": ";".join(data["integrations"]),
        "flags": ";".join(data["flags"]),
        "renewal_date": iso(tool.renewal_date),
        "notice_deadline": iso(tool.notice_deadline),
        "sources": _compact_json(data["sources"]),
        "features_used": features_fraction(tool),
        "capability_utilization": data["capability_utilization"],
    }


def write_tools_csv(tools: Iterable[ToolFigures], currency: str, stream: IO[str]) -> None:
    writer = _writer(stream)
    writer.writerow(TOOL_COLUMNS)
    for tool in tools:
        row = tool_row(tool, currency)
        writer.writerow([_cell(row[column]) for column in TOOL_COLUMNS])


def atomic_write(path: str | os.PathLike[str], writer_fn: Callable[[IO[str]], None]) -> None:
    """Write ``path`` through ``writer_fn(stream)`` all-or-nothing (temp file + ``os.replace``).

    Only a regular file (or a new one) is replaced: a symlink, FIFO or device in its place raises
    ``UsageError`` rather than being swapped for a file (docs/security.md)."""
    target = Path(path)
    require_regular_target(target, "output")
    directory = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            writer_fn(stream)
            stream.flush()
            os.fsync(stream.fileno())
        tmp.chmod(_mode_for(target))
        tmp.replace(target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _mode_for(target: Path) -> int:
    """Keep an existing file's mode; a new file gets the usual 0o666 minus the umask."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
