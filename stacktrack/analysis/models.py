"""The results of the analysis: plain frozen dataclasses the CLI, the TUI and the exporters read.

Built by ``stacktrack.analysis.analyze.analyze``; nothing here computes or formats. ``None`` always means
"unknown" (docs/methodology.md: unknown is never shown as 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

IntegrationStatus = Literal["connected", "isolated", "unknown"]
UserStatus = Literal["active", "inactive", "never_active", "unknown", "departed_active"]
"""``unknown``: no source of the tool reports activity; ``departed_active``: active in the window
but holding no seat at T (listed, not counted as active)."""
Action = Literal["retire", "integrate_or_retire", "consolidate", "right_size", "downgrade"]
Verdict = Literal[
    "keep", "right_size", "consolidate", "integrate_or_retire", "retire", "downgrade", "needs_data"
]
"""A tool's verdict: the action of its recommendation in the plan, else ``keep`` when its usage is
known, else ``needs_data`` (docs/methodology.md, "Verdicts")."""
Confidence = Literal["high", "medium", "low"]
RecStatus = Literal["open", "accepted", "dismissed"]

FLAGS = (
    "pilot_theatre",
    "low_utilization",
    "over_deployed",
    "renewal_soon",
    "overdue",
    "no_usage_data",
    "stale_integration",
    "stale_data",
)
"""Every flag a tool can carry (docs/reference.md), in display order."""


@dataclass(frozen=True, slots=True)
class UserRow:
    """One person's use of one tool, merged across the tool's sources (docs/methodology.md)."""

    key: str
    """Lowercased e-mail, else ``source:account_id``."""
    email: str | None
    name: str | None
    last_active: dt.datetime | None
    """Latest activity any source reports for this tool; ``None`` = none on record."""
    last_active_source: str | None
    """The source whose record gave ``last_active``."""
    activity_kind: str | None
    status: UserStatus
    assigned: bool
    """Holds a seat or an app assignment in at least one source (suspended/deactivated excluded)."""
    guest: bool
    sources: tuple[str, ...]
    """Every source that listed this user for the tool."""
    horizon_days: int | None
    """For a user with no activity on record: the history every source that saw them keeps, when
    all of them keep a limited history ("no activity on record in 90 days"); ``None`` = "never"."""


@dataclass(frozen=True, slots=True)
class FeatureRow:
    source: str
    feature: str
    active_users: int | None
    events: int | None
    last_used: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FeatureUse:
    """One feature of a tool: entitled, observed, or both, merged across the tool's sources.

    docs/methodology.md, "Features and capability utilization", defines every field.
    """

    key: str
    """The catalog's feature key, else the vendor's own name (an unmapped feature)."""
    name: str | None
    """The catalog's display name, else the vendor's."""
    vendor_name: str | None
    """What the vendor calls it (``"Sales Cloud Einstein"``), when a source said."""
    entitled: bool
    """The contract pays for it (contract features, the catalog's tier, or an add-on)."""
    addon: bool
    """Bought as a ``[[tools.contract.addons]]`` entry."""
    sets_tier_apart: bool
    """The contract's tier adds it over the tier below (a downgrade would lose it)."""
    measured: bool
    """A source reported a count or a last use for it."""
    used: bool | None
    """Any use in the window; ``None`` when not measured."""
    active_users: int | None
    events: int | None
    last_used: dt.datetime | None
    seats_purchased: int | None
    """Add-on seats as the vendor reports them (the contract's add-on seats are on ``AddonFigures``)."""
    seats_assigned: int | None
    source: str | None
    """The source(s) that reported it, comma-separated."""
    every_user: bool | None
    """The source counts every user's use of it (``True``), only part (``False``), or did not say."""


@dataclass(frozen=True, slots=True)
class AddonFigures:
    """A paid add-on (``[[tools.contract.addons]]``) and how many of its seats are used."""

    feature: str
    name: str | None
    annual_cost: float | None
    """In the reporting currency; ``None`` when the config gives no price."""
    seats_purchased: int | None
    """The add-on's ``seats`` in the config, else the vendor's count."""
    seats_from: str | None
    """``contract`` | ``api`` | ``None`` (unknown)."""
    seats_assigned: int | None
    active_users: int | None
    utilization: float | None
    """``active_users / seats_purchased``, else ``/ seats_assigned``; ``None`` if unknown."""
    measured: bool
    used: bool | None
    every_user: bool | None
    source: str | None


@dataclass(frozen=True)
class FeatureFigures:
    """A tool's capability figures (docs/methodology.md, "Features and capability utilization")."""

    entitled: frozenset[str] | None
    """Feature keys the contract pays for; ``None`` = unknown."""
    used: frozenset[str] | None
    """Entitled features with any use in the window; ``None`` when entitled is unknown."""
    measured: frozenset[str] | None
    """Entitled features some source observes; ``None`` when entitled is unknown."""
    capability_utilization: float | None
    """``|used| / |measured|``; ``None`` when nothing entitled is measured."""
    rows: tuple[FeatureUse, ...]
    """Entitled and observed features: unused paid ones first, then used, unmeasured, extra."""
    addons: tuple[AddonFigures, ...]
    tier: str | None
    """``contract.tier`` (lowercased)."""
    lower_tier: str | None
    """The catalog's tier below ``tier``; ``None`` when it is the lowest or unknown."""
    tier_features: frozenset[str] | None
    """What ``tier`` adds over ``lower_tier`` (what sets the tier apart); ``None`` if unknown."""
    downgrade_annual_cost: float | None
    """``contract.downgrade_annual_cost`` in the reporting currency."""
    observes_every_user: bool | None
    """Every measured entitled feature is counted for every user (``True``), some only in part
    (``False``), or a source did not say (``None``)."""
    evidence: dict[str, str] = field(default_factory=dict)

    @property
    def features_used(self) -> int | None:
        return None if self.used is None else len(self.used)

    @property
    def features_measured(self) -> int | None:
        return None if self.measured is None else len(self.measured)


@dataclass(frozen=True, slots=True)
class VolumeFigures:
    """One tool's plan volume used against included, for one usage period (docs/methodology.md,
    "Plan volume")."""

    metric: str
    """``mtu`` (monthly tracked users) or ``api_calls``."""
    used: int | None
    """The source's latest cumulative count for the period; ``None`` = not reported."""
    included: int | None
    """``contract.plan_volume``; ``None`` = the config gives none."""
    utilization: float | None
    """``used / included``; above 1 past the plan's volume; ``None`` when either is unknown."""
    period_start: dt.date | None
    period_end: dt.date | None
    as_of: dt.datetime | None
    """When the source stamped ``used`` (its latest counted day)."""
    source: str | None
    """The source that reported ``used``."""


@dataclass(frozen=True, slots=True)
class SourceStatusRow:
    """How one of a tool's sources fared (docs/reference.md, ``sources``)."""

    source: str
    plugin: str | None
    status: str
    """``ok`` | ``failed`` | ``never_run``."""
    error: str | None
    last_success_at: dt.datetime | None
    in_latest_run: bool
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EdgeEvidence:
    source: str
    """The source that saw the connection (``config`` for ``integrates_with``)."""
    app: str
    """The name the source used for the other end."""
    kind: str
    last_used: dt.datetime | None
    use_count: int | None


@dataclass(frozen=True, slots=True)
class Edge:
    """An integration between two configured tools (docs/methodology.md)."""

    a: str
    """Tool id; for a one-way flow, data goes from ``a`` to ``b``."""
    b: str
    bidirectional: bool
    live: bool
    """Last use within ``integration_window_days``, or unknown."""
    last_used: dt.datetime | None
    """Latest known use across the evidence; ``None`` = unknown."""
    evidence: tuple[EdgeEvidence, ...]

    def other(self, tool_id: str) -> str:
        return self.b if tool_id == self.a else self.a

    @property
    def stale(self) -> bool:
        return not self.live


@dataclass(frozen=True, slots=True)
class IntegrationRow:
    """One edge as seen from one tool (tool detail screen)."""

    tool_id: str
    """The other end."""
    direction: Literal["in", "out", "both"]
    """``in``: the other tool feeds this one."""
    live: bool
    last_used: dt.datetime | None
    evidence: tuple[EdgeEvidence, ...]


@dataclass(frozen=True, slots=True)
class UnmatchedApp:
    """An app a directory or an integration source saw that no configured tool matches (shadow IT)."""

    source: str
    app: str
    active_users: int | None
    product: str | None = None
    """The catalog key the name matches, when it is a known product (shows its category)."""


@dataclass(frozen=True)
class ToolFigures:
    """The figures of one tool (docs/methodology.md), plus what the detail screen shows."""

    id: str
    name: str
    owner: str | None
    category: str | None
    product: str | None
    capabilities: frozenset[str]
    annual_cost: float | None
    """In the reporting currency."""
    contract_currency: str | None
    fx_rate: float | None
    """Rate applied to the contract's ``annual_cost`` (1.0 when already in the reporting currency)."""
    pricing: str | None
    seats_purchased: int | None
    seats_assigned: int | None
    active_users: int | None
    never_active_users: int | None
    utilization: float | None
    cost_per_active_user: float | None
    idle_spend: float | None
    integration_status: IntegrationStatus
    integrations: tuple[str, ...]
    """Tool ids of live edges."""
    flags: tuple[str, ...]
    renewal_date: dt.date | None
    notice_deadline: dt.date | None
    start_date: dt.date | None
    first_seen: dt.datetime | None
    age_days: int | None
    """Days since ``start_date``, else since first seen (pilot grace period)."""
    active_window_days: int
    sources: tuple[SourceStatusRow, ...]
    history_horizon_days: int | None
    """When every source with activity for this tool keeps limited history, the longest of them."""
    history_note: str | None
    """Plain words for the never-active users: "no activity on record in the last 90 days" when
    every one of them was seen only by sources keeping limited history (the shortest such horizon),
    else "never active: no activity on record"; ``None`` when activity is unknown."""
    features: tuple[FeatureRow, ...]
    integration_rows: tuple[IntegrationRow, ...]
    evidence: dict[str, str]
    """Figure name -> where it came from (source and field, or config key)."""
    notes: tuple[str, ...] = ()
    feature_figures: FeatureFigures | None = None
    """Entitled, measured and used features, add-ons (``None`` only for hand-built figures)."""
    data_as_of: dt.datetime | None = None
    """The age of the data the figures rest on: the oldest of the sources' latest successful
    observations (``None`` when no source has succeeded yet)."""
    days_to_notice: int | None = None
    """Days from today's wall-clock date to ``notice_deadline``; negative once it has passed."""
    departed_active: tuple[str, ...] = ()
    """Users active in the window who no longer hold a seat (listed, not counted as active)."""
    verdict: Verdict = "keep"
    """Set by the plan (``analysis.plan``) once every recommendation is settled."""
    verdict_reason: str | None = None
    """Why: for ``needs_data``, which source would tell; else the plan's one-line reason."""
    volume: VolumeFigures | None = None
    """Plan volume used against included (docs/methodology.md, "Plan volume"); ``None`` when the
    contract names none and no source reports one."""
    user_rows_factory: Callable[[], tuple[UserRow, ...]] | None = field(
        default=None, repr=False, compare=False
    )
    """Builds ``users`` on first access (the analysis of 50,000 users must not build every row)."""

    @property
    def capability_utilization(self) -> float | None:
        """``|features used| / |features measured|``; ``None`` when unknown."""
        figures = self.feature_figures
        return figures.capability_utilization if figures is not None else None

    @cached_property
    def users(self) -> tuple[UserRow, ...]:
        """Every user, most recently active first; never-active users last."""
        return self.user_rows_factory() if self.user_rows_factory is not None else ()

    @property
    def overdue(self) -> bool:
        """The notice deadline has passed (by today's wall-clock date)."""
        return self.days_to_notice is not None and self.days_to_notice < 0

    @property
    def inactive_users(self) -> tuple[UserRow, ...]:
        return tuple(u for u in self.users if u.assigned and u.status == "inactive")

    @property
    def never_active(self) -> tuple[UserRow, ...]:
        return tuple(u for u in self.users if u.assigned and u.status == "never_active")


@dataclass(frozen=True)
class Recommendation:
    """One recommendation (docs/methodology.md)."""

    id: str
    action: Action
    tool_id: str
    target_tool_id: str | None
    annual_savings: float | None
    currency: str
    confidence: Confidence
    deadline: dt.date | None
    status: RecStatus
    reason: str
    evidence: dict[str, Any] = field(default_factory=dict)
    seats_after: int | None = None
    """Seats the tool keeps if the recommendation is carried out (0 when it goes away)."""
    depends_on: tuple[str, ...] = ()
    """Ids of the other recommendations this one was sized with (a consolidation and its target's
    right-size depend on each other); ``evidence["depends_on"]`` says it in words."""
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    decision_note: str | None = None


@dataclass(frozen=True)
class Overlap:
    """How far another tool could absorb this one (docs/methodology.md, "Consolidation")."""

    target_tool_id: str
    coverage: float
    """Share of this tool's capabilities the other one has."""
    shared_users: int | None
    """This tool's active users already active in the other one; ``None`` = unknown (counts only)."""
    share: float | None
    """``shared_users / active_users``; ``None`` when unknown or nobody is active."""
    proposed: bool
    """A consolidation into the other tool is a candidate (it may still lose to a better action)."""
    why_not: str | None = None


@dataclass(frozen=True)
class Totals:
    annual_spend: float
    """Sum of known annual costs (tools without a contract add nothing)."""
    idle_spend: float
    """Sum of known idle spend."""
    savings_on_table: float
    """Sum of the savings of open recommendations (accepted and dismissed ones are decided)."""
    savings_accepted: float
    net_savings: float
    """The plan's total: the savings of every recommendation not dismissed (open and accepted),
    each already net of the seats a consolidation target must add; no money is counted twice."""
    utilization: float | None
    """Stack-wide seat utilization: sum of active users / sum of seats (purchased, else assigned)
    over the tools whose utilization is known; ``None`` when none is."""
    utilization_tools: int
    """How many tools the stack-wide utilization covers."""
    overdue: int
    """Tools whose notice deadline has passed."""
    tools: int
    tools_flagged: int
    tools_without_cost: int
    """Tools whose annual cost is unknown (no contract): the spend totals leave them out."""
    capability_utilization: float | None = None
    """Sum of features used / sum of features measured over the tools that have a figure."""
    features_used: int = 0
    features_measured: int = 0
    tools_measured: int = 0
    """Tools with a capability figure: "N of M tools measured" (M = ``tools``)."""


@dataclass(frozen=True)
class Analysis:
    run_id: int | None
    as_of: dt.datetime
    currency: str
    tools: tuple[ToolFigures, ...]
    """In config order."""
    edges: tuple[Edge, ...]
    unmatched_apps: tuple[UnmatchedApp, ...]
    recommendations: tuple[Recommendation, ...]
    """Ordered: earliest deadline first, then the largest savings."""
    totals: Totals
    integration_aware_ran: bool
    """At least one integration-aware source succeeded in the latest run."""
    today: dt.date | None = None
    """The wall-clock date ``days_to_notice`` counts from."""
    overlaps: dict[str, tuple[Overlap, ...]] = field(default_factory=dict)
    """Tool id -> the tools covering its capabilities and how many of its users already use them
    (shown as information even when no consolidation is proposed)."""

    def tool(self, tool_id: str) -> ToolFigures:
        for figures in self.tools:
            if figures.id == tool_id:
                return figures
        raise KeyError(tool_id)

    def tools_by_id(self) -> dict[str, ToolFigures]:
        return {figures.id: figures for figures in self.tools}

    def recommendation_for(self, tool_id: str) -> Recommendation | None:
        for rec in self.recommendations:
            if rec.tool_id == tool_id:
                return rec
        return None
