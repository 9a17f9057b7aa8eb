"""The TUI's own preferences (today: the theme), kept in the user config dir across restarts.

A small JSON file next to the default config (``platformdirs.user_config_dir("stacktrack")``), so
it never lands in a project folder. A missing or unreadable file means defaults: preferences are a
convenience, never a reason not to start.
"""

from __future__ import annotations

import json
from pathlib import Path

import platformdirs

FILENAME = "tui.json"


def default_path() -> Path:
    return Path(platformdirs.user_config_dir("stacktrack")) / FILENAME


def load_theme(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    theme = data.get("theme") if isinstance(data, dict) else None
    return theme if isinstance(theme, str) else None


def save_theme(path: Path | None, theme: str) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"theme": theme}) + "\n", encoding="utf-8")
    except OSError:  # a read-only home: the theme just is not kept
        return
