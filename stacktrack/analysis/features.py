"""Feature and capability figures: which paid features and add-ons anyone uses.

Pure functions, called by ``analysis.analyze`` once per tool and once for the stack. The rules are
documented in docs/methodology.md, "Features and capability utilization"; in short:

* entitled = ``[tools.contract] features`` when given, else the catalog's features of the product's
  ``tier``, else unknown; the contract's add-on features are entitled too;
* measured = entitled features some source reported a figure for (a count or a last use);
* used = measured features with ``active_users > 0``, ``events > 0`` or a last use in the window;
* capability utilization = |used| / |measured|, unknown when nothing is measured.

Unknown is ``None`` throughout, never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from stacktrack.analysis.models import AddonFigures, FeatureFigures, FeatureUse, ToolFigures
from stacktrack.catalog import Catalog, Product
from stacktrack.config_models import ToolConfig
from stacktrack.plugin_api import AppUsage, FeatureUsage


def feature_key(catalog: Catalog, product: Product | None, feature: str, name: str | None) -> str:
    """The catalog key for a reported or configured feature, else the vendor's name as given."""
    if feature in catalog.features:
        return feature
    for candidate in (feature, name):
        if candidate and product is not None:
            key = product.feature_key(candidate)
            if key is not None:
                return key
    return feature


@dataclass
class _Merged:
    """One feature's reports from every source of a tool, merged."""

    sources: list[str] = field(default_factory=list)
    vendor_name: str | None = None
    active_users: int | None = None
    events: int | None = None
    last_used: dt.datetime | None = None
    seats_purchased: int | None = None
    seats_assigned: int | None = None
    users: set[str] | None = None
    every_user: bool | None = None

    def add(self, source: str, report: FeatureUsage, key: str) -> None:
        if source not in self.sources:
            self.sources.append(source)
        # A vendor name the catalog translated is the vendor's name for the feature.
        vendor = report.name or (report.feature if report.feature != key else None)
        self.vendor_name = self.vendor_name or vendor
        # Two sources seeing the same feature see the same people and events: the larger count
        # is the better-informed one, a sum would count them twice.
        self.active_users = _max(self.active_users, report.active_users)
        self.events = _max(self.events, report.events)
        self.seats_purchased = _max(self.seats_purchased, report.seats_purchased)
        self.seats_assigned = _max(self.seats_assigned, report.seats_assigned)
        if report.last_used is not None and (
            self.last_used is None or report.last_used > self.last_used
        ):
            self.last_used = report.last_used
        if report.users is not None:
            self.users = (self.users or set()) | set(report.users)
            self.active_users = _max(self.active_users, len(self.users))
        # One source that counts every user's use is enough to see every user's use.
        if report.every_user is True:
            self.every_user = True
        elif report.every_user is False and self.every_user is None:
            self.every_user = False

    @property
    def measured(self) -> bool:
        return (
            self.active_users is not None or self.events is not None or self.last_used is not None
        )

    def used(self, cutoff: dt.datetime) -> bool | None:
        if not self.measured:
            return None
        return (
            (self.active_users or 0) > 0
            or (self.events or 0) > 0
            or (self.last_used is not None and self.last_used >= cutoff)
        )


def _max(current: int | None, new: int | None) -> int | None:
    if new is None:
        return current
    return new if current is None else max(current, new)


def tool_features(
    catalog: Catalog,
    tool: ToolConfig,
    usages: Iterable[tuple[str, AppUsage]],
    as_of: dt.datetime,
    window_days: int,
    fx_rate: float | None,
) -> FeatureFigures:
    """The feature figures of one tool from the apps its sources reported for it."""
    product = catalog.get(tool.product)
    contract = tool.contract
    cutoff = as_of - dt.timedelta(days=window_days)
    evidence: dict[str, str] = {}

    merged: dict[str, _Merged] = {}
    observed_by: list[str] = []
    for source, usage in usages:
        if usage.features is None:
            continue
        observed_by.append(source)
        for report in usage.features:
            key = feature_key(catalog, product, report.feature, report.name)
            merged.setdefault(key, _Merged()).add(source, report, key)

    base, basis = _base_entitlement(catalog, product, tool)
    addon_keys = [
        feature_key(catalog, product, addon.feature, None)
        for addon in (contract.addons if contract else [])
    ]
    entitled: frozenset[str] | None = None
    if base is not None or addon_keys:
        entitled = frozenset(base or ()) | frozenset(addon_keys)
        if addon_keys:
            basis = (basis + " + " if basis else "") + "contract.addons"
        evidence["features_entitled"] = basis or ""
    else:
        evidence["features_entitled"] = (
            "unknown: no contract.features, no catalog tiers for the product and tier, no add-ons"
        )

    tier_key = contract.tier.casefold() if contract and contract.tier else None
    tier_adds, lower = _tier_step(product, tier_key)

    rows: list[FeatureUse] = []
    for key in sorted(set(merged) | set(entitled or ())):
        found = merged.get(key)
        measured = found is not None and found.measured
        rows.append(
            FeatureUse(
                key=key,
                name=catalog.feature_name(key) or (found.vendor_name if found else None),
                vendor_name=found.vendor_name if found else None,
                entitled=entitled is not None and key in entitled,
                addon=key in addon_keys,
                sets_tier_apart=tier_adds is not None and key in tier_adds,
                measured=measured,
                used=found.used(cutoff) if found is not None else None,
                active_users=found.active_users if found else None,
                events=found.events if found else None,
                last_used=found.last_used if found else None,
                seats_purchased=found.seats_purchased if found else None,
                seats_assigned=found.seats_assigned if found else None,
                source=", ".join(found.sources) if found else None,
                every_user=found.every_user if found else None,
            )
        )

    used: frozenset[str] | None = None
    measured_set: frozenset[str] | None = None
    capability: float | None = None
    if entitled is not None:
        entitled_rows = [row for row in rows if row.entitled]
        measured_set = frozenset(row.key for row in entitled_rows if row.measured)
        used = frozenset(row.key for row in entitled_rows if row.used)
        if measured_set:
            capability = len(used) / len(measured_set)
            evidence["capability_utilization"] = (
                f"{len(used)} used / {len(measured_set)} measured entitled features "
                f"({window_days}-day window) in " + ", ".join(dict.fromkeys(observed_by))
            )
        else:
            evidence["capability_utilization"] = (
                "unknown: no source of this tool reports use of its entitled features"
            )

    by_key = {row.key: row for row in rows}
    addons = tuple(
        _addon(addon_key, addon.annual_cost, addon.seats, fx_rate, by_key[addon_key])
        for addon_key, addon in zip(addon_keys, contract.addons if contract else [], strict=True)
    )
    downgrade = None
    if contract is not None and contract.downgrade_annual_cost is not None and fx_rate is not None:
        downgrade = round(contract.downgrade_annual_cost * fx_rate, 2)
    watched = [row for row in rows if row.entitled and row.measured]
    return FeatureFigures(
        entitled=entitled,
        used=used,
        measured=measured_set,
        capability_utilization=capability,
        rows=tuple(sorted(rows, key=_display_order)),
        addons=addons,
        tier=tier_key,
        lower_tier=lower,
        tier_features=tier_adds,
        downgrade_annual_cost=downgrade,
        observes_every_user=_all_or_none(row.every_user for row in watched) if watched else None,
        evidence=evidence,
    )


