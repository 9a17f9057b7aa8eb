"""Recommendations (SPEC §7): retire, integrate-or-retire, consolidate, right-size.

Every tool gets candidate actions; each tool keeps at most one, the one with the highest savings,
under two consistency rules: a tool that another tool is consolidated into is kept (it cannot also be
retired or consolidated away), and nothing is consolidated into a tool that is going away. Tools are
settled in order of their best savings, so the biggest decisions win conflicts.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from stacktrack.analysis.models import Action, Recommendation, ToolFigures

# Thresholds as exact fractions: 4/5 of 5 capabilities must be exactly 80%, and ceil(10 x 1.1) must
# be 11, not the 12 that binary floating point gives.
CONSOLIDATION_COVERAGE = Fraction(4, 5)
"""Share of A's capabilities B must have for "A into B" (SPEC §7: all, or >= 80%)."""
OVERLAP_FOR_HIGH_CONFIDENCE = Fraction(1, 2)
"""Share of A's active users already active in B that makes a consolidation high-confidence."""
RIGHT_SIZE_BELOW = Fraction(4, 5)
"""Per-seat tools below this utilization of purchased seats are right-sized."""
RIGHT_SIZE_HEADROOM = Fraction(11, 10)
"""Right-sizing keeps ``ceil(active x 1.1)`` seats."""

_PRIORITY: dict[str, int] = {
    "retire": 0,
    "consolidate": 1,
    "integrate_or_retire": 2,
    "right_size": 3,
}
_LEAVES = {"retire", "consolidate", "integrate_or_retire"}


def recommendation_id(action: str, tool_id: str, target_tool_id: str | None = None) -> str:
    """Stable id: the same action on the same tools gives the same id in every run (SPEC §7)."""
    text = f"{action}:{tool_id}" + (f":{target_tool_id}" if target_tool_id else "")
    return "rec-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


@dataclass
class _Candidate:
    action: Action
    tool_id: str
    target: str | None
    savings: float | None
    confidence: str
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[float, int, str]:
        savings = -1.0 if self.savings is None else self.savings
        return (-savings, _PRIORITY[self.action], self.target or "")


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _base_evidence(tool: ToolFigures) -> dict[str, Any]:
    return {
        "annual_cost": tool.annual_cost,
        "pricing": tool.pricing,
        "seats_purchased": tool.seats_purchased,
        "seats_assigned": tool.seats_assigned,
        "active_users": tool.active_users,
        "active_window_days": tool.active_window_days,
        "utilization": None if tool.utilization is None else round(tool.utilization, 4),
        "integration_status": tool.integration_status,
    }


def _covers(covered: int, total: int) -> bool:
    return Fraction(covered, total) >= CONSOLIDATION_COVERAGE


def seat_price(tool: ToolFigures) -> float | None:
    """Annual cost of one seat: per purchased seat, else per assigned seat."""
    if tool.annual_cost is None:
        return None
    seats = tool.seats_purchased or tool.seats_assigned
    return tool.annual_cost / seats if seats else None


def _single_tool_candidates(tool: ToolFigures, source_failed: bool) -> list[_Candidate]:
    found: list[_Candidate] = []
    cost = tool.annual_cost
    if tool.active_users == 0:
        assigned = "" if tool.seats_assigned is None else f" ({tool.seats_assigned} assigned)"
        found.append(
            _Candidate(
                "retire",
                tool.id,
                None,
                _money(cost),
                "high",
                f"No user was active in the last {tool.active_window_days} days{assigned}.",
                _base_evidence(tool),
            )
        )
    if "pilot_theatre" in tool.flags:
        stale = sorted({row.tool_id for row in tool.integration_rows if not row.live})
        evidence = _base_evidence(tool) | {
            "age_days": tool.age_days,
            "live_integrations": [],
            "stale_integrations": stale,
        }
        found.append(
            _Candidate(
                "integrate_or_retire",
                tool.id,
                None,
                _money(cost),
                "medium",
                f"Connected to nothing after {tool.age_days} days: wire it into the stack or "
                "retire it.",
                evidence,
            )
        )
    purchased, active = tool.seats_purchased, tool.active_users
    if (
        tool.pricing == "per_seat"
        and purchased
        and active is not None
        and Fraction(active, purchased) < RIGHT_SIZE_BELOW
    ):
        keep = max(1, math.ceil(active * RIGHT_SIZE_HEADROOM))
        removed = purchased - keep
        if removed > 0:
            price = None if cost is None else cost / purchased
            savings = None if price is None else min(cost or 0.0, removed * price)
            evidence = _base_evidence(tool) | {
                "keep_seats": keep,
                "removed_seats": removed,
                "seat_price": _money(price),
            }
            found.append(
                _Candidate(
                    "right_size",
                    tool.id,
                    None,
                    _money(savings),
                    "medium" if source_failed else "high",
                    f"{active} of {purchased} seats active: keep {keep} (active + 10%), "
                    f"drop {removed}.",
                    evidence,
                )
            )
    return found


