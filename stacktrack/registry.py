"""Finds plugins through the entry-point group ``stacktrack.plugins`` (docs/plugins/authoring.md).

Listing names reads package metadata only; a plugin is imported when a configured source needs it or
when ``stacktrack plugins`` describes it. A plugin that fails to import is reported, never fatal.

A plugin may also register its settings model alone under ``stacktrack.settings`` (same name): the
commands that only read the database validate a source's table with it and never import the plugin's
HTTP code and vendor models (start-up time, docs/benchmarks.md). Without that entry the plugin class
is imported and its ``settings_model`` used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from stacktrack.plugin_api import AnyPlugin, LocalPlugin, Plugin, PluginSettings

GROUP = "stacktrack.plugins"
SETTINGS_GROUP = "stacktrack.settings"


@dataclass(frozen=True)
class PluginLoadError:
    name: str
    target: str
    reason: str


@functools.cache  # scanning every installed distribution's metadata costs ~6 ms a call
def _all_entry_points() -> dict[str, dict[str, EntryPoint]]:
    # One scan for both groups: within it, the entry points of one distribution share one
    # ``dist`` object, so ``_same_dist`` compares identities instead of parsing each METADATA file
    # for the name (24 parses on the demo config: a tenth of ``report``'s start-up).
    found: dict[str, dict[str, EntryPoint]] = {GROUP: {}, SETTINGS_GROUP: {}}
    every = entry_points()
    for group, entries in found.items():
        for entry in every.select(group=group):
            entries.setdefault(entry.name, entry)  # the first distribution to register a name wins
    return found


def _entry_points() -> dict[str, EntryPoint]:
    return _all_entry_points()[GROUP]


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


def load_settings(name: str) -> type[PluginSettings] | type[AnyPlugin] | PluginLoadError:
    """Plugin ``name``'s settings model without importing the plugin, when it registers one under
    ``stacktrack.settings``; else (or if that entry is broken) the plugin class itself, whose
    ``settings_model`` the caller uses, or a ``PluginLoadError``."""
    entry = _all_entry_points()[SETTINGS_GROUP].get(name)
    plugin_entry = _entry_points().get(name)
    # the settings entry counts only from the distribution that registers the plugin itself
    if entry is not None and plugin_entry is not None and _same_dist(entry, plugin_entry):
        try:
            loaded = entry.load()
        except Exception:  # the plugin's own import below then names the problem
            loaded = None
        if isinstance(loaded, type) and issubclass(loaded, PluginSettings):
            return loaded
    return load_plugin(name)


def _same_dist(one: EntryPoint, other: EntryPoint) -> bool:
    first, second = getattr(one, "dist", None), getattr(other, "dist", None)
    if first is None or second is None or first is second:
        return True
    return bool(first.name == second.name)  # entry points from another scan (tests build some)


def load_all() -> dict[str, type[AnyPlugin] | PluginLoadError]:
    return {name: load_plugin(name) for name in plugin_names()}
