"""Textual's compact footer, with its keys compact from the start.

A ``FooterKey`` is created non-compact and made compact by a watcher once mounted; the class it
adds then restyles the key, one stylesheet pass per key (about 20 keys, ~1 ms each, on every start
and on every change of bindings). Keys created with the class already leave the watcher nothing to
change; the picture is the same.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported; Textual is pinned exactly


class CompactFooter(Footer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(compact=True, **kwargs)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.set_class(True, "-compact", update=False)
            yield widget
