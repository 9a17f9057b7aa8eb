"""What the TUI shows, as plain data: built in worker threads from the store and the analysis.

``StackData`` is the TUI's only door to the database: each method opens the store in the calling
thread (sqlite connections stay in the thread that made them), reads, and closes. The overview reads
the current state plus the analysis (cost independent of history length); tool detail adds that
tool's per-run aggregates (``store.tool_trend``) and its users, which the screens page through.

The view rows below are deliberately flat so screens only format, and so tests can build them by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stacktrack.analysis.models import (
    Analysis,
    FeatureRow,
    Recommendation,
    SourceStatusRow,
    UserRow,
)
from stacktrack.config import LoadedConfig
from stacktrack.state import StackState
from stacktrack.store import Store, TrendPoint

VERDICTS = {
    "retire": "retire",
    "integrate_or_retire": "integrate-or-retire",
    "consolidate": "consolidate",
    "right_size": "right-size",
}
"""Recommendation action -> the verdict word shown beside a tool; no recommendation means keep."""


@dataclass(frozen=True)
class RecommendationRow:
    id: str
    action: str
    tool_id: str
    tool_name: str
    target_tool_id: str | None
    target_tool_name: str | None
    annual_savings: float | None
    confidence: str
    deadline: dt.date | None
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    status: str = "open"

    @property
    def verdict(self) -> str:
        return VERDICTS.get(self.action, self.action.replace("_", "-"))


@dataclass(frozen=True)
class SourceRow:
    source: str
    plugin: str
    status: str
    error: str | None
    last_success_at: dt.datetime | None
    in_latest_run: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolRow:
    id: str
    name: str
    owner: str | None
    category: str | None
    annual_cost: float | None
    seats_purchased: int | None
    seats_assigned: int | None
    active_users: int | None
    never_active_users: int | None
    utilization: float | None
    cost_per_active_user: float | None
    idle_spend: float | None
    integration_status: str
    flags: tuple[str, ...]
    renewal_date: dt.date | None
    notice_deadline: dt.date | None
    sources: tuple[str, ...]
    stale_days: int | None
    """Age of the oldest successful data among the tool's sources, in days at the run's clock;
    ``None`` when a source never succeeded (no data) or the tool has no source."""
    recommendation: RecommendationRow | None = None
    history_horizon_days: int | None = None

    @property
    def verdict(self) -> str:
        return self.recommendation.verdict if self.recommendation else "keep"

    @property
    def money_at_stake(self) -> float | None:
        return self.recommendation.annual_savings if self.recommendation else None


@dataclass(frozen=True)
class EdgeRow:
    tool_id: str
    other_id: str
    live: bool
    last_used: dt.datetime | None
    kind: str = ""


@dataclass(frozen=True)
class ShadowRow:
    source: str
    app: str
    active_users: int | None


@dataclass(frozen=True)
class Overview:
    as_of: dt.datetime | None
    run_id: int | None
    currency: str
    tools: list[ToolRow]
    recommendations: list[RecommendationRow]
    edges: list[EdgeRow]
    unmatched: list[ShadowRow]
    sources: list[SourceRow]
    categories: dict[str, str] = field(default_factory=dict)
    config_missing: bool = False

    @property
    def empty(self) -> bool:
        return self.config_missing or self.run_id is None

    @property
    def annual_spend(self) -> float | None:
        costs = [t.annual_cost for t in self.tools if t.annual_cost is not None]
        return sum(costs) if costs else None

    @property
    def idle_spend(self) -> float | None:
        idle = [t.idle_spend for t in self.tools if t.idle_spend is not None]
        return sum(idle) if idle else None

    @property
    def savings(self) -> float:
        """Savings of the open recommendations (accepted and dismissed ones are decided)."""
        return sum(r.annual_savings or 0.0 for r in self.recommendations if r.status == "open")

    @property
    def flagged(self) -> int:
        return sum(1 for t in self.tools if t.flags)

    def tool(self, tool_id: str) -> ToolRow | None:
        return next((t for t in self.tools if t.id == tool_id), None)


@dataclass(frozen=True)
class ToolDetail:
    tool: ToolRow
    trend: list[TrendPoint]
    users: Sequence[UserRow]
    """All users, most recently active first (never active last); screens page through them."""
    features: Sequence[FeatureRow]
    edges: list[EdgeRow]
    sources: list[SourceRow]
    active_window_days: int
    evidence: dict[str, str] = field(default_factory=dict)
    history_note: str | None = None
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        counts = {"active": 0, "inactive": 0, "never_active": 0, "unknown": 0}
        for user in self.users:
            if in_group(user, user.status):
                counts[user.status] += 1
        return counts


def in_group(user: UserRow, group: str) -> bool:
    """Inactive and never-active lists hold seat holders only (as the analysis counts them)."""
    if group == "all":
        return True
    return user.status == group and (user.assigned or group in ("active", "unknown"))


Analyzer = Callable[[LoadedConfig, StackState, dict[str, str]], Analysis]


def default_analyzer(
    config: LoadedConfig, state: StackState, rec_states: dict[str, str]
) -> Analysis:
    from stacktrack.analysis.analyze import analyze
    from stacktrack.catalog import load_catalog

    return analyze(config.file, state, load_catalog(), rec_states)


class StackData:
    """Reads the store and runs the analysis; every method is meant to run in a worker thread."""

    def __init__(
        self, config: LoadedConfig | None, db_path: Path, analyzer: Analyzer | None = None
    ) -> None:
        self.config = config
        self.db_path = db_path
        self.analyzer = analyzer or default_analyzer
        self._analysis: Analysis | None = None
        self._overview: Overview | None = None

    def _open(self) -> Store:
        return Store.open(self.db_path)

    # -- overview ------------------------------------------------------------------------------

    def load_overview(self) -> Overview:
        if self.config is None:
            self._overview = _empty_overview(config_missing=True)
            return self._overview
        currency = self.config.file.stacktrack.currency
        if not self.db_path.exists():
            self._overview = _empty_overview(currency=currency)
            return self._overview
        store = self._open()
        try:
            state = store.current_state()
            rec_states = store.recommendation_states()
        finally:
            store.close()
        if state.run_id is None:
            self._overview = _empty_overview(currency=currency)
            return self._overview
        self._analysis = self.analyzer(self.config, state, rec_states)
        self._overview = build_overview(self._analysis, rec_states)
        return self._overview

    # -- tool detail ---------------------------------------------------------------------------

    def load_detail(self, tool_id: str) -> ToolDetail:
        if self._overview is None or self._analysis is None:
            self.load_overview()
        assert self._overview is not None and self._analysis is not None
        row = self._overview.tool(tool_id)
        if row is None:
            raise KeyError(tool_id)
        figures = self._analysis.tool(tool_id)
        store = self._open()
        try:
            trend = store.tool_trend(tool_id)
        finally:
            store.close()
        edges = [e for e in self._overview.edges if tool_id in (e.tool_id, e.other_id)]
        sources = [_source_row(s) for s in figures.sources]
        return ToolDetail(
            tool=row,
            trend=trend,
            users=figures.users,
            features=figures.features,
            edges=edges,
            sources=sources,
            active_window_days=figures.active_window_days,
            evidence=dict(figures.evidence),
            history_note=figures.history_note,
            notes=figures.notes,
        )

    # -- actions -------------------------------------------------------------------------------

    def set_recommendation_state(self, rec_id: str, status: str) -> None:
        store = self._open()
        try:
            store.set_recommendation_state(rec_id, status)
        finally:
            store.close()

    def export_recommendations(self, path: Path) -> int:
        """Write the recommendations CSV (SPEC §8) through the export module; returns the row count."""
        from stacktrack.report import export

        # Re-read so the file carries the statuses the user just set.
        self.load_overview()
        assert self._analysis is not None
        analysis = self._analysis
        export.atomic_write(
            path,
            lambda stream: export.write_recommendations_csv(
                analysis.recommendations, analysis.tools, analysis.currency, stream
            ),
        )
        return len(analysis.recommendations)


# -- building the view from the analysis ---------------------------------------------------------


def _empty_overview(*, config_missing: bool = False, currency: str = "USD") -> Overview:
    return Overview(None, None, currency, [], [], [], [], [], config_missing=config_missing)


def _recommendation(rec: Recommendation, names: dict[str, str]) -> RecommendationRow:
    target = rec.target_tool_id
    return RecommendationRow(
        id=rec.id,
        action=rec.action,
        tool_id=rec.tool_id,
        tool_name=names.get(rec.tool_id, rec.tool_id),
        target_tool_id=target,
        target_tool_name=names.get(target, target) if target else None,
        annual_savings=rec.annual_savings,
        confidence=rec.confidence,
        deadline=rec.deadline,
        reason=rec.reason,
        evidence=dict(rec.evidence),
        status=rec.status,
    )


def _source_row(s: SourceStatusRow) -> SourceRow:
    return SourceRow(
        s.source, s.plugin or "", s.status, s.error, s.last_success_at, s.in_latest_run, s.notes
    )


def build_overview(analysis: Analysis, rec_states: dict[str, str] | None = None) -> Overview:
    names = {t.id: t.name for t in analysis.tools}
    recs = [_recommendation(r, names) for r in analysis.recommendations]
    by_tool = {r.tool_id: r for r in recs}
    sources: dict[str, SourceRow] = {}
    tools = []
    for figures in analysis.tools:
        for source in figures.sources:
            sources.setdefault(source.source, _source_row(source))
        tools.append(
            ToolRow(
                id=figures.id,
                name=figures.name,
                owner=figures.owner,
                category=figures.category,
                annual_cost=figures.annual_cost,
                seats_purchased=figures.seats_purchased,
                seats_assigned=figures.seats_assigned,
                active_users=figures.active_users,
                never_active_users=figures.never_active_users,
                utilization=figures.utilization,
                cost_per_active_user=figures.cost_per_active_user,
                idle_spend=figures.idle_spend,
                integration_status=figures.integration_status,
                flags=figures.flags,
                renewal_date=figures.renewal_date,
                notice_deadline=figures.notice_deadline,
                sources=tuple(s.source for s in figures.sources),
                stale_days=_stale_days(analysis.as_of, figures.sources),
                recommendation=by_tool.get(figures.id),
                history_horizon_days=figures.history_horizon_days,
            )
        )
    edges = [
        EdgeRow(
            e.a,
            e.b,
            e.live,
            e.last_used,
            ", ".join(sorted({f"{v.source}:{v.kind}" for v in e.evidence})),
        )
        for e in analysis.edges
    ]
    unmatched = [ShadowRow(u.source, u.app, u.active_users) for u in analysis.unmatched_apps]
    return Overview(
        as_of=analysis.as_of,
        run_id=analysis.run_id,
        currency=analysis.currency,
        tools=tools,
        recommendations=recs,
        edges=edges,
        unmatched=unmatched,
        sources=sorted(sources.values(), key=lambda s: s.source),
        categories={t.id: t.category or "uncategorised" for t in analysis.tools},
    )


def _stale_days(as_of: dt.datetime, sources: Sequence[SourceStatusRow]) -> int | None:
    """Age in days of the oldest successful data among the sources; ``None`` if one has none."""
    if not sources:
        return None
    ages = []
    for source in sources:
        if source.last_success_at is None:
            return None
        ages.append((as_of - source.last_success_at).days)
    return max(ages)
