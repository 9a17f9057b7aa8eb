"""The Textual app (docs/architecture.md): decision-first browsing of the stack.

``make_app`` builds it with every dependency injected (config, database path, clock, analysis,
snapshot engine and its transports), so tests and benchmarks drive the same app the CLI opens through
``run_tui``. The app owns the loaded ``Overview`` (a reactive every screen watches); all reads and the
analysis run in threads, snapshots in an async worker, so the UI never blocks. The first read runs
before the first paint, which waits for it (up to ``FIRST_READ_WAIT``): the first frame has the rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from stacktrack.config import LoadedConfig
from stacktrack.tui import prefs
from stacktrack.tui.data import Analyzer, Overview, StackData
from stacktrack.tui.messages import (
    OverviewFailed,
    OverviewLoaded,
    RecommendationStateChanged,
    SnapshotFinished,
    SnapshotProgressed,
)
from stacktrack.tui.screens.overview import QUICK, OverviewScreen
from stacktrack.tui.widgets.cells import ago

# The other screens are imported when first shown: the help's Markdown and the tool screen's plots
# alone cost ~0.1 s of start-up before the overview's first paint (docs/benchmarks.md).


def _recommendations() -> Screen[Any]:
    from stacktrack.tui.screens.recommendations import RecommendationsScreen

    return RecommendationsScreen()


def _renewals() -> Screen[Any]:
    from stacktrack.tui.screens.renewals import RenewalsScreen

    return RenewalsScreen()


def _map() -> Screen[Any]:
    from stacktrack.tui.screens.map import IntegrationMapScreen

    return IntegrationMapScreen()


def _shadow() -> Screen[Any]:
    from stacktrack.tui.screens.shadow import ShadowScreen

    return ShadowScreen()


Clock = Callable[[], dt.datetime]
SnapshotRunner = Callable[..., Awaitable[Any]]

DARK, LIGHT = "textual-dark", "textual-light"

FIRST_READ_WAIT = 1.0
"""Seconds the first paint waits for the first read of the store (see ``StacktrackApp.on_load``)."""
GC_RESUME_AFTER_PAINT = 0.5
"""Seconds after the first paint the cyclic GC resumes (see ``pause_gc_until_painted``)."""


class StacktrackApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "stacktrack"
    MODES = {
        "overview": OverviewScreen,
        "recommendations": _recommendations,
        "renewals": _renewals,
        "map": _map,
        "shadow": _shadow,
    }
    DEFAULT_MODE = "overview"
    BINDINGS = [
        Binding("1", "switch_mode('overview')", "Overview"),
        Binding("2", "switch_mode('recommendations')", "Recs"),
        Binding("3", "switch_mode('renewals')", "Renewals"),
        Binding("4", "switch_mode('map')", "Map"),
        Binding("5", "switch_mode('shadow')", "Shadow IT"),
        Binding("s", "snapshot", "Snapshot"),
        Binding("ctrl+r", "reload", "Reload", show=False),
        # Screens bind ? and q again, shown first in their footers (see screens.base.ESSENTIAL).
        Binding("question_mark,f1", "help", "Help", show=False),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("q", "quit", "Quit", show=False),
    ]

    overview: var[Overview | None] = var(None, always_update=True)
    """The latest loaded overview; ``None`` until the first load finishes."""

    def __init__(
        self,
        config: LoadedConfig | None,
        db_path: Path,
        *,
        clock: Clock,
        data: StackData,
        snapshot_runner: SnapshotRunner | None,
        snapshot_options: dict[str, Any],
        theme: str | None = None,
        prefs_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.db_path = db_path
        self.clock = clock
        self.data = data
        self.snapshot_runner = snapshot_runner
        self.snapshot_options = snapshot_options
        self.snapshot_events: list[SnapshotProgressed] = []
        self.snapshot_running = False
        self.first_paint: float | None = None
        """``time.perf_counter()`` when the overview table was first filled (for benchmarks)."""
        self.started = time.perf_counter()
        self.prefs_path = prefs_path
        """Where the theme is kept across restarts; ``None`` keeps nothing (tests)."""
        self._initial_theme = theme or prefs.load_theme(prefs_path) or DARK
        self._gc_paused = False

    # -- lifecycle -----------------------------------------------------------------------------

    async def on_load(self) -> None:
        """Read the store before the first paint, waiting up to ``FIRST_READ_WAIT`` for it.

        Painting the screen without rows, then laying it out and painting it again with them,
        costs more CPU than the read itself, and the read runs no faster beside it (it is Python
        code sharing one interpreter lock), so the first paint waits for it: the screens mount
        with the overview and the first frame has the tool rows. A slower read paints the screen
        without rows ("reading…" in the header) and fills it in when it is done, as a reload does.
        """
        first = asyncio.get_running_loop().run_in_executor(None, self._read_overview)
        done, _ = await asyncio.wait({first}, timeout=FIRST_READ_WAIT)
        if not done:
            first.add_done_callback(lambda future: self.post_message(future.result()))
            return
        message = first.result()
        if isinstance(message, OverviewLoaded):
            self.overview = message.overview  # before any screen mounts: they start with it
        else:
            self.post_message(message)

    def on_mount(self) -> None:
        if self._initial_theme in self.available_themes:
            self.theme = self._initial_theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.overview is not None:
            self._warn_about_config()

    def _theme_changed(self, theme: Any) -> None:
        prefs.save_theme(self.prefs_path, self.theme)

    def _read_overview(self) -> OverviewLoaded | OverviewFailed:
        """Read and analyse (in a thread); the result as the message that reports it."""
        started = time.perf_counter()
        try:
            overview = self.data.load_overview()
        except Exception as exc:  # shown to the user; the app stays usable
            return OverviewFailed(f"{type(exc).__name__}: {exc}")
        return OverviewLoaded(overview, time.perf_counter() - started)

    @work(thread=True, exclusive=True, group="overview")
    def load_overview(self) -> None:
        self.post_message(self._read_overview())

    def on_overview_loaded(self, message: OverviewLoaded) -> None:
        first = self.overview is None
        self.overview = message.overview
        if first:
            self._warn_about_config()

    def _warn_about_config(self) -> None:
        for warning in self.config.warnings if self.config is not None else ():
            self.notify(warning, title="Configuration", severity="warning", timeout=8)

    def freshness(self) -> str:
        """``data as of 2026-03-09 06:00 UTC (3 days ago)``, relative to the injected clock."""
        overview = self.overview
        if overview is None:
            return "reading…"
        if overview.config_missing:
            return "no configuration"
        if overview.as_of is None:
            return "no snapshot yet"
        return (
            f"data as of {overview.as_of:%Y-%m-%d %H:%M} UTC ({ago(overview.as_of, self.clock())})"
        )

    def on_overview_failed(self, message: OverviewFailed) -> None:
        self._resume_gc()
        self.notify(message.error, title="Could not read the database", severity="error")

    def mark_first_paint(self) -> None:
        if self.first_paint is None:
            self.first_paint = time.perf_counter()
            if self._gc_paused:
                self.set_timer(GC_RESUME_AFTER_PAINT, self._resume_gc)

    def pause_gc_until_painted(self) -> None:
        """Turn the cyclic GC off until shortly after the first paint (``run_tui`` does).

        Start-up builds long-lived objects (widgets, styles, the overview) and next to no cyclic
        garbage, yet the collector ran ~70 times before the first paint, scanning them (25-35 ms
        under load, docs/benchmarks.md). It is on again ``GC_RESUME_AFTER_PAINT`` seconds after
        the first paint, on a failed read, or when the app exits, whichever comes first, even if
        it was off before: a caller may pause it for its own start-up (the imports) and leave
        turning it back on to the TUI, which runs for long with it on.
        """
        gc.disable()
        self._gc_paused = True

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    # -- actions -------------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load_overview()

    def action_help(self) -> None:
        from stacktrack.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_export(self) -> None:
        """Export from anywhere: go to the recommendations and start its export dialog."""
        self.switch_mode("recommendations")
        self.call_after_refresh(lambda: getattr(self.screen, "action_export", lambda: None)())

    def open_tool(self, tool_id: str) -> None:
        from stacktrack.tui.screens.tool import ToolScreen

        self.push_screen(ToolScreen(tool_id))

    @work(thread=True, group="recommendation")
    def set_recommendation_state(self, rec_id: str, status: str, note: str | None = None) -> None:
        self.data.set_recommendation_state(rec_id, status, note)
        self.post_message(RecommendationStateChanged(rec_id, status))

    def on_recommendation_state_changed(self, message: RecommendationStateChanged) -> None:
        # Re-read and re-analyse: the totals and statuses come from the analysis, computed once.
        self.load_overview()
        self.notify(f"Recommendation {message.rec_id} marked {message.status}.")

    def action_snapshot(self) -> None:
        if self.config is None:
            self.notify(
                "No configuration: run `stacktrack init` (or `stacktrack demo`) first.",
                severity="warning",
            )
            return
        if not self.snapshot_running:
            self.snapshot_events.clear()
            self.snapshot_running = True
            self.run_snapshot()
        from stacktrack.tui.screens.snapshot import SnapshotScreen

        self.push_screen(SnapshotScreen())

    @work(exclusive=True, group="snapshot")
    async def run_snapshot(self) -> None:
        from stacktrack.errors import StacktrackError
        from stacktrack.snapshot import run_snapshot

        runner: SnapshotRunner = self.snapshot_runner or run_snapshot

        def on_event(event: Any) -> None:
            self.post_message(SnapshotProgressed(event.source, event.kind, event.message))

        try:
            summary = await runner(self.config, on_event=on_event, **self.snapshot_options)
        except StacktrackError as exc:
            self.post_message(SnapshotFinished(None, "failed", str(exc)))
            return
        except Exception as exc:  # a bug: say so instead of killing the UI
            self.post_message(SnapshotFinished(None, "failed", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(SnapshotFinished(summary.run_id, summary.status))

    def on_snapshot_progressed(self, message: SnapshotProgressed) -> None:
        from stacktrack.tui.screens.snapshot import SnapshotScreen

        self.snapshot_events.append(message)
        if message.kind == "failed":
            self.notify(message.message, title=f"Source {message.source} failed", severity="error")
        for screen in self.screen_stack:
            if isinstance(screen, SnapshotScreen):
                screen.progressed(message)

    def on_snapshot_finished(self, message: SnapshotFinished) -> None:
        from stacktrack.tui.screens.snapshot import SnapshotScreen

        self.snapshot_running = False
        if message.error:
            self.notify(message.error, title="Snapshot not run", severity="error")
        else:
            self.notify(
                f"Run {message.run_id} stored ({message.status}).", title="Snapshot finished"
            )
        for screen in self.screen_stack:
            if isinstance(screen, SnapshotScreen):
                screen.finished(message)
        self.load_overview()

    # -- command palette -----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Screens, actions and tools. ``screen`` is the one the palette was opened from (while
        the palette is open, ``self.screen`` is the palette itself)."""
        yield from super().get_system_commands(screen)
        mode = self.switch_mode
        yield SystemCommand("Overview", "Tools with their verdicts", lambda: mode("overview"))
        yield SystemCommand(
            "Recommendations", "Accept, dismiss, export", lambda: mode("recommendations")
        )
        yield SystemCommand("Renewals", "The next 12 months of deadlines", lambda: mode("renewals"))
        yield SystemCommand("Integration map", "Who feeds whom", lambda: mode("map"))
        yield SystemCommand("Shadow IT", "Apps that match no tool", lambda: mode("shadow"))
        for status, verb in (("accepted", "Accept"), ("dismissed", "Dismiss"), ("open", "Reopen")):
            yield SystemCommand(
                f"{verb} recommendation",
                "The selected one (or the selected tool's); kept across runs",
                lambda status=status: self.decide(screen, status),
            )
        for key, label in QUICK.items():
            yield SystemCommand(
                f"Quick filter: {label}",
                "Overview: toggle",
                lambda key=key: self.quick_filter(key),
            )
        yield SystemCommand("Run a snapshot", "Query every source now", self.action_snapshot)
        yield SystemCommand(
            "Export recommendations to CSV", "Asks for a path, then confirms", self.action_export
        )
        yield SystemCommand("Reload", "Read the database again", self.action_reload)
        yield SystemCommand("Toggle light/dark", "Switch theme (kept)", self.action_toggle_theme)
        yield SystemCommand("Help", "Keys and screens", self.action_help)
        yield from getattr(screen, "palette_commands", lambda: [])()
        overview = self.overview
        for tool in overview.tools if overview else ():
            assert overview is not None
            yield SystemCommand(
                f"Open {tool.name}",
                f"{overview.verdict(tool.id)} · {tool.owner or 'no owner'}",
                lambda tool_id=tool.id: self.open_tool(tool_id),
                discover=False,
            )

    def decide(self, screen: Screen[Any], status: str) -> None:
        """Mark a recommendation: the one selected on the recommendations screen, else the one of
        the tool shown or selected; with none, go to the recommendations to pick one."""
        rec_id = getattr(screen, "decision_target", lambda: None)()
        if rec_id is None:
            self.switch_mode("recommendations")
            self.notify("Pick a recommendation, then a accept · d dismiss · u reopen.")
            return
        self.ask_and_decide(rec_id, status)

    def ask_and_decide(self, rec_id: str, status: str) -> None:
        """Accept or dismiss after asking for an optional note (kept with who and when);
        reopening asks nothing and keeps the note."""
        if status == "open":
            self.set_recommendation_state(rec_id, status)
            return
        recs = self.overview.recommendations if self.overview else ()
        rec = next((r for r in recs if r.id == rec_id), None)
        current = rec.decision_note if rec else None
        verb = "Accept" if status == "accepted" else "Dismiss"
        title = f"{verb} {rec_id}: note (optional)"

        def answered(note: str | None) -> None:
            if note is not None:  # None: cancelled
                self.set_recommendation_state(rec_id, status, note)

        from stacktrack.tui.screens.dialogs import NoteScreen

        self.push_screen(NoteScreen(title, current or ""), answered)

    def quick_filter(self, key: str) -> None:
        self.switch_mode("overview")
        self.call_after_refresh(lambda: getattr(self.screen, "action_quick", lambda _k: None)(key))


