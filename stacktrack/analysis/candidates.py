"""Candidate actions for one tool (docs/methodology.md, "Recommendations: one plan").

``retire``, ``integrate_or_retire``, ``right_size`` (seats, and the seats of add-ons) and
``downgrade`` (a tier or an add-on whose distinguishing features went unused) are decided from one
tool's figures; ``recommend.plan`` adds the consolidations and settles everything as one plan.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from stacktrack.analysis.models import Action, AddonFigures, Confidence, ToolFigures

RIGHT_SIZE_BELOW = Fraction(4, 5)
"""Per-seat tools below this utilization of purchased seats are right-sized."""
RIGHT_SIZE_HEADROOM = Fraction(11, 10)
"""Right-sizing keeps ``ceil(active x 1.1)`` seats."""

_PRIORITY: dict[str, int] = {
    "retire": 0,
    "consolidate": 1,
    "integrate_or_retire": 2,
    "downgrade": 3,
    "right_size": 4,
}
LEAVES = frozenset({"retire", "consolidate", "integrate_or_retire"})
"""Actions after which the tool is gone."""


def recommendation_id(action: str, tool_id: str, target_tool_id: str | None = None) -> str:
    """Stable id: the same action on the same tools gives the same id in every run."""
    text = f"{action}:{tool_id}" + (f":{target_tool_id}" if target_tool_id else "")
    return "rec-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


@dataclass
class Candidate:
    action: Action
    tool_id: str
    target: str | None
    savings: float | None
    confidence: Confidence
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    seats_after: int | None = None
    depends_on: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return recommendation_id(self.action, self.tool_id, self.target)

    def sort_key(self) -> tuple[int, float, int, str]:
        # A downgrade with unknown savings still shows, ranked after those with a figure.
        known = 0 if self.savings is not None else 1
        return (known, -(self.savings or 0.0), _PRIORITY[self.action], self.target or "")


def money(value: float | None) -> float | None:
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


def seat_price(tool: ToolFigures) -> float | None:
    """Annual cost of one seat: per purchased seat, else per assigned seat."""
    if tool.annual_cost is None:
        return None
    seats = tool.seats_purchased or tool.seats_assigned
    return tool.annual_cost / seats if seats else None


def keep_seats(people: int) -> int:
    """``ceil(people x 1.1)``, at least 1."""
    return max(1, math.ceil(people * RIGHT_SIZE_HEADROOM))


def retire(tool: ToolFigures) -> Candidate | None:
    if tool.active_users != 0:
        return None
    assigned = "" if tool.seats_assigned is None else f" ({tool.seats_assigned} assigned)"
    return Candidate(
        "retire",
        tool.id,
        None,
        money(tool.annual_cost),
        "high",
        f"No user was active in the last {tool.active_window_days} days{assigned}.",
        _base_evidence(tool),
        seats_after=0,
    )


def integrate_or_retire(tool: ToolFigures) -> Candidate | None:
    if "pilot_theatre" not in tool.flags:
        return None
    stale = sorted({row.tool_id for row in tool.integration_rows if not row.live})
    evidence = _base_evidence(tool) | {
        "age_days": tool.age_days,
        "live_integrations": [],
        "stale_integrations": stale,
    }
    return Candidate(
        "integrate_or_retire",
        tool.id,
        None,
        money(tool.annual_cost),
        "medium",
        f"Connected to nothing after {tool.age_days} days: wire it into the stack or retire it.",
        evidence,
        seats_after=0,
    )


def right_size(
    tool: ToolFigures, source_failed: bool, incoming: int = 0, depends_on: tuple[str, ...] = ()
) -> Candidate | None:
    """Fewer seats: the tool's own (``ceil((active + incoming) x 1.1)`` when below 80 % of
    purchased) and its add-ons' (``ceil(add-on active x 1.1)`` when below 80 % of their seats)."""
    seats = _seat_part(tool, incoming)
    addon_savings, addons = addon_parts(tool)
    if seats is None and not addons:
        return None
    evidence = _base_evidence(tool)
    reasons: list[str] = []
    parts: list[float | None] = []
    keep = tool.seats_purchased
    if incoming:  # a consolidation target: its seats were sized for the users moving in too
        evidence["users_moving_in"] = incoming
    if seats is not None:
        keep, removed, price, saving, reason = seats
        evidence |= {"keep_seats": keep, "removed_seats": removed, "seat_price": money(price)}
        reasons.append(reason)
        parts.append(saving)
    if addons:
        evidence["addons"] = addons
        reasons += [
            f"{row['addon']}: {row['active_users']} of {row['seats_purchased']} add-on seats used, "
            f"keep {row['keep_seats']}."
            for row in addons
        ]
        parts.append(addon_savings)
    known = [part for part in parts if part is not None]
    savings = money(sum(known)) if known else None
    # An add-on's seats rest on its feature use: high confidence only when the source sees every
    # user's use of it (a listing that names only creators may miss people who use it).
    partly_seen = any(row["observes_every_user"] is not True for row in addons)
    return Candidate(
        "right_size",
        tool.id,
        None,
        savings,
        "medium" if source_failed or partly_seen else "high",
        " ".join(reasons),
        evidence,
        seats_after=keep,
        depends_on=depends_on,
    )


