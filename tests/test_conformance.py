"""The conformance suite (``stacktrack.testing.conformance``) for every installed plugin with a test kit.

Plugins are found through the entry points, as the snapshot engine finds them: a plugin package that
ships ``testkit.py`` next to its plugin module is checked here with no edit to this file (local
plugins, which talk to no vendor, have none).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from stacktrack import registry
from stacktrack.testing.conformance import conformance_suite


def _kits() -> dict[str, ModuleType]:
    kits = {}
    for name in registry.plugin_names():
        loaded = registry.load_plugin(name)
        if isinstance(loaded, registry.PluginLoadError):
            continue
        package = loaded.__module__.rpartition(".")[0]
        try:
            kits[name] = importlib.import_module(f"{package}.testkit")
        except ModuleNotFoundError:
            continue
    return kits


KITS = _kits()

KNOWN_FAILURES: dict[str, dict[str, str]] = {}
"""Disagreements the suite found that the plugin's owner has yet to settle (strict xfail)."""

for _name, _kit in KITS.items():
    _suite = conformance_suite(_kit, known_failures=KNOWN_FAILURES.get(_name))  # type: ignore[arg-type]
    globals()[_suite.__name__] = _suite


def test_every_first_party_vendor_plugin_has_a_kit() -> None:
    assert {"okta", "salesforce", "hubspot", "slack", "segment", "google_workspace"} <= set(KITS)
