"""Finds plugins through the entry-point group ``stacktrack.plugins`` (docs/plugins/authoring.md).

Listing names reads package metadata only; a plugin is imported when a configured source needs it or
when ``stacktrack plugins`` describes it. A plugin that fails to import is reported, never fatal.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from stacktrack.plugin_api import AnyPlugin, LocalPlugin, Plugin

GROUP = "stacktrack.plugins"


@dataclass(frozen=True)
class PluginLoadError:
    name: str
    target: str
    reason: str


@functools.cache  # scanning every installed distribution's metadata costs ~6 ms a call
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for entry in entry_points(group=GROUP):
        found.setdefault(entry.name, entry)  # the first distribution to register a name wins
    return found


def plugin_names() -> list[str]:
    """Installed plugin names, without importing any plugin."""
    return sorted(_entry_points())


def distribution(name: str) -> str | None:
    """The name of the installed distribution that registers plugin ``name`` (``None``: unknown)."""
    entry = _entry_points().get(name)
    dist = getattr(entry, "dist", None) if entry is not None else None
    return dist.name if dist is not None else None


def load_plugin(name: str) -> type[AnyPlugin] | PluginLoadError:
    """Import one plugin class; on any failure return a ``PluginLoadError`` instead of raising."""
    entry = _entry_points().get(name)
    if entry is None:
        return PluginLoadError(name, "", "no such plugin is installed")
    try:
        loaded = entry.load()
    except Exception as exc:  # a broken third-party plugin must not take stacktrack down
        return PluginLoadError(name, entry.value, f"{type(exc).__name__}: {exc}")
    if not (isinstance(loaded, type) and issubclass(loaded, (Plugin, LocalPlugin))):
        return PluginLoadError(
            name, entry.value, "the entry point is not a stacktrack Plugin or LocalPlugin class"
        )
    return loaded


def load_all() -> dict[str, type[AnyPlugin] | PluginLoadError]:
    return {name: load_plugin(name) for name in plugin_names()}
