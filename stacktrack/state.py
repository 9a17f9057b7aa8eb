"""What the analysis reads: the current state of every source, as the store reconstructs it.

``store.Store.current_state()`` builds a ``StackState``; ``analyze.analyze(config, state)`` turns it
into figures and recommendations. Keeping this boundary plain (no SQL, no I/O) lets the analysis be
tested with hand-made states and lets the store change its tables freely.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from stacktrack.plugin_api import Observation

SourceStatus = Literal["ok", "failed", "never_run"]


@dataclass(frozen=True)
class Decision:
    """A person's decision on a recommendation, kept across runs by its stable id."""

    status: str
    """``accepted`` | ``dismissed`` | ``open`` (reopened: still shown with who and when)."""
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    """The OS user who decided, or the name given with ``--by``."""
    note: str | None = None


@dataclass(frozen=True)
class SourceState:
    source: str
    plugin: str
    status: SourceStatus
    """Outcome of this source in the latest run that included it."""
    error: str | None = None
    """One-line reason when the latest attempt failed (already redacted)."""
    last_success_at: dt.datetime | None = None
    """Clock time of the latest run in which this source succeeded."""
    observation: Observation | None = None
    """The latest successful observation; stays available when a later attempt failed."""
    notes: tuple[str, ...] = ()
    """Degradations the plugin reported in its latest successful run."""
    integration_aware: bool = False
    """The latest successful observation carried integration data (``AppUsage.integrations``)."""
    in_latest_run: bool = False
    """This source was attempted in the latest run (``--source`` can leave sources out)."""


@dataclass(frozen=True)
class StackState:
    run_id: int | None
    """The latest run, or ``None`` for an empty database."""
    as_of: dt.datetime
    """The latest run's clock: T in docs/methodology.md (simulated in the sandbox)."""
    sources: dict[str, SourceState] = field(default_factory=dict)
    tool_first_seen: dict[str, dt.datetime] = field(default_factory=dict)
    """When each tool first had observations; the pilot grace period counts from here."""
    checked_at: dt.datetime | None = None
    """"Now" on the run clock: the latest attempted run's clock plus the wall time since it began
    (a failed run moves this, not ``as_of``). Data older than a week by it is stale; ``None``
    (hand-made states) means ``as_of``."""