def _consolidation(
    a: ToolFigures,
    b: ToolFigures,
    active_keys: dict[str, frozenset[str] | None],
    live_degree: dict[str, int],
) -> _Candidate | None:
    if a.id == b.id or not a.capabilities or not b.capabilities:
        return None
    if "pilot_theatre" in b.flags or b.active_users == 0:
        return None
    covered = a.capabilities & b.capabilities
    if not _covers(len(covered), len(a.capabilities)):
        return None
    coverage = len(covered) / len(a.capabilities)
    if live_degree.get(b.id, 0) < live_degree.get(a.id, 0):
        return None
    cost = a.annual_cost
    if cost is None:
        return None
    evidence: dict[str, Any] = {
        "annual_cost": cost,
        "capability_coverage": round(coverage, 4),
        "covered_capabilities": sorted(covered),
        "missing_capabilities": sorted(a.capabilities - b.capabilities),
        "active_users": a.active_users,
        "target_active_users": b.active_users,
        "target_pricing": b.pricing,
        "integration_status": a.integration_status,
        "target_integration_status": b.integration_status,
    }
    overlap: float | None = None
    newcomers: int | None = None
    a_keys = active_keys.get(a.id)
    b_keys = active_keys.get(b.id)
    if a.active_users is not None and a_keys is None:
        newcomers = a.active_users  # a count without names: assume nobody is in B yet
    elif a.active_users is not None and a_keys is not None:
        shared = len(a_keys & b_keys) if b_keys and b.active_users else 0
        newcomers = len(a_keys) - shared
        overlap = shared / len(a_keys) if a_keys else None
        evidence["already_active_in_target"] = shared
        evidence["usage_overlap"] = None if overlap is None else round(overlap, 4)
    if newcomers is not None:
        evidence["users_to_move"] = newcomers
    if b.pricing == "per_seat":
        price = seat_price(b)
        if newcomers is None or price is None:
            return None  # the cost of the seats B would need is unknown
        extra = newcomers * price
        evidence["target_seat_price"] = _money(price)
        evidence["target_extra_cost"] = _money(extra)
    else:
        extra = 0.0
        evidence["target_extra_cost"] = 0.0
    savings = max(0.0, cost - extra)
    if savings <= 0:
        return None
    confidence = (
        "high" if overlap is not None and overlap >= OVERLAP_FOR_HIGH_CONFIDENCE else "medium"
    )
    share = "" if overlap is None else f", {overlap:.0%} of its active users already use {b.name}"
    reason = f"{b.name} covers {len(covered)}/{len(a.capabilities)} of its capabilities{share}."
    return _Candidate("consolidate", a.id, b.id, _money(savings), confidence, reason, evidence)


def recommend(
    tools: list[ToolFigures],
    active_keys: dict[str, frozenset[str] | None],
    live_degree: dict[str, int],
    failed_sources: dict[str, bool],
    currency: str,
    rec_states: dict[str, str] | None = None,
) -> list[Recommendation]:
    """At most one recommendation per tool, ordered by deadline then savings (SPEC §7)."""
    rec_states = rec_states or {}
    by_id = {tool.id: tool for tool in tools}
    candidates: dict[str, list[_Candidate]] = {}
    consolidatable = [tool for tool in tools if tool.capabilities]
    for tool in tools:
        found = _single_tool_candidates(tool, failed_sources.get(tool.id, False))
        if tool.capabilities and tool.annual_cost:
            caps = tool.capabilities
            for target in consolidatable:
                if target is tool or not _covers(len(caps & target.capabilities), len(caps)):
                    continue
                candidate = _consolidation(tool, target, active_keys, live_degree)
                if candidate is not None:
                    found.append(candidate)
        if found:
            candidates[tool.id] = sorted(found, key=_Candidate.sort_key)

    leaving: set[str] = set()
    kept: set[str] = set()
    chosen: list[_Candidate] = []
    order = sorted(candidates, key=lambda tool_id: (candidates[tool_id][0].sort_key(), tool_id))
    for tool_id in order:
        for candidate in candidates[tool_id]:
            if candidate.action in _LEAVES and tool_id in kept:
                continue
            if candidate.action == "consolidate" and candidate.target in leaving:
                continue
            chosen.append(candidate)
            if candidate.action in _LEAVES:
                leaving.add(tool_id)
            if candidate.target is not None:
                kept.add(candidate.target)
            break

    recs: list[Recommendation] = []
    for candidate in chosen:
        rec_id = recommendation_id(candidate.action, candidate.tool_id, candidate.target)
        status = rec_states.get(rec_id, "open")
        if status not in ("open", "accepted", "dismissed"):
            status = "open"
        recs.append(
            Recommendation(
                id=rec_id,
                action=candidate.action,
                tool_id=candidate.tool_id,
                target_tool_id=candidate.target,
                annual_savings=candidate.savings,
                currency=currency,
                confidence=candidate.confidence,  # type: ignore[arg-type]
                deadline=by_id[candidate.tool_id].notice_deadline,
                status=status,  # type: ignore[arg-type]
                reason=candidate.reason,
                evidence=candidate.evidence,
            )
        )
    recs.sort(
        key=lambda rec: (
            rec.deadline is None,
            rec.deadline.toordinal() if rec.deadline else 0,
            -(rec.annual_savings or 0.0),
            rec.id,
        )
    )
    return recs