def make_app(
    config: LoadedConfig | None,
    store_path: Path,
    *,
    clock: Clock | None = None,
    analyzer: Analyzer | None = None,
    snapshot_runner: SnapshotRunner | None = None,
    snapshot_options: dict[str, Any] | None = None,
    theme: str | None = None,
    prefs_path: Path | None = None,
) -> StacktrackApp:
    """Build the app. ``clock`` is "now" for every relative time shown (tests pin it);
    ``snapshot_options`` are passed to ``run_snapshot`` (``now``, ``transports`` for emulators);
    ``prefs_path`` keeps the theme across restarts (``None``: nothing is read or written)."""
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    return StacktrackApp(
        config,
        Path(store_path),
        clock=now,
        data=StackData(config, Path(store_path), analyzer, today=lambda: now().astimezone().date()),
        snapshot_runner=snapshot_runner,
        snapshot_options=dict(snapshot_options or {}),
        theme=theme,
        prefs_path=prefs_path,
    )


def run_tui(config: LoadedConfig | None, db_path: Path, **kwargs: Any) -> None:
    """Entry point for the CLI (``stacktrack``, ``stacktrack tui``, ``stacktrack demo``)."""
    kwargs.setdefault("prefs_path", prefs.default_path())
    app = make_app(config, db_path, **kwargs)
    app.pause_gc_until_painted()
    try:
        app.run()
    finally:
        app._resume_gc()


def first_paint_seconds(
    config: LoadedConfig | None, db_path: Path, *, size: tuple[int, int] = (160, 48)
) -> float:
    """Seconds from app start to the overview table being filled, headless (for ``bench/``)."""

    async def measure() -> float:
        app = make_app(config, db_path)
        async with app.run_test(size=size) as pilot:
            while app.first_paint is None:
                await pilot.pause(0.005)
            return app.first_paint - app.started

    return asyncio.run(measure())
