"""``stacktrack report --json``: the ``stacktrack.report/1`` object built from an ``Analysis``.

Field names and order are the public contract (docs/reference.md); fields are only ever added, never
renamed or removed within ``/1``. Unknown values are ``null``, dates and times are ISO 8601. The CLI serialises the returned dict with ``json.dumps``; nothing here prints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.analysis.models import (
    AddonFigures,
    Analysis,
    FeatureUse,
    Overlap,
    Recommendation,
    ToolFigures,
    VolumeFigures,
)

SCHEMA = "stacktrack.report/1"


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """ISO 8601; aware datetimes in UTC with a ``Z``."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            return value.isoformat().replace("+00:00", "Z")
        return value.isoformat()
    return value.isoformat()


def _num(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def overlap_dict(overlap: Overlap) -> dict[str, Any]:
    return {
        "target_tool_id": overlap.target_tool_id,
        "capability_coverage": overlap.coverage,
        "shared_users": overlap.shared_users,
        "share": overlap.share,
        "proposed": overlap.proposed,
        "why_not": overlap.why_not,
    }


def tool_dict(tool: ToolFigures, overlaps: tuple[Overlap, ...] = ()) -> dict[str, Any]:
    """One tool, with the documented fields (docs/reference.md) in order, then the added ones."""
    return {
        "id": tool.id,
        "name": tool.name,
        "owner": tool.owner,
        "category": tool.category,
        "annual_cost": _num(tool.annual_cost),
        "seats_purchased": tool.seats_purchased,
        "seats_assigned": tool.seats_assigned,
        "active_users": tool.active_users,
        "never_active_users": tool.never_active_users,
        "utilization": _num(tool.utilization, 4),
        "cost_per_active_user": _num(tool.cost_per_active_user),
        "idle_spend": _num(tool.idle_spend),
        "integration_status": tool.integration_status,
        "integrations": list(tool.integrations),
        "flags": list(tool.flags),
        "renewal_date": iso(tool.renewal_date),
        "notice_deadline": iso(tool.notice_deadline),
        "sources": [
            {
                "source": row.source,
                "status": row.status,
                "error": row.error,
                "data_as_of": iso(row.last_success_at),
            }
            for row in tool.sources
        ],
        # Added fields (docs/reference.md: additive only).
        "capability_utilization": _num(tool.capability_utilization, 4),
        "features": [feature_dict(row) for row in _feature_rows(tool)],
        "addons": [addon_dict(addon) for addon in _addons(tool)],
        "data_as_of": iso(tool.data_as_of),
        "verdict": tool.verdict,
        "verdict_reason": tool.verdict_reason,
        "days_to_notice": tool.days_to_notice,
        "departed_active": list(tool.departed_active),
        "overlaps": [overlap_dict(overlap) for overlap in overlaps],
        "volume": volume_dict(tool.volume),
    }


def volume_dict(volume: VolumeFigures | None) -> dict[str, Any] | None:
    """The plan volume figure (docs/methodology.md, "Plan volume"); ``None`` when there is none."""
    if volume is None:
        return None
    return {
        "metric": volume.metric,
        "used": volume.used,
        "included": volume.included,
        "utilization": _num(volume.utilization, 4),
        "period_start": iso(volume.period_start),
        "period_end": iso(volume.period_end),
        "as_of": iso(volume.as_of),
        "source": volume.source,
    }


def features_fraction(tool: ToolFigures) -> str | None:
    """ "3 / 9": entitled features used / measured; ``None`` when the figure is unknown."""
    figures = tool.feature_figures
    if figures is None or figures.capability_utilization is None:
        return None
    return f"{figures.features_used} / {figures.features_measured}"


def _feature_rows(tool: ToolFigures) -> tuple[FeatureUse, ...]:
    return tool.feature_figures.rows if tool.feature_figures is not None else ()


def _addons(tool: ToolFigures) -> tuple[AddonFigures, ...]:
    return tool.feature_figures.addons if tool.feature_figures is not None else ()


def feature_dict(row: FeatureUse) -> dict[str, Any]:
    """One entitled or observed feature (docs/methodology.md, "Features and capability utilization")."""
    seats = None
    if row.seats_purchased is not None or row.seats_assigned is not None:
        seats = {"purchased": row.seats_purchased, "assigned": row.seats_assigned}
    return {
        "key": row.key,
        "name": row.name,
        "active_users": row.active_users,
        "events": row.events,
        "last_used": iso(row.last_used),
        "seats": seats,
        "source": row.source,
        "entitled": row.entitled,
        "measured": row.measured,
        "used": row.used,
        "addon": row.addon,
    }


def addon_dict(addon: AddonFigures) -> dict[str, Any]:
    return {
        "feature": addon.feature,
        "name": addon.name,
        "annual_cost": _num(addon.annual_cost),
        "seats_purchased": addon.seats_purchased,
        "seats_assigned": addon.seats_assigned,
        "active_users": addon.active_users,
        "utilization": _num(addon.utilization, 4),
        "source": addon.source,
    }


def recommendation_dict(rec: Recommendation, tools: dict[str, ToolFigures]) -> dict[str, Any]:
    """A recommendation with the same fields, in the same order, as the CSV export."""
    tool = tools.get(rec.tool_id)
    target = tools.get(rec.target_tool_id) if rec.target_tool_id else None
    contract = {
        "annual_cost": _num(tool.annual_cost) if tool else None,
        "seats_purchased": tool.seats_purchased if tool else None,
        "seats_after": rec.seats_after,
        "owner": tool.owner if tool else None,
        "renewal_date": iso(tool.renewal_date) if tool else None,
        "notice_deadline": iso(tool.notice_deadline) if tool else None,
        "decided_at": iso(rec.decided_at),
        "decided_by": rec.decided_by,
        "decision_note": rec.decision_note,
    }
    return {
        "id": rec.id,
        "action": rec.action,
        "tool_id": rec.tool_id,
        "tool_name": tool.name if tool else None,
        "target_tool_id": rec.target_tool_id,
        "target_tool_name": target.name if target else None,
        "annual_savings": _num(rec.annual_savings),
        "currency": rec.currency,
        "confidence": rec.confidence,
        "deadline": iso(rec.deadline),
        "status": rec.status,
        "reason": rec.reason,
        "evidence": rec.evidence,
    } | contract


def totals_dict(analysis: Analysis) -> dict[str, Any]:
    """The headline: spend, idle spend, the plan's net savings, stack-wide utilization."""
    totals = analysis.totals
    return {
        "annual_spend": totals.annual_spend,
        "idle_spend": totals.idle_spend,
        "net_savings": totals.net_savings,
        "savings_on_table": totals.savings_on_table,
        "savings_accepted": totals.savings_accepted,
        "utilization": _num(totals.utilization, 4),
        "utilization_tools": totals.utilization_tools,
        "tools": totals.tools,
        "tools_flagged": totals.tools_flagged,
        "tools_without_cost": totals.tools_without_cost,
        "overdue": totals.overdue,
        "today": iso(analysis.today),
        # Stack-wide capability utilization over "tools_measured of tools" tools.
        "capability_utilization": _num(totals.capability_utilization, 4),
        "tools_measured": totals.tools_measured,
        "features_used": totals.features_used,
        "features_measured": totals.features_measured,
    }


def build_report(
    analysis: Analysis, *, run_id: int | None, generated_at: dt.datetime
) -> dict[str, Any]:
    """The ``stacktrack.report/1`` object (docs/reference.md)."""
    tools = analysis.tools_by_id()
    return {
        "schema": SCHEMA,
        "generated_at": iso(generated_at),
        "run_id": run_id,
        "currency": analysis.currency,
        "tools": [tool_dict(tool, analysis.overlaps.get(tool.id, ())) for tool in analysis.tools],
        "recommendations": [recommendation_dict(rec, tools) for rec in analysis.recommendations],
        "unmatched_apps": [
            {"source": app.source, "app": app.app, "active_users": app.active_users}
            for app in analysis.unmatched_apps
        ],
        "totals": totals_dict(analysis),
    }
