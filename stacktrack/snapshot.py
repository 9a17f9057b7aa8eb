"""The snapshot engine: runs every configured source concurrently and stores each result atomically.

Called by ``stacktrack snapshot``, the TUI's snapshot action and the sandbox demo. Each source gets its
own client, time budget and error handling, so one failing source never affects another; each result is
written in its own transaction as soon as it arrives. Exit status: 0 all stored, 3 some
failed, 4 all failed (75, another snapshot running, is raised as ``SnapshotLocked``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx
from pydantic import ValidationError

from stacktrack.config import LoadedConfig
from stacktrack.errors import PluginError, UsageError
from stacktrack.gc_pause import gc_paused
from stacktrack.http import build_client, redact
from stacktrack.lock import snapshot_lock
from stacktrack.pacing import RateGate
from stacktrack.plugin_api import CollectContext, LocalPlugin, Observation, printable
from stacktrack.store import Store, ToolAggregate

if TYPE_CHECKING:
    from stacktrack.analysis.models import ToolFigures

log = logging.getLogger("stacktrack.snapshot")

EventKind = Literal["started", "progress", "finished", "failed"]


@dataclass(frozen=True)
class SnapshotEvent:
    source: str
    kind: EventKind
    message: str = ""


@dataclass(frozen=True)
class SourceOutcome:
    source: str
    plugin: str
    status: Literal["ok", "failed"]
    error: str | None
    error_kind: str | None
    counts: dict[str, int]
    duration_s: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    as_of: dt.datetime
    status: Literal["ok", "partial", "failed"]
    exit_code: int
    sources: list[SourceOutcome] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "schema": "stacktrack.run/1",
            "run_id": self.run_id,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "exit_code": self.exit_code,
            "sources": [
                {
                    "source": o.source,
                    "plugin": o.plugin,
                    "status": o.status,
                    "error": o.error,
                    "error_kind": o.error_kind,
                    "counts": o.counts,
                    "duration_s": round(o.duration_s, 3),
                    "notes": list(o.notes),
                }
                for o in self.sources
            ],
        }


async def run_snapshot(
    config: LoadedConfig,
    *,
    only: list[str] | None = None,
    now: dt.datetime | None = None,
    transports: dict[str, httpx.AsyncBaseTransport] | None = None,
    on_event: Callable[[SnapshotEvent], None] | None = None,
) -> RunSummary:
    """Query the sources, store a run, return its summary. Raises ``SnapshotLocked``/``UsageError``."""
    names = _select_sources(config, only)
    emit = on_event or (lambda _event: None)
    clock = now or dt.datetime.now(dt.UTC)
    with snapshot_lock(config.db_path):
        store = await asyncio.to_thread(Store.open, config.db_path)
        try:
            return await _run(config, store, names, clock, transports or {}, emit)
        finally:
            store.close()


def _select_sources(config: LoadedConfig, only: list[str] | None) -> list[str]:
    configured = [*config.sources, *config.broken_sources]
    if not configured:
        raise UsageError(
            f"{config.path} defines no [sources.*]: there is nothing to snapshot. "
            "See config.example.toml, or run `stacktrack demo`."
        )
    if not only:
        return configured
    unknown = [name for name in only if name not in configured]
    if unknown:
        raise UsageError(
            f"--source {unknown[0]}: no such source in {config.path} "
            f"(configured: {', '.join(configured)})."
        )
    return list(dict.fromkeys(only))


async def _run(
    config: LoadedConfig,
    store: Store,
    names: list[str],
    clock: dt.datetime,
    transports: dict[str, httpx.AsyncBaseTransport],
    emit: Callable[[SnapshotEvent], None],
) -> RunSummary:
    wall = dt.datetime.now(dt.UTC)
    await asyncio.to_thread(store.mark_abandoned_runs)  # we hold the lock: no other run is alive
    run_id = await asyncio.to_thread(store.begin_run, clock, wall)
    secrets = config.secrets()
    write_lock = asyncio.Lock()  # one writer on the shared connection at a time
    gates: dict[str, RateGate] = {}  # vendor budgets shared by sources with the same account

    async def one(name: str) -> SourceOutcome:
        outcome = await _collect_one(
            config, name, clock, transports.get(name), emit, secrets, gates
        )
        async with write_lock:
            return await asyncio.to_thread(_store_outcome, store, run_id, outcome)

    outcomes: list[SourceOutcome] = []
    status: Literal["ok", "partial", "failed"] = "failed"
    exit_code = 4
    try:
        # Every page parsed leaves thousands of live models behind: the cyclic collector's full passes
        # over that growing heap took a fifth of a 50-source snapshot's event-loop thread (CPU
        # 9.3-10.5 s -> 7.4-8.6 s in bench/collect.py) and delayed every source's responses.
        with gc_paused():
            outcomes = list(await asyncio.gather(*(one(name) for name in names)))
        failed = sum(o.status == "failed" for o in outcomes)
        status, exit_code = (
            ("ok", 0)
            if failed == 0
            else ("failed", 4)
            if failed == len(outcomes)
            else ("partial", 3)
        )
        if failed < len(outcomes):
            await asyncio.to_thread(_store_aggregates, config, store, run_id, clock)
    finally:
        await asyncio.to_thread(
            store.finish_run, run_id, status, exit_code, dt.datetime.now(dt.UTC)
        )
    return RunSummary(run_id, clock, status, exit_code, outcomes)


@dataclass
class _Collected:
    outcome: SourceOutcome
    observation: Observation | None


async def _collect_one(
    config: LoadedConfig,
    name: str,
    clock: dt.datetime,
    transport: httpx.AsyncBaseTransport | None,
    emit: Callable[[SnapshotEvent], None],
    secrets: list[str],
    gates: dict[str, RateGate],
) -> _Collected:
    started = time.monotonic()
    plugin_cls = config.plugins.get(name)
    plugin_name = plugin_cls.name if plugin_cls else str(config.file.sources[name].plugin)

    def failed(message: str, kind: str) -> _Collected:
        message = printable(redact(message, secrets))  # vendor text: no terminal escapes
        emit(SnapshotEvent(name, "failed", message))
        return _Collected(
            SourceOutcome(
                name, plugin_name, "failed", message, kind, {}, time.monotonic() - started
            ),
            None,
        )

    if plugin_cls is None:
        return failed(
            config.broken_sources.get(name, "the plugin is not available"), "plugin_error"
        )
    if name in config.missing_secrets:
        return failed(config.missing_secrets[name], "authentication")
    settings = config.sources[name]
    plugin = plugin_cls(name, settings)
    emit(SnapshotEvent(name, "started", plugin_cls.title))
    ctx = CollectContext(
        source=name,
        now=clock,
        lookback_days=_lookback_days(config, name),
        config_dir=config.path.parent,
        progress=lambda message: emit(SnapshotEvent(name, "progress", redact(message, secrets))),
    )
    try:
        async with asyncio.timeout(settings.budget_seconds):
            if isinstance(plugin, LocalPlugin):  # files or config figures: no client
                observation = await plugin.collect(ctx)
            else:
                async with build_client(
                    plugin,
                    transport=transport,
                    on_retry=lambda message: emit(SnapshotEvent(name, "progress", message)),
                    gates=gates,
                ) as client:
                    observation = await plugin.collect(client, ctx)
    except TimeoutError:
        return failed(f"did not finish within its {settings.budget_seconds:g}s budget", "timeout")
    except PluginError as exc:
        return failed(exc.message, exc.kind)
    except ValidationError as exc:
        # the plugin mapped a vendor payload into an invalid core model: a bad response
        return failed(
            f"unexpected data from the vendor ({exc.error_count()} invalid fields)", "bad_response"
        )
    except httpx.HTTPError as exc:
        return failed(f"HTTP error: {type(exc).__name__}", "plugin_error")
    except Exception as exc:  # a plugin bug must not take the other sources down
        log.exception("plugin %s crashed", plugin_name)
        return failed(f"internal error in plugin {plugin_name}: {type(exc).__name__}", "internal")
    if not isinstance(observation, Observation):
        return failed(f"plugin {plugin_name} returned no observation", "internal")
    duration = time.monotonic() - started
    counts = {
        "apps": len(observation.apps),
        "accounts": sum(len(a.accounts or ()) for a in observation.apps),
    }
    notes = tuple(redact(note, secrets) for note in observation.notes)
    emit(SnapshotEvent(name, "finished", f"{counts['accounts']} accounts, {counts['apps']} apps"))
    return _Collected(
        SourceOutcome(name, plugin_name, "ok", None, None, counts, duration, notes),
        observation.model_copy(update={"notes": list(notes)}),
    )


def _store_outcome(store: Store, run_id: int, collected: _Collected) -> SourceOutcome:
    outcome = collected.outcome
    if collected.observation is None:
        store.store_source_failure(
            run_id, outcome.source, outcome.plugin, error=outcome.error or "failed",
            kind=outcome.error_kind or "plugin_error", duration_s=outcome.duration_s,
        )  # fmt: skip
        return outcome
    counts = store.store_source_result(
        run_id, outcome.source, outcome.plugin, collected.observation, duration_s=outcome.duration_s
    )
    return SourceOutcome(**{**outcome.__dict__, "counts": {**outcome.counts, **counts}})


def _lookback_days(config: LoadedConfig, source: str) -> int:
    """How far back activity matters for this source: its tools' longest window, at least 90 days."""
    general = config.file.stacktrack
    windows = [
        tool.active_window_days or general.active_window_days
        for tool in config.file.tools
        if source in tool.sources
    ]
    return max([90, general.active_window_days, *windows])


