"""What the TUI shows: the analysis results themselves, read in worker threads from the store.

``StackData`` is the TUI's only door to the database: each method opens the store in the calling
thread (sqlite connections stay in the thread that made them), reads, and closes. The overview is
the ``Analysis`` of the current state (cost independent of history length); tool detail adds that
tool's per-run aggregates (``store.tool_trend``). Screens read ``ToolFigures``, ``Recommendation``,
``Edge`` and ``Totals`` exactly as ``report`` and ``export`` do: no copies, no second sums. What is
here only derives view facts the analysis does not state (a tool's verdict word, its data age).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stacktrack.analysis.models import (
    Analysis,
    Edge,
    Recommendation,
    SourceStatusRow,
    ToolFigures,
    Totals,
    UnmatchedApp,
    UserRow,
)
from stacktrack.config import LoadedConfig
from stacktrack.state import Decision, StackState
from stacktrack.store import Store, TrendPoint

_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)

VERDICTS = {
    "keep": "keep",
    "retire": "retire",
    "integrate_or_retire": "integrate-or-retire",
    "consolidate": "consolidate",
    "right_size": "right-size",
    "downgrade": "downgrade",
    "needs_data": "needs data",
}
"""The analysis's verdict (or a recommendation's action) -> the word shown."""


def verdict_word(rec: Recommendation | None) -> str:
    if rec is None:
        return "keep"
    return VERDICTS.get(rec.action, rec.action.replace("_", "-"))


@dataclass(frozen=True)
class Overview:
    """The loaded analysis, or why there is none (no config, no database, no run yet)."""

    analysis: Analysis | None
    currency: str = "USD"
    config_missing: bool = False
    _recs: dict[str, Recommendation] = field(default_factory=dict, repr=False, compare=False)
    _tools: dict[str, ToolFigures] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.analysis is not None:
            self._tools.update(self.analysis.tools_by_id())
            for rec in self.analysis.recommendations:  # the analysis makes one per tool
                self._recs.setdefault(rec.tool_id, rec)

    @property
    def empty(self) -> bool:
        return self.analysis is None

    @property
    def as_of(self) -> dt.datetime | None:
        return self.analysis.as_of if self.analysis else None

    @property
    def run_id(self) -> int | None:
        return self.analysis.run_id if self.analysis else None

    @property
    def tools(self) -> tuple[ToolFigures, ...]:
        return self.analysis.tools if self.analysis else ()

    @property
    def recommendations(self) -> tuple[Recommendation, ...]:
        return self.analysis.recommendations if self.analysis else ()

    @property
    def edges(self) -> tuple[Edge, ...]:
        return self.analysis.edges if self.analysis else ()

    @property
    def unmatched(self) -> tuple[UnmatchedApp, ...]:
        return self.analysis.unmatched_apps if self.analysis else ()

    @property
    def totals(self) -> Totals | None:
        return self.analysis.totals if self.analysis else None

    @property
    def sources(self) -> list[SourceStatusRow]:
        """Every source of any tool, once, by name."""
        found: dict[str, SourceStatusRow] = {}
        for tool in self.tools:
            for source in tool.sources:
                found.setdefault(source.source, source)
        return sorted(found.values(), key=lambda s: s.source)

    def tool(self, tool_id: str) -> ToolFigures | None:
        return self._tools.get(tool_id)

    def name(self, tool_id: str | None) -> str:
        tool = self._tools.get(tool_id or "")
        return tool.name if tool else (tool_id or "")

    def recommendation(self, tool_id: str) -> Recommendation | None:
        return self._recs.get(tool_id)

    def verdict(self, tool_id: str) -> str:
        """The analysis's verdict for the tool, in words (``needs data`` when usage is unknown)."""
        tool = self._tools.get(tool_id)
        if tool is None:
            return verdict_word(self._recs.get(tool_id))
        return VERDICTS.get(tool.verdict, tool.verdict.replace("_", "-"))

    def money_at_stake(self, tool_id: str) -> float | None:
        rec = self._recs.get(tool_id)
        return rec.annual_savings if rec else None

    def stale_days(self, tool_id: str) -> int | None:
        """Age in whole days, at the latest run's clock, of the data the tool's figures rest on
        (the analysis's ``data_as_of``); ``None`` when no source has succeeded yet."""
        tool = self._tools.get(tool_id)
        if tool is None or self.analysis is None or tool.data_as_of is None:
            return None
        return max(0, (self.analysis.as_of - tool.data_as_of).days)

    def failed_sources(self, tool_id: str) -> list[str]:
        tool = self._tools.get(tool_id)
        return [s.source for s in tool.sources if s.status == "failed"] if tool else []


@dataclass(frozen=True)
class ToolDetail:
    figures: ToolFigures
    trend: list[TrendPoint]
    users: Sequence[UserRow]
    """All users, most recently active first (never active last); screens page through them."""

    def counts(self) -> dict[str, int]:
        """Users per group (``user_group``); the groups add up to every user listed."""
        counts = dict.fromkeys(GROUPS[1:], 0)
        for user in self.users:
            group = user_group(user)
            counts[group] = counts.get(group, 0) + 1
        return counts


