"""The analysis: config + stored state -> figures, flags, integration graph, recommendations.

``analyze(config, state, catalog, rec_states)`` is pure: no I/O, no clock other than
``state.as_of`` (T), no formatting. The CLI's ``report``/``export`` and the TUI call it on
what ``store.Store.current_state()`` returns; tests call it on hand-built states. The pieces live in
``stacktrack.analysis``: ``matching`` (apps -> tools), ``figures`` (per-tool numbers),
``graph`` (integration edges), ``recommend`` (the plan). docs/methodology.md explains every rule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import partial

from stacktrack.analysis.features import stack_capability, tool_features
from stacktrack.analysis.figures import (
    UsageFigures,
    UsageSummary,
    build_user_rows,
    check_fx,
    cost_figures,
    cost_per_active_user,
    history_note,
    idle_spend,
    merge_users,
    utilization,
)
from stacktrack.analysis.graph import build_graph, integration_rows
from stacktrack.analysis.matching import NameIndex, assign_apps
from stacktrack.analysis.models import (
    FLAGS,
    Analysis,
    Edge,
    IntegrationRow,
    IntegrationStatus,
    Recommendation,
    SourceStatusRow,
    ToolFigures,
    Totals,
    UnmatchedApp,
    UserRow,
)
from stacktrack.analysis.recommend import Decision, plan, recommendation_id
from stacktrack.analysis.volume import tool_volume
from stacktrack.catalog import Catalog, load_catalog
from stacktrack.config_models import ConfigFile, ToolConfig
from stacktrack.gc_pause import gc_paused
from stacktrack.plugin_api import AppUsage
from stacktrack.state import StackState

__all__ = [
    "FLAGS",
    "Analysis",
    "Decision",
    "Edge",
    "Recommendation",
    "ToolFigures",
    "Totals",
    "UnmatchedApp",
    "UserRow",
    "analyze",
    "check_fx",
    "recommendation_id",
]

LOW_UTILIZATION = 0.5
STALE_DATA_AFTER = dt.timedelta(days=7)
"""Data older than this (a source failing for a week) flags the tool ``stale_data``."""


def analyze(
    config: ConfigFile,
    state: StackState,
    catalog: Catalog | None = None,
    rec_states: Mapping[str, str | Decision] | None = None,
    *,
    today: dt.date | None = None,
) -> Analysis:
    """Every figure, flag, edge and recommendation for the state's latest run.

    ``rec_states``: recommendation id -> decision (``Store.decisions()``) or bare status.
    ``today``: the date ``days_to_notice`` counts from; the wall-clock date when not given (a
    deadline is about the calendar, not the data's date).
    """
    check_fx(config)
    with gc_paused():
        return _analyze(
            config, state, catalog, rec_states, today or dt.datetime.now().astimezone().date()
        )


def _analyze(
    config: ConfigFile,
    state: StackState,
    catalog: Catalog | None,
    rec_states: Mapping[str, str | Decision] | None,
    today: dt.date,
) -> Analysis:
    catalog = catalog if catalog is not None else load_catalog()
    general = config.stacktrack
    index = NameIndex(config, catalog)
    assignments, unmatched = assign_apps(config, state, index, catalog, general.active_window_days)
    usages: dict[str, list[tuple[str, AppUsage]]] = defaultdict(list)
    for assignment in assignments:
        for tool_id in assignment.tools:
            usages[tool_id].append((assignment.source, assignment.usage))
    edge_list, unmatched_integrations = build_graph(config, assignments, index, state.as_of)
    rows = integration_rows(edge_list)
    # Each source's latest *successful* observation decides (SPEC: a failed run changes no
    # verdict): a night when the integration-aware sources fail must not make every tool unknown.
    integration_aware_ran = any(
        source.observation is not None and source.integration_aware
        for source in state.sources.values()
    )

    tools: list[ToolFigures] = []
    active_keys: dict[str, frozenset[str] | None] = {}
    live_degree: dict[str, int] = {}
    stale: dict[str, bool] = {}
    summary_cache: dict[int, UsageSummary | None] = {}
    for tool in config.tools:
        window = tool.active_window_days or general.active_window_days
        usage = merge_users(usages.get(tool.id, []), state.as_of, window, summary_cache)
        tool_rows = rows.get(tool.id, [])
        live = sorted({row.tool_id for row in tool_rows if row.live})
        live_degree[tool.id] = len(live)
        active_keys[tool.id] = usage.active_keys
        sources = _source_rows(tool, state)
        figures = _tool_figures(
            config,
            catalog,
            state,
            tool,
            window,
            usage,
            live,
            tool_rows,
            sources,
            integration_aware_ran,
            usages.get(tool.id, []),
            today,
        )
        tools.append(figures)
        # Confidence drops with the data's age, not with a failed attempt: the figures rest on
        # the latest successful observation either way.
        stale[tool.id] = "stale_data" in figures.flags

    the_plan = plan(tools, active_keys, live_degree, stale, general.currency, rec_states)
    recs = list(the_plan.recommendations)
    tools = [
        replace(tool, verdict=verdict, verdict_reason=reason)
        for tool, (verdict, reason) in zip(
            tools, (the_plan.verdicts[tool.id] for tool in tools), strict=True
        )
    ]
    return Analysis(
        run_id=state.run_id,
        as_of=state.as_of,
        currency=general.currency,
        tools=tuple(tools),
        edges=tuple(edge_list),
        unmatched_apps=_dedupe(unmatched + unmatched_integrations, catalog),
        recommendations=tuple(recs),
        totals=_totals(tools, recs),
        integration_aware_ran=integration_aware_ran,
        today=today,
        overlaps=the_plan.overlaps,
    )


def _tool_figures(
    config: ConfigFile,
    catalog: Catalog,
    state: StackState,
    tool: ToolConfig,
    window: int,
    usage: UsageFigures,
    live: list[str],
    tool_rows: list[IntegrationRow],
    sources: tuple[SourceStatusRow, ...],
    integration_aware_ran: bool,
    tool_usages: list[tuple[str, AppUsage]],
    today: dt.date,
) -> ToolFigures:
    general = config.stacktrack
    product = catalog.get(tool.product)
    category = tool.category or (product.category if product else None)
    if tool.capabilities is not None:
        capabilities = frozenset(tool.capabilities)
    else:
        capabilities = product.capabilities if product else frozenset()
    contract = tool.contract
    cost = cost_figures(config, tool)
    evidence = dict(usage.evidence)
    evidence.update(cost.evidence)

    purchased: int | None
    if contract is not None and contract.seats is not None:
        purchased = contract.seats
        evidence["seats_purchased"] = "contract.seats in the config"
    else:
        purchased = usage.seats_purchased_api
        evidence["seats_purchased"] = evidence.pop(
            "seats_purchased_api", "unknown: no contract.seats and no API reports purchased seats"
        )
    evidence.pop("seats_purchased_api", None)
    if usage.seats_assigned is None:
        evidence.setdefault("seats_assigned", "unknown: no source lists this tool's users")
    active = usage.active_users
    util = utilization(active, purchased, usage.seats_assigned)
    if util is not None:
        basis = "seats_purchased" if purchased else "seats_assigned"
        evidence["utilization"] = f"active_users / {basis}"
    pricing = contract.pricing if contract else None
    idle = idle_spend(pricing, cost.annual_cost, purchased, active)
    if idle is not None:
        evidence["idle_spend"] = (
            "max(0, seats_purchased - active_users) x annual_cost / seats_purchased"
        )
    cpau = cost_per_active_user(cost.annual_cost, active)
    if cpau is not None:
        evidence["cost_per_active_user"] = "annual_cost / active_users"

    status: IntegrationStatus
    if live:
        status = "connected"
        evidence["integration_status"] = "live edges to " + ", ".join(live)
    elif integration_aware_ran:
        status = "isolated"
        evidence["integration_status"] = (
            "no live edge in the latest successful observation of every integration-aware source"
        )
    else:
        status = "unknown"
        evidence["integration_status"] = "no integration-aware source has succeeded yet"

    first_seen = state.tool_first_seen.get(tool.id)
    start = contract.start_date if contract else None
    age: int | None = None
    if start is not None:
        age = (state.as_of.date() - start).days
    elif first_seen is not None:
        age = (state.as_of - first_seen).days
    deadline = contract.notice_deadline if contract else None
    renewal = contract.renewal_date if contract else None

    flags: list[str] = []
    grace = general.pilot_grace_days
    if status == "isolated" and not tool.standalone and age is not None and age > grace:
        flags.append("pilot_theatre")
    if util is not None and util < LOW_UTILIZATION:
        flags.append("low_utilization")
    if (util is not None and util > 1) or (purchased == 0 and active):
        flags.append("over_deployed")
        if purchased == 0:
            evidence["utilization"] = f"0 seats purchased, {active} active: over-deployed"
    days_to_notice = None if deadline is None else (deadline - today).days
    if days_to_notice is not None and 0 <= days_to_notice <= general.renewal_window_days:
        flags.append("renewal_soon")
    if days_to_notice is not None and days_to_notice < 0:
        flags.append("overdue")
    if active is None:
        flags.append("no_usage_data")
    if any(not row.live for row in tool_rows):
        flags.append("stale_integration")
    data_as_of = _data_as_of(sources)
    checked_at = state.checked_at or state.as_of
    if data_as_of is not None and checked_at - data_as_of > STALE_DATA_AFTER:
        flags.append("stale_data")
        evidence["stale_data"] = (
            f"the oldest source data is from {data_as_of:%Y-%m-%d}, over "
            f"{STALE_DATA_AFTER.days} days old: its source has failed since"
        )
    if deadline is not None:
        evidence["notice_deadline"] = (
            f"contract.renewal_date {renewal} - notice_days {contract.notice_days if contract else 0}"
        )
        evidence["days_to_notice"] = f"from today's date, {today.isoformat()}"

    notes = tuple(note for row in sources for note in row.notes)
    feature_figures = tool_features(catalog, tool, tool_usages, state.as_of, window, cost.fx_rate)
    evidence.update(feature_figures.evidence)
    volume, volume_evidence = tool_volume(tool, tool_usages)
    evidence.update(volume_evidence)
    return ToolFigures(
        id=tool.id,
        name=tool.name,
        owner=tool.owner,
        category=category,
        product=tool.product,
        capabilities=capabilities,
        annual_cost=cost.annual_cost,
        contract_currency=cost.currency,
        fx_rate=cost.fx_rate,
        pricing=pricing,
        seats_purchased=purchased,
        seats_assigned=usage.seats_assigned,
        active_users=active,
        never_active_users=usage.never_active_users,
        utilization=util,
        cost_per_active_user=cpau,
        idle_spend=idle,
        integration_status=status,
        integrations=tuple(live),
        flags=tuple(flag for flag in FLAGS if flag in flags),
        renewal_date=renewal,
        notice_deadline=deadline,
        start_date=start,
        first_seen=first_seen,
        age_days=age,
        active_window_days=window,
        sources=sources,
        history_horizon_days=usage.history_horizon_days,
        history_note=history_note(
            usage.never_active_horizon_days, bool(usage.activity_known and usage.never_active_users)
        ),
        features=usage.features,
        integration_rows=tuple(tool_rows),
        evidence=evidence,
        notes=notes,
        feature_figures=feature_figures,
        data_as_of=data_as_of,
        days_to_notice=days_to_notice,
        departed_active=usage.departed_active,
        volume=volume,
        user_rows_factory=partial(build_user_rows, usage),
    )


def _source_rows(tool: ToolConfig, state: StackState) -> tuple[SourceStatusRow, ...]:
    rows = []
    for name in tool.sources:
        source = state.sources.get(name)
        if source is None:
            rows.append(SourceStatusRow(name, None, "never_run", None, None, False, ()))
            continue
        rows.append(
            SourceStatusRow(
                source=name,
                plugin=source.plugin,
                status=source.status,
                error=source.error,
                last_success_at=source.last_success_at,
                in_latest_run=source.in_latest_run,
                notes=tuple(source.notes),
            )
        )
    return tuple(rows)


def _data_as_of(sources: tuple[SourceStatusRow, ...]) -> dt.datetime | None:
    """The oldest of the sources' latest successful observations: what the figures rest on."""
    times = [row.last_success_at for row in sources if row.last_success_at is not None]
    return min(times) if times else None


def _dedupe(apps: list[UnmatchedApp], catalog: Catalog) -> tuple[UnmatchedApp, ...]:
    """One row per (source, app name ignoring case), keeping the largest known active count."""
    best: dict[tuple[str, str], UnmatchedApp] = {}
    for app in apps:
        product = catalog.match(app.app)
        if product is not None:
            app = UnmatchedApp(app.source, app.app, app.active_users, product.key)
        key = (app.source, app.app.strip().casefold())
        current = best.get(key)
        if current is None or (app.active_users or -1) > (current.active_users or -1):
            best[key] = app
    return tuple(sorted(best.values(), key=lambda a: (-(a.active_users or 0), a.source, a.app)))


def _money_sum(values: Iterable[float | None]) -> float:
    return round(math.fsum(value for value in values if value is not None), 2)


def _totals(tools: list[ToolFigures], recs: list[Recommendation]) -> Totals:
    capability = stack_capability(tools)
    measured = [t for t in tools if t.utilization is not None and t.active_users is not None]
    seats = sum((t.seats_purchased or t.seats_assigned or 0) for t in measured)
    active = sum(t.active_users or 0 for t in measured)
    return Totals(
        annual_spend=_money_sum(t.annual_cost for t in tools),
        idle_spend=_money_sum(t.idle_spend for t in tools),
        savings_on_table=_money_sum(r.annual_savings for r in recs if r.status == "open"),
        savings_accepted=_money_sum(r.annual_savings for r in recs if r.status == "accepted"),
        net_savings=_money_sum(r.annual_savings for r in recs if r.status != "dismissed"),
        utilization=active / seats if seats else None,
        utilization_tools=len(measured),
        overdue=sum(1 for t in tools if t.overdue),
        tools=len(tools),
        tools_flagged=sum(1 for t in tools if t.flags),
        tools_without_cost=sum(1 for t in tools if t.annual_cost is None),
        capability_utilization=capability.capability_utilization,
        features_used=capability.features_used,
        features_measured=capability.features_measured,
        tools_measured=capability.tools_measured,
    )
