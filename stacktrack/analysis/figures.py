"""Per-tool usage and cost figures, exactly as docs/methodology.md defines them.

Pure functions over the apps ``matching.assign_apps`` attached to a tool. The per-user merge is the
hot loop of the whole analysis (300 tools x 50,000 users in the benchmark), so it reduces each app to
dicts and sets once and builds ``UserRow`` objects only when someone asks for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from stacktrack.analysis.models import FeatureRow, UserRow
from stacktrack.config_models import ConfigFile, ToolConfig
from stacktrack.errors import ConfigError
from stacktrack.plugin_api import AccountStatus, AppUsage

_ACTIVE = AccountStatus.ACTIVE
_INVITED = AccountStatus.INVITED


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """One app's accounts in one source, reduced to what the figures need.

    Built once per observed app per analysis (a vendor connector's app is shared by every tool that
    lists the source) with comprehensions and set operations rather than per-account Python
    objects: this is the hot path of the 300-tool x 50,000-user benchmark.
    """

    source: str
    usage: AppUsage
    last: dict[str, dt.datetime | None]
    """User key -> latest activity in this app (``None`` = none on record)."""
    assigned: frozenset[str]
    """Keys holding a seat (assigned, and active or invited)."""
    dated: frozenset[str]
    """Keys with some activity on record."""
    tracked: bool
    """Activity is meaningful here: the plugin says so, or some account carries a date."""
    horizon: int | None
    _active: dict[dt.datetime, frozenset[str]] = field(default_factory=dict)

    def active_since(self, cutoff: dt.datetime) -> frozenset[str]:
        found = self._active.get(cutoff)
        if found is None:
            found = frozenset(
                key for key, when in self.last.items() if when is not None and when >= cutoff
            )
            self._active[cutoff] = found
        return found


def summarize(source: str, usage: AppUsage) -> UsageSummary | None:
    accounts = usage.accounts
    if accounts is None:
        return None
    # Users are keyed by lowercased e-mail (Account lowercases it), else source:id.
    keys = [a.email or f"{source}:{a.id}" for a in accounts]
    lasts = [a.last_active for a in accounts]
    last = dict(zip(keys, lasts, strict=True))
    if len(last) != len(keys):  # the same person twice in one app: keep the latest activity
        last = {}
        for key, when in zip(keys, lasts, strict=True):
            current = last.get(key)
            if key not in last or (when is not None and (current is None or when > current)):
                last[key] = when
    assigned = frozenset(
        key
        for key, a in zip(keys, accounts, strict=True)
        if a.assigned and (a.status is _ACTIVE or a.status is _INVITED)
    )
    dated = frozenset(key for key, when in last.items() if when is not None)
    tracked = usage.activity_known or bool(dated)
    return UsageSummary(source, usage, last, assigned, dated, tracked, usage.history_horizon_days)


@dataclass
class UsageFigures:
    """What a tool's sources say about its users (before costs and the graph)."""

    activity_known: bool
    active_users: int | None
    active_keys: frozenset[str] | None
    """Who is active (for usage overlap); ``None`` when only a count is known."""
    seats_assigned: int | None
    seats_purchased_api: int | None
    never_active_users: int | None
    history_horizon_days: int | None
    """The longest history the activity sources keep, ``None`` if one keeps it all."""
    never_active_horizon_days: int | None
    """The shortest horizon among the never-active users' own horizons, when all are finite."""
    features: tuple[FeatureRow, ...]
    evidence: dict[str, str]
    departed_active: tuple[str, ...]
    """Users active in the window who hold no seat at T (listed, never counted as active)."""
    summaries: tuple[UsageSummary, ...] = field(repr=False)
    cutoff: dt.datetime

    def merged_last(self) -> dict[str, dt.datetime | None]:
        """User key -> latest activity across the tool's sources (``last_active``)."""
        if len(self.summaries) == 1:
            return self.summaries[0].last
        last: dict[str, dt.datetime | None] = {}
        for summary in sorted(self.summaries, key=lambda s: len(s.last), reverse=True):
            if not last:
                last.update(summary.last)
                continue
            for key, when in summary.last.items():
                if when is None:
                    last.setdefault(key, None)
                else:
                    current = last.get(key)
                    if current is None or when > current:
                        last[key] = when
        return last


def _user_horizon(
    key: str, summaries: tuple[UsageSummary, ...], tool_horizon: int | None
) -> int | None:
    """History kept by the activity sources that listed this user; ``None`` if one keeps it all.

    A user listed only by sources that report no activity inherits the tool's horizon (their absence
    from the activity sources is what makes them never-active).
    """
    horizons = [s.horizon for s in summaries if s.tracked and key in s.last]
    if not horizons:
        return tool_horizon
    if None in horizons:
        return None
    return max(h for h in horizons if h is not None)


def _union(sets: list[frozenset[str]]) -> frozenset[str]:
    if not sets:
        return frozenset()
    if len(sets) == 1:
        return sets[0]
    return frozenset().union(*sets)