GROUPS = ("all", "active", "inactive", "never_active", "no_seat", "departed_active", "unknown")
"""``departed_active``: active in the window but holding no seat any more (listed by the
analysis, not counted as active)."""


def user_group(user: UserRow) -> str:
    """The user's status, except that someone neither active nor holding a seat (suspended,
    deactivated, unassigned) is ``no_seat``: the analysis counts inactive and never-active users
    among seat holders only, so the groups shown match its figures."""
    if user.status in ("inactive", "never_active") and not user.assigned:
        return "no_seat"
    return user.status


def in_group(user: UserRow, group: str) -> bool:
    return group == "all" or user_group(user) == group


@dataclass(frozen=True)
class ShadowUser:
    """One account of an app no tool matches, as a source listed it."""

    key: str
    name: str | None
    last_active: dt.datetime | None
    source: str


Analyzer = Callable[[LoadedConfig, StackState, Mapping[str, Decision]], Analysis]


def default_analyzer(
    config: LoadedConfig,
    state: StackState,
    decisions: Mapping[str, Decision],
    today: dt.date | None = None,
) -> Analysis:
    """``today`` is the date notice deadlines count from (the app's clock; the wall clock if not
    given)."""
    from stacktrack.analysis.analyze import analyze
    from stacktrack.catalog import load_catalog

    return analyze(config.file, state, load_catalog(), decisions, today=today)


class StackData:
    """Reads the store and runs the analysis; every method is meant to run in a worker thread."""

    def __init__(
        self,
        config: LoadedConfig | None,
        db_path: Path,
        analyzer: Analyzer | None = None,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.config = config
        self.db_path = db_path
        self.today = today
        self.analyzer: Analyzer = analyzer or self._analyze
        self._overview: Overview | None = None

    def _analyze(
        self, config: LoadedConfig, state: StackState, decisions: Mapping[str, Decision]
    ) -> Analysis:
        return default_analyzer(config, state, decisions, self.today() if self.today else None)

    def _open(self) -> Store:
        return Store.open(self.db_path)

    # -- overview ------------------------------------------------------------------------------

    def load_overview(self) -> Overview:
        if self.config is None:
            self._overview = Overview(None, config_missing=True)
            return self._overview
        currency = self.config.file.stacktrack.currency
        if not self.db_path.exists():
            self._overview = Overview(None, currency)
            return self._overview
        store = self._open()
        try:
            state = store.current_state()
            decisions = store.decisions()
        finally:
            store.close()
        if state.run_id is None:
            self._overview = Overview(None, currency)
            return self._overview
        self._overview = Overview(self.analyzer(self.config, state, decisions), currency)
        return self._overview

    # -- tool detail ---------------------------------------------------------------------------

    def load_detail(self, tool_id: str) -> ToolDetail:
        if self._overview is None or self._overview.analysis is None:
            self.load_overview()
        assert self._overview is not None
        figures = self._overview.tool(tool_id)
        if figures is None:
            raise KeyError(tool_id)
        store = self._open()
        try:
            trend = store.tool_trend(tool_id)
        finally:
            store.close()
        return ToolDetail(figures=figures, trend=trend, users=figures.users)

    # -- shadow IT -----------------------------------------------------------------------------

    def shadow_users(self, app: str, sources: Sequence[str]) -> list[ShadowUser]:
        """The accounts the given sources list under this app name (case and spaces ignored),
        most recently active first."""
        wanted = app.strip().casefold()
        store = self._open()
        try:
            state = store.current_state()
        finally:
            store.close()
        users: dict[str, ShadowUser] = {}
        for name in sources:
            source = state.sources.get(name)
            observation = source.observation if source else None
            for usage in observation.apps if observation else ():
                if (usage.app or "").strip().casefold() != wanted:
                    continue
                for account in usage.accounts or ():
                    key = account.email or f"{name}:{account.id}"
                    known = users.get(key)
                    if known is None or (account.last_active or _EPOCH) > (
                        known.last_active or _EPOCH
                    ):
                        users[key] = ShadowUser(key, account.name, account.last_active, name)
        return sorted(
            users.values(),
            key=lambda u: (u.last_active is None, -(u.last_active or _EPOCH).timestamp(), u.key),
        )

    # -- actions -------------------------------------------------------------------------------

    def set_recommendation_state(self, rec_id: str, status: str, note: str | None = None) -> None:
        """Record a decision (who: the OS user; when: now); ``note=None`` keeps the recorded
        note, ``""`` clears it."""
        store = self._open()
        try:
            store.set_decision(rec_id, status, note=note)
        finally:
            store.close()

    def export_recommendations(self, path: Path) -> int:
        """Write the recommendations CSV (docs/reference.md) through the export module."""
        from stacktrack.report import export

        # Re-read so the file carries the statuses the user just set.
        analysis = self.load_overview().analysis
        if analysis is None:
            raise ValueError("no snapshot to export yet")
        export.atomic_write(
            path,
            lambda stream: export.write_recommendations_csv(
                analysis.recommendations, analysis.tools, analysis.currency, stream
            ),
        )
        return len(analysis.recommendations)
