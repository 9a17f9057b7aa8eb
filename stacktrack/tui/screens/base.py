"""The common shape of the area screens: header, body, footer, and a redraw on every new overview."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from stacktrack.tui.data import Overview
from stacktrack.tui.widgets.footer import CompactFooter

if TYPE_CHECKING:
    from stacktrack.tui.app import StacktrackApp


def empty_text(overview: Overview, db_path: object) -> str:
    """What to do next when there is nothing to show yet."""
    if overview.config_missing:
        return (
            "[b]No configuration found.[/b]\n\n"
            "  [b]stacktrack demo[/b]     try stacktrack on a simulated company (no credentials)\n"
            "  [b]stacktrack init[/b]     write a starter config, then fill in your tools and sources\n"
            "  [b]stacktrack snapshot[/b] query your sources and store the first run\n\n"
            "Looked for --config, $STACKTRACK_CONFIG, ./stacktrack.toml and the user config folder."
        )
    return (
        f"[b]No snapshot in {db_path} yet.[/b]\n\n"
        "  press [b]s[/b]               run a snapshot of every configured source now\n"
        "  [b]stacktrack snapshot[/b] the same from the command line (or from cron)\n"
        "  [b]stacktrack demo[/b]     try stacktrack on a simulated company instead"
    )


ESSENTIAL: list[BindingType] = [
    Binding("question_mark", "app.help", "Help"),
    Binding("q", "app.quit", "Quit"),
]
"""Bound on every screen so the footer lists them first: at 80 columns the rest may not fit."""


class AreaScreen(Screen[None]):
    """A mode's root screen; subclasses compose ``body()`` and implement ``show()``."""

    AREA = ""
    BINDINGS = ESSENTIAL

    @property
    def stack_app(self) -> StacktrackApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the database…", id="empty", classes="empty")
        yield from self.body()
        yield CompactFooter()

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.sub_title = self.AREA
        self.watch(self.app, "overview", self._overview_changed)

    def _overview_changed(self, overview: Overview | None) -> None:
        self.sub_title = f"{self.AREA} · {self.stack_app.freshness()}"
        if overview is None:
            return
        empty = self.query_one("#empty", Static)
        empty.display = overview.empty
        if overview.empty:
            empty.update(empty_text(overview, self.stack_app.db_path))
        self.set_class(overview.empty, "-empty")
        self.show(overview)

    def show(self, overview: Overview) -> None:
        raise NotImplementedError

    def palette_commands(self) -> list[SystemCommand]:
        return []

    def today(self) -> Any:
        overview = self.stack_app.overview
        return overview.as_of.date() if overview and overview.as_of else None