def merge_users(
    usages: list[tuple[str, AppUsage]],
    as_of: dt.datetime,
    window_days: int,
    summary_cache: dict[int, UsageSummary | None] | None = None,
) -> UsageFigures:
    """Merge accounts across sources by e-mail and compute the user-based figures in docs/methodology.md.

    A user's ``last_active`` is the latest activity any source reports, so "active in the window"
    is "active in the window in at least one source": a union of per-app sets, no per-user merge.
    """
    cutoff = as_of - dt.timedelta(days=window_days)
    cache = summary_cache if summary_cache is not None else {}
    seats_used: list[tuple[str, int]] = []
    purchased: list[tuple[str, int]] = []
    reported: list[tuple[str, int]] = []
    features: list[FeatureRow] = []
    summaries: list[UsageSummary] = []
    for source, usage in usages:
        if usage.active_users_reported is not None and usage.accounts is None:
            reported.append((source, usage.active_users_reported))
        if usage.seats_purchased is not None:
            purchased.append((source, usage.seats_purchased))
        if usage.seats_used is not None:
            seats_used.append((source, usage.seats_used))
        for feature in usage.features or ():
            features.append(
                FeatureRow(
                    source, feature.feature, feature.active_users, feature.events, feature.last_used
                )
            )
        if id(usage) not in cache:
            cache[id(usage)] = summarize(source, usage)
        summary = cache[id(usage)]
        if summary is not None:
            summaries.append(summary)

    frozen = tuple(summaries)
    activity = [s for s in summaries if s.tracked]
    activity_known = bool(activity)
    tool_horizon: int | None = None
    if activity and all(s.horizon is not None for s in activity):
        tool_horizon = max(s.horizon for s in activity if s.horizon is not None)

    evidence: dict[str, str] = {}
    active_keys: frozenset[str] | None = frozenset()
    active: int | None = None
    never: int | None = None
    never_horizon: int | None = None
    assigned_keys = _union([s.assigned for s in summaries])
    departed: frozenset[str] = frozenset()
    if activity_known:
        active_keys = _union([s.active_since(cutoff) for s in summaries])
        if assigned_keys:
            # Active users hold a seat at T; where no source reports assignment, activity alone
            # counts. Someone active in the window who has since lost the seat is listed apart.
            departed = active_keys - assigned_keys
            if departed:
                active_keys = active_keys - departed
        active = len(active_keys)
        never_keys = assigned_keys - _union([s.dated for s in summaries])
        never = len(never_keys)
        if never_keys:
            if len(activity) == 1 and len(summaries) == 1:
                horizons: list[int | None] = [tool_horizon]
            else:
                horizons = [_user_horizon(key, frozen, tool_horizon) for key in never_keys]
            if None not in horizons:
                never_horizon = min(h for h in horizons if h is not None)
        where = ", ".join(dict.fromkeys(s.source for s in activity))
        evidence["active_users"] = (
            f"users holding a seat with activity since {cutoff.date().isoformat()} "
            f"({window_days}-day window) in {where}"
        )
        if departed:
            evidence["departed_active"] = (
                f"{len(departed)} active in the window without a seat at {as_of.date().isoformat()}"
                " (not counted)"
            )
        evidence["never_active_users"] = f"assigned users with no activity on record in {where}"
    elif reported:
        # Count-only sources (the ``manual`` plugin): a number, no names, so no never-active
        # count and no usage overlap.
        source, active = max(reported, key=lambda item: item[1])
        active_keys = None
        activity_known = True
        evidence["active_users"] = f"{source}: reported count of users active in the window"
    else:
        evidence["active_users"] = "unknown: no source of this tool reports activity"

    assigned: int | None = None
    if summaries:
        assigned = len(assigned_keys)
        where = ", ".join(dict.fromkeys(s.source for s in summaries))
        evidence["seats_assigned"] = (
            f"distinct assigned users in {where} (suspended/deactivated excluded)"
        )
    elif seats_used:
        source, assigned = max(seats_used, key=lambda item: item[1])
        evidence["seats_assigned"] = f"{source}: vendor-reported used seats"
    purchased_api: int | None = None
    if purchased:
        source, purchased_api = max(purchased, key=lambda item: item[1])
        evidence["seats_purchased_api"] = f"{source}: vendor-reported purchased seats"
    return UsageFigures(
        activity_known=activity_known,
        active_users=active,
        active_keys=active_keys,
        seats_assigned=assigned,
        seats_purchased_api=purchased_api,
        never_active_users=never,
        history_horizon_days=tool_horizon,
        never_active_horizon_days=never_horizon,
        features=tuple(features),
        evidence=evidence,
        departed_active=tuple(sorted(departed)),
        summaries=frozen,
        cutoff=cutoff,
    )


