"""The help screen: what each area is for and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# stacktrack

Which tools you pay for are really used, what each costs per active user, and what to cut before
renewal. Every number leads to a verdict: **keep, right-size, consolidate, integrate-or-retire, retire**.
*Unknown* is shown as unknown, never as 0.

| key | anywhere |
|---|---|
| `1` … `5` | Overview · Recommendations · Renewals · Integration map · Shadow IT |
| `s` | run a snapshot now (live progress per source) |
| `ctrl+p` | command palette (every action) |
| `ctrl+t` | light / dark theme |
| `ctrl+r` | read the database again |
| `?` `f1` | this help · `q` quit |

| key | overview |
|---|---|
| `/` | filter as you type (name, owner, category, verdict, flag) · `esc` clears |
| `p` `w` `n` | quick filters: pilot theatre · renewing within 90 days · no usage data |
| `o` / `r` | next sort column / reverse (or click a header) |
| `enter` | open the tool |

| key | tool detail |
|---|---|
| `[` `]` | previous / next page of users · `g` users group (all, active, inactive, never) |
| `esc` | back |

| key | recommendations |
|---|---|
| `a` `d` `u` | accept · dismiss · reopen (kept across runs) |
| `e` | export to CSV (asks for a path, then confirms) |
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Markdown(HELP)