def _seat_part(
    tool: ToolFigures, incoming: int
) -> tuple[int, int, float | None, float | None, str] | None:
    purchased, active, cost = tool.seats_purchased, tool.active_users, tool.annual_cost
    if tool.pricing != "per_seat" or not purchased or active is None:
        return None
    people = active + incoming
    if Fraction(people, purchased) >= RIGHT_SIZE_BELOW:
        return None
    keep = keep_seats(people)
    removed = purchased - keep
    if removed <= 0:
        return None
    price = None if cost is None else cost / purchased
    saving = None if price is None or cost is None else min(cost, removed * price)
    if incoming:
        reason = (
            f"{active} active + {incoming} moving in = {people} of {purchased} seats: keep {keep} "
            f"(+10%), drop {removed}."
        )
    else:
        reason = (
            f"{active} of {purchased} seats active: keep {keep} (active + 10%), drop {removed}."
        )
    return keep, removed, price, saving, reason


def addon_parts(tool: ToolFigures) -> tuple[float | None, list[dict[str, Any]]]:
    """Add-ons with their own seats, used but below 80 % of them: (savings, evidence rows)."""
    figures = tool.feature_figures
    if figures is None:
        return None, []
    total: float | None = None
    rows: list[dict[str, Any]] = []
    for addon in figures.addons:
        found = _addon_part(addon)
        if found is None:
            continue
        saving, row = found
        rows.append(row)
        if saving is not None:
            total = (total or 0.0) + saving
    return money(total), rows


def _addon_part(addon: AddonFigures) -> tuple[float | None, dict[str, Any]] | None:
    purchased, active = addon.seats_purchased, addon.active_users
    if not purchased or active is None or not addon.used:
        return None  # an unused add-on is dropped (``downgrade``), not right-sized
    if Fraction(active, purchased) >= RIGHT_SIZE_BELOW:
        return None
    keep = keep_seats(active)
    removed = purchased - keep
    if removed <= 0:
        return None
    price = None if addon.annual_cost is None else addon.annual_cost / purchased
    saving = None if price is None else removed * price
    row = {
        "addon": addon.name or addon.feature,
        "active_users": active,
        "seats_purchased": purchased,
        "keep_seats": keep,
        "removed_seats": removed,
        "seat_price": money(price),
        "observes_every_user": addon.every_user,
    }
    return saving, row


def downgrade(tool: ToolFigures) -> Candidate | None:
    """The tier's distinguishing features, or a paid add-on, unused in the window while their use
    is observable: move to the lower tier / drop the add-on."""
    figures = tool.feature_figures
    if figures is None:
        return None
    parts: list[str] = []
    savings: list[float | None] = []
    evidence: dict[str, Any] = {"annual_cost": tool.annual_cost, "tier": figures.tier}
    every_user = True
    rows = {row.key: row for row in figures.rows}
    apart = figures.tier_features or frozenset()
    measured = sorted(key for key in apart if key in rows and rows[key].measured)
    if figures.lower_tier and measured and not any(rows[key].used for key in measured):
        unmeasured = sorted(apart - set(measured))
        parts.append(f"move from {figures.tier} to {figures.lower_tier}")
        evidence |= {
            "lower_tier": figures.lower_tier,
            "unused_tier_features": measured,
            "unmeasured_tier_features": unmeasured,
            "downgrade_annual_cost": figures.downgrade_annual_cost,
        }
        if tool.annual_cost is not None and figures.downgrade_annual_cost is not None:
            savings.append(max(0.0, tool.annual_cost - figures.downgrade_annual_cost))
        else:
            savings.append(None)
        every_user = bool(figures.observes_every_user) and not unmeasured
    dropped = [addon for addon in figures.addons if addon.measured and addon.used is False]
    if dropped:
        parts.append("drop " + ", ".join(addon.name or addon.feature for addon in dropped))
        evidence["unused_addons"] = [
            {"addon": a.name or a.feature, "annual_cost": a.annual_cost, "seats": a.seats_purchased}
            for a in dropped
        ]
        savings += [addon.annual_cost for addon in dropped]
        every_user = every_user and all(addon.every_user for addon in dropped)
    if not parts:
        return None
    known = [saving for saving in savings if saving is not None]
    if known and len(known) < len(savings):
        evidence["savings_note"] = "part of it has no price in the config: counted as 0"
    confidence: Confidence = "high" if every_user else "medium"
    reason = (
        f"Paid features unused in the last {tool.active_window_days} days: "
        + "; ".join(parts)
        + "."
    )
    return Candidate(
        "downgrade",
        tool.id,
        None,
        money(sum(known)) if known else None,
        confidence,
        reason,
        evidence,
        seats_after=tool.seats_purchased,
    )