def build_user_rows(figures: UsageFigures) -> tuple[UserRow, ...]:
    """``UserRow`` objects for the detail screen: most recent first, never-active last.

    Called lazily (``ToolFigures.users``) for the one tool a screen shows.
    """
    cutoff = figures.cutoff
    tool_horizon = figures.history_horizon_days
    last_by_key = figures.merged_last()
    departed = frozenset(figures.departed_active)
    merged: dict[str, list[Any]] = {}
    for summary in figures.summaries:
        source = summary.source
        for account in summary.usage.accounts or ():
            key = account.email or f"{source}:{account.id}"
            row = merged.get(key)
            if row is None:
                # email, name, last source, kind, assigned, guest, sources
                row = merged[key] = [account.email, account.name, None, None, False, False, []]
            if row[1] is None and account.name:
                row[1] = account.name
            when = account.last_active
            if when is not None and when == last_by_key.get(key) and row[2] is None:
                row[2] = source
                row[3] = account.activity_kind
            if account.assigned and (account.status is _ACTIVE or account.status is _INVITED):
                row[4] = True
            if account.guest:
                row[5] = True
            if source not in row[6]:
                row[6].append(source)
    rows: list[UserRow] = []
    for key, (email, name, last_source, kind, assigned, guest, sources) in merged.items():
        last = last_by_key.get(key)
        if not figures.activity_known:
            status = "unknown"
        elif last is None:
            status = "never_active"
        elif last >= cutoff:
            status = "departed_active" if key in departed else "active"
        else:
            status = "inactive"
        horizon = None
        if last is None and figures.activity_known:
            horizon = _user_horizon(key, figures.summaries, tool_horizon)
        rows.append(
            UserRow(
                key=key,
                email=email,
                name=name,
                last_active=last,
                last_active_source=last_source,
                activity_kind=str(kind) if kind is not None else None,
                status=status,  # type: ignore[arg-type]
                assigned=assigned,
                guest=guest,
                sources=tuple(sources),
                horizon_days=horizon,
            )
        )
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    rows.sort(
        key=lambda row: (row.last_active is None, -(row.last_active or epoch).timestamp(), row.key)
    )
    return tuple(rows)


def history_note(horizon_days: int | None, activity_known: bool) -> str | None:
    """How never-active users should be described (the UI states the horizon)."""
    if not activity_known:
        return None
    if horizon_days is None:
        return "never active: no activity on record"
    return f"no activity on record in the last {horizon_days} days"


@dataclass(frozen=True)
class CostFigures:
    annual_cost: float | None
    currency: str | None
    fx_rate: float | None
    evidence: dict[str, str]


def fx_rate(config: ConfigFile, currency: str | None) -> float | None:
    """Rate from ``currency`` into the reporting currency, ``None`` if no rate is configured."""
    general = config.stacktrack
    if currency is None or currency == general.currency:
        return 1.0
    return general.fx.get(currency)


def check_fx(config: ConfigFile) -> None:
    """Raise ``ConfigError`` for a contract currency with no ``[stacktrack.fx]`` rate."""
    general = config.stacktrack
    for index, tool in enumerate(config.tools):
        contract = tool.contract
        if contract is None or fx_rate(config, contract.currency) is not None:
            continue
        raise ConfigError(
            f"tools[{index}] ({tool.id}): contract currency {contract.currency} has no rate into "
            f"{general.currency}; add it under [stacktrack.fx], e.g. {contract.currency} = 1.0."
        )


def cost_figures(config: ConfigFile, tool: ToolConfig) -> CostFigures:
    contract = tool.contract
    if contract is None:
        return CostFigures(None, None, None, {"annual_cost": "unknown: no contract in the config"})
    currency = contract.currency or config.stacktrack.currency
    rate = fx_rate(config, contract.currency)
    if rate is None:  # check_fx runs first; kept for callers that skip it
        raise ConfigError(
            f"tool {tool.id}: contract currency {currency} has no rate into "
            f"{config.stacktrack.currency} under [stacktrack.fx]."
        )
    cost = round(contract.annual_cost * rate, 2)
    if rate == 1.0:
        where = f"contract.annual_cost {contract.annual_cost:g} {currency}"
    else:
        where = (
            f"contract.annual_cost {contract.annual_cost:g} {currency} x {rate:g} "
            f"([stacktrack.fx] {currency})"
        )
    return CostFigures(cost, currency, rate, {"annual_cost": where})


def utilization(active: int | None, purchased: int | None, assigned: int | None) -> float | None:
    """``active / purchased``, else ``active / assigned``, else ``None``; not capped.

    Zero purchased seats is a known figure, not a missing one: no ratio can be stated, but a tool
    with active users on zero seats is flagged ``over_deployed`` by the analysis (never "unknown").
    """
    if active is None:
        return None
    if purchased:
        return active / purchased
    if purchased == 0:
        return None
    if assigned:
        return active / assigned
    return None


def cost_per_active_user(annual_cost: float | None, active: int | None) -> float | None:
    if annual_cost is None or not active:
        return None
    return annual_cost / active


def idle_spend(
    pricing: str | None, annual_cost: float | None, purchased: int | None, active: int | None
) -> float | None:
    """``max(0, purchased - active) * cost / purchased`` for per-seat contracts, else ``None``."""
    if pricing != "per_seat" or annual_cost is None or not purchased or active is None:
        return None
    return max(0, purchased - active) * annual_cost / purchased