def _store_aggregates(config: LoadedConfig, store: Store, run_id: int, clock: dt.datetime) -> None:
    """Per-run per-tool figures for trends and the overview (docs/architecture.md)."""
    from stacktrack.analysis.analyze import analyze
    from stacktrack.catalog import load_catalog

    state = store.current_state()
    analysis = analyze(config.file, state, load_catalog())
    store.save_tool_aggregates(
        run_id,
        clock,
        [
            ToolAggregate(
                tool_id=tool.id,
                active_users=tool.active_users,
                seats_assigned=tool.seats_assigned,
                seats_purchased=tool.seats_purchased,
                never_active_users=tool.never_active_users,
                utilization=tool.utilization,
                annual_cost=tool.annual_cost,
                idle_spend=tool.idle_spend,
                integration_status=tool.integration_status,
                flags=list(tool.flags),
                features_used=_count(tool, "used"),
                features_measured=_count(tool, "measured"),
                capability_utilization=tool.capability_utilization,
                volume_metric=tool.volume.metric if tool.volume else None,
                volume_used=tool.volume.used if tool.volume else None,
                volume_included=tool.volume.included if tool.volume else None,
                volume_utilization=tool.volume.utilization if tool.volume else None,
            )
            for tool in analysis.tools
        ],
    )


def _count(tool: ToolFigures, which: str) -> int | None:
    figures = tool.feature_figures
    if figures is None or figures.capability_utilization is None:
        return None  # no capability figure: the counts would read as "0 of 0" (unknown, not 0)
    keys = figures.used if which == "used" else figures.measured
    return None if keys is None else len(keys)
