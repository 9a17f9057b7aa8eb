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

## Anywhere
- `1`…`5` Overview · Recommendations · Renewals · Integration map · Shadow IT
- `s` run a snapshot now (live progress per source; failures are notified with the source named)
- `ctrl+p` command palette (every action) · `ctrl+t` light/dark · `ctrl+r` reload · `?` help · `q` quit

## Overview
- `/` filter as you type (name, owner, category, verdict, flag) · `esc` clears filters
- `p` `w` `n` quick filters: pilot theatre · renewing within 90 days · no usage data
- `o` next sort column · `r` reverse (or click a header); unknown values always sort last
- `enter` open the tool

## Tool detail
- `[` `]` previous / next page of users · `g` users group (all, active, inactive, never) · `esc` back

## Recommendations
- `a` accept · `d` dismiss · `u` reopen (kept across runs) · `e` export to CSV (path, then confirm)
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Markdown(HELP)
