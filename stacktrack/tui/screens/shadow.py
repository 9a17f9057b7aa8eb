"""Shadow IT: apps seen by identity providers or integration sources that match no tool.

Enter on an app opens what is known about it: the sources that saw it, its users (from the stored
observations), and a ``[[tools]]`` snippet with ``match`` filled in, to copy or append to the
config so the next analysis tracks it as a tool.
"""

from __future__ import annotations

import re
from collections import defaultdict

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Label, Static

from stacktrack.analysis.models import UnmatchedApp
from stacktrack.tui.data import Overview, ShadowUser
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.screens.dialogs import ConfirmScreen
from stacktrack.tui.widgets import cells
from stacktrack.tui.widgets.table import Cell, Table, fill


def app_key(name: str) -> str:
    return name.strip().casefold()


def tool_snippet(name: str, sources: list[str], product: str | None) -> str:
    """A ``[[tools]]`` entry for an unmatched app: the app's own name goes in ``match``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "tool"
    lines = [
        "[[tools]]",
        f'id = "{slug}"',
        f"name = {_toml_string(name)}",
    ]
    if product:
        lines.append(f'product = "{product}"')
    lines += [
        "sources = [" + ", ".join(_toml_string(s) for s in sources) + "]",
        f"match = [{_toml_string(name)}]",
        "# [tools.contract]  # add the contract to get costs and recommendations",
        "# annual_cost = 0",
        '# pricing = "per_seat"',
        "# seats = 0",
    ]
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class ShadowScreen(AreaScreen):
    AREA = "Shadow IT"

    def __init__(self) -> None:
        super().__init__()
        self.apps: list[list[UnmatchedApp]] = []
        """One entry per app name, every source that saw it."""

    def body(self) -> ComposeResult:
        yield Static(id="shadow-summary")
        yield Table(id="shadow", cursor_type="row", zebra_stripes=True)

    def show(self, overview: Overview) -> None:
        table = self.query_one("#shadow", DataTable)
        table.display = not overview.empty
        if overview.empty:
            return
        by_name: dict[str, list[UnmatchedApp]] = defaultdict(list)
        for app in overview.unmatched:
            by_name[app_key(app.app)].append(app)
        self.apps = sorted(
            by_name.values(),
            key=lambda seen: (-max((a.active_users or -1) for a in seen), seen[0].app.lower()),
        )
        rows: list[tuple[list[Cell], str]] = []
        for seen in self.apps:
            known = [a.active_users for a in seen if a.active_users is not None]
            product = next((a.product for a in seen if a.product), None)
            rows.append(([
                seen[0].app,
                ", ".join(a.source for a in seen),
                cells.count(max(known) if known else None),
                product or "—",
            ], app_key(seen[0].app)))  # fmt: skip
        columns = [("App", "app"), ("Seen by", "sources"), ("Active users", "active"),
                   ("Catalog product", "product")]  # fmt: skip
        fill(table, columns, rows)
        text = Text(
            f"{len(self.apps)} apps in use that match no tool in the config. ", style="bold"
        )
        text.append("enter: its users, its sources, and a [[tools]] entry to add it.", style="dim")
        self.query_one("#shadow-summary", Static).update(text)

    def selected(self) -> list[UnmatchedApp] | None:
        table = self.query_one("#shadow", DataTable)
        if table.row_count == 0 or not self.apps:
            return None
        return self.apps[min(table.cursor_row, len(self.apps) - 1)]

    @on(DataTable.RowSelected, "#shadow")
    def _open(self) -> None:
        seen = self.selected()
        if seen is not None:
            self.app.push_screen(ShadowAppScreen(seen))

    def palette_commands(self) -> list[SystemCommand]:
        return [SystemCommand("Add shadow app as tool", "The selected app", self._open)]


class ShadowAppScreen(ModalScreen[None]):
    """One unmatched app: who uses it, who saw it, and how to add it as a tool."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Close"),
        Binding("a", "append", "Append to config"),
        Binding("c", "copy", "Copy entry"),
    ]

    def __init__(self, seen: list[UnmatchedApp]) -> None:
        super().__init__()
        self.seen = seen
        self.name_ = seen[0].app
        product = next((a.product for a in seen if a.product), None)
        self.snippet = tool_snippet(self.name_, [a.source for a in seen], product)
        self.users: list[ShadowUser] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="shadow-app"):
            yield Label(Text(self.name_, style="bold"), classes="dialog-title")
            yield Static(self._seen_by(), id="shadow-seen")
            yield Static(Text("Add it as a tool:", style="bold"))
            yield Static(Text(self.snippet), id="snippet")
            with Horizontal(classes="buttons"):
                yield Button("Append to config (a)", variant="primary", id="append")
                yield Button("Copy (c)", id="copy")
                yield Button("Close (esc)", id="close")
            yield Static("Users: reading…", id="shadow-users-title")
            yield Table(id="shadow-users", cursor_type="row")

    def on_mount(self) -> None:
        self.load_users()

    def _seen_by(self) -> Text:
        text = Text("Seen by  ", style="bold")
        for index, app in enumerate(self.seen):
            if index:
                text.append(" · ")
            text.append(app.source)
            text.append(f" ({cells.count(app.active_users).plain} active)", style="dim")
        return text

    @work(thread=True, exclusive=True, group="shadow")
    def load_users(self) -> None:
        data = self.app.data  # type: ignore[attr-defined]
        sources = [a.source for a in self.seen]
        users = data.shadow_users(self.name_, sources)
        self.app.call_from_thread(self.show_users, users)

    def show_users(self, users: list[ShadowUser]) -> None:
        self.users = users
        title = Text(f"Users  {len(users)}", style="bold")
        if not users:
            title.append("  no source listed its accounts", style="dim")
        self.query_one("#shadow-users-title", Static).update(title)
        rows: list[tuple[list[Cell], str | None]] = [
            (
                [u.key, u.name or "", cells.when(u.last_active, never="none on record"), u.source],
                None,
            )
            for u in users[:200]
        ]
        fill(
            self.query_one("#shadow-users", DataTable),
            [("User", "user"), ("Name", "name"), ("Last activity", "last"), ("Source", "source")],
            rows,
        )

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#copy")
    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.snippet)
        self.notify("The [[tools]] entry is on the clipboard (where the terminal allows it).")

    @on(Button.Pressed, "#append")
    def action_append(self) -> None:
        config = self.app.config  # type: ignore[attr-defined]
        path = getattr(config, "path", None)
        if path is None:
            self.notify("No configuration file to append to.", severity="warning")
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.append(path)

        self.app.push_screen(ConfirmScreen(f"Append this [[tools]] entry to {path}?"), confirmed)

    def append(self, path: object) -> None:
        from pathlib import Path

        target = Path(str(path))
        try:
            with target.open("a", encoding="utf-8") as stream:
                stream.write("\n" + self.snippet)
        except OSError as exc:
            self.notify(f"{target}: {exc}", title="Not appended", severity="error")
            return
        self.notify(
            f"Appended to {target}. Add its contract there, then reopen stacktrack to see it as a tool.",
            title=f"{self.name_} added",
        )
