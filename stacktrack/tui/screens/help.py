"""The help screen: what each area is for and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

HELP = """\
# stacktrack

Which tools you pay for are really used, what each costs per active user, and what to cut before
renewal. Every number leads to a verdict: **keep, right-size, downgrade, consolidate,
integrate-or-retire, retire**, or **needs data** when usage is unknown.
*Unknown* is shown as unknown, never as 0. **Press `esc` (or `?`, `q`) to close this help.**

## Anywhere
- `1`…`5` Overview · Recommendations · Renewals · Integration map · Shadow IT
- `j` `k` (or arrows) move · `g` top · `G` bottom · `enter` open · `esc` back
- `s` run a snapshot now (live progress per source; failures are notified with the source named)
- `ctrl+p` command palette: screens, tools and actions ("accept", "pilot", "export", "snapshot")
- `ctrl+t` light/dark (kept for the next start) · `ctrl+r` reload · `?` help · `q` quit

## Overview
- `/` filter as you type (name, owner, category, verdict, flag) · `esc` clears every filter
- `p` `w` `n` quick filters: pilot theatre · renewing (within 90 days, or flagged renewal soon) ·
  no usage data; the active ones are ticked, with the count shown, beside the filter
- `o` next sort column · `r` reverse (or click a header); unknown values always sort last
- *Features*: paid features used / measured (stack-wide in the header)
- *Data*: current = from the latest run · *N*d old = the oldest source data is *N* days old ·
  ⚠ = a source failed in the latest run, its last good data is shown · red *stale* = older than
  a week (flag *stale data*; recommendations lose confidence) · no data = no source succeeded yet

## Tool detail
- `[` `]` previous / next page of users · `u` users group (all, active, inactive, never active,
  no seat) · `esc` back
- *no seat*: not active and holding no seat (suspended, deactivated): not counted as inactive

## Recommendations
- `a` accept · `d` dismiss, each asking for an optional note (`esc` cancels) · `u` reopen; kept
  across runs with who and when, shown under the table (✎ = has a note)
- `e` export to CSV (path, then confirm)
- `enter` opens the tool

## Renewals
- Renewals and notice deadlines in the next 12 months, earliest notice first; the notice date is
  when you must act. Red: 30 days or less. `enter` opens the tool.

## Integration map
- Tools by category. Each connection is listed once, under the tool the data leaves from:
  `→` feeds, `↔` both ways; the other end counts it as "in". *live* = used within the
  integration window; *stale* = not. Isolated tools are red. `enter` opens a tool.

## Shadow IT
- Apps your identity provider or integration sources saw that match no configured tool.
- `enter` shows who uses it, which sources saw it, and a `[[tools]]` entry with `match` filled in:
  `a` appends it to the config (after a confirmation), `c` copies it.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "app.pop_screen", "Close")]

    def __init__(self) -> None:
        super().__init__()
        self.rendered = False
        """The help text is parsed and mounted (Markdown parses off the UI thread)."""

    def on_markdown_table_of_contents_updated(self) -> None:
        # Posted once the document's blocks are mounted: what a picture of the help should wait for.
        self.rendered = True

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help"):
            yield Markdown(HELP)
            yield Static("esc, ? or q closes this help", classes="hint")