def _base_entitlement(
    catalog: Catalog, product: Product | None, tool: ToolConfig
) -> tuple[frozenset[str] | None, str | None]:
    contract = tool.contract
    if contract is None:
        return None, None
    if contract.features is not None:
        keys = frozenset(feature_key(catalog, product, key, None) for key in contract.features)
        return keys, "contract.features in the config"
    if contract.tier is not None and product is not None:
        tier = product.tier(contract.tier)
        entitled = product.entitled(contract.tier)
        if tier is not None and entitled is not None:
            return entitled, f"catalog: {product.name} {tier.name} tier and the tiers below it"
    return None, None


def _tier_step(
    product: Product | None, tier_key: str | None
) -> tuple[frozenset[str] | None, str | None]:
    """What the tier adds over the tier below (what sets it apart), and that lower tier's key."""
    if product is None or tier_key is None:
        return None, None
    keys = [tier.key for tier in product.tiers]
    if tier_key not in keys:
        return None, None
    position = keys.index(tier_key)
    lower = keys[position - 1] if position > 0 else None
    return product.tiers[position].adds, lower


def _addon(
    key: str, cost: float | None, seats: int | None, fx_rate: float | None, row: FeatureUse
) -> AddonFigures:
    purchased = seats if seats is not None else row.seats_purchased
    active = row.active_users
    utilization: float | None = None
    if active is not None:
        if purchased:
            utilization = active / purchased
        elif row.seats_assigned:
            utilization = active / row.seats_assigned
    return AddonFigures(
        feature=key,
        name=row.vendor_name or row.name,
        annual_cost=None if cost is None or fx_rate is None else round(cost * fx_rate, 2),
        seats_purchased=purchased,
        seats_from="contract" if seats is not None else ("api" if purchased is not None else None),
        seats_assigned=row.seats_assigned,
        active_users=active,
        utilization=utilization,
        measured=row.measured,
        used=row.used,
        every_user=row.every_user,
        source=row.source,
    )


def _all_or_none(values: Iterable[bool | None]) -> bool | None:
    """True if every value is True, False if any is False, else None (someone did not say)."""
    seen = list(values)
    if any(value is False for value in seen):
        return False
    if seen and all(value is True for value in seen):
        return True
    return None


def _display_order(row: FeatureUse) -> tuple[int, str]:
    """Unused paid features first (add-ons before the rest), then used, unmeasured, not entitled."""
    if row.entitled and row.measured and not row.used:
        rank = 0 if row.addon else 1
    elif row.entitled and row.used:
        rank = 2
    elif row.entitled:
        rank = 3
    else:
        rank = 4
    return rank, row.key


@dataclass(frozen=True)
class StackCapability:
    capability_utilization: float | None
    features_used: int
    features_measured: int
    tools_measured: int
    """N in "N of M tools measured": tools with a capability figure."""
    tools: int
    """M: every configured tool."""


def stack_capability(tools: Iterable[ToolFigures]) -> StackCapability:
    """Sum of used over sum of measured, over the tools that have a figure."""
    used = measured = counted = total = 0
    for tool in tools:
        total += 1
        figures = tool.feature_figures
        if figures is None or figures.capability_utilization is None:
            continue
        assert figures.used is not None and figures.measured is not None
        counted += 1
        used += len(figures.used)
        measured += len(figures.measured)
    return StackCapability(
        capability_utilization=used / measured if measured else None,
        features_used=used,
        features_measured=measured,
        tools_measured=counted,
        tools=total,
    )
