"""Settings models registered apart from their plugins (``stacktrack.settings`` entry points).

Commands that only read the database validate each source with its plugin's settings model alone;
these tests hold the two registrations together and check that reading never imports a plugin
while a snapshot still gets every plugin class.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stacktrack import registry
from stacktrack.config import load_config_text
from stacktrack.plugin_api import LocalPlugin, Plugin


def test_every_settings_entry_is_the_plugins_own_settings_model() -> None:
    settings_names = set(registry._all_entry_points()[registry.SETTINGS_GROUP])
    assert settings_names, "no plugin registers its settings model apart"
    assert settings_names <= set(registry.plugin_names())
    for name in sorted(settings_names):
        plugin = registry.load_plugin(name)
        assert not isinstance(plugin, registry.PluginLoadError), plugin
        assert registry.load_settings(name) is plugin.settings_model, name


def test_a_plugin_without_a_settings_entry_falls_back_to_the_plugin_class() -> None:
    assert "csv" not in registry._all_entry_points()[registry.SETTINGS_GROUP]
    found = registry.load_settings("csv")
    assert isinstance(found, type) and issubclass(found, (Plugin, LocalPlugin))
    assert found.name == "csv"


CONFIG = """
[sources.crm]
plugin = "hubspot"
token = { env = "ST_TEST_UNSET_HUBSPOT_TOKEN" }

[sources.chat]
plugin = "slack"
token = "xoxp-literal"
page_limit = 50
"""


def test_a_reading_load_validates_with_the_settings_and_loads_plugins_on_first_use(
    tmp_path: Path,
) -> None:
    loaded = load_config_text(CONFIG, path=tmp_path / "c.toml", need_secrets=False)
    assert loaded._unloaded == {"crm": "hubspot", "chat": "slack"}
    assert loaded.sources["chat"].page_limit == 50  # type: ignore[attr-defined]
    assert "crm" in loaded.missing_secrets
    assert any("sources.chat.token is written into the file" in w for w in loaded.warnings)
    plugins = loaded.plugins
    assert {name: cls.name for name, cls in plugins.items()} == {"crm": "hubspot", "chat": "slack"}
    assert loaded.broken_sources == {}
    assert loaded._unloaded == {}
    eager = load_config_text(
        CONFIG.replace('{ env = "ST_TEST_UNSET_HUBSPOT_TOKEN" }', '"pat-x"'),
        path=tmp_path / "c.toml",
    )
    assert eager._unloaded == {}
    assert set(eager._plugins) == {"crm", "chat"}


def test_a_bad_setting_is_still_an_error_on_a_reading_load(tmp_path: Path) -> None:
    from stacktrack.errors import ConfigError

    with pytest.raises(ConfigError, match=r"sources\.chat\.page_limit"):
        load_config_text(
            CONFIG.replace("page_limit = 50", "page_limit = 0"),
            path=tmp_path / "c.toml",
            need_secrets=False,
        )


def test_a_plugin_that_fails_to_import_is_broken_when_first_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_config_text(CONFIG, path=tmp_path / "c.toml", need_secrets=False)
    failure = registry.PluginLoadError("slack", "x:y", "ImportError: nope")
    real = registry.load_plugin
    monkeypatch.setattr(registry, "load_plugin", lambda n: failure if n == "slack" else real(n))
    assert loaded.broken_sources == {"chat": "plugin 'slack' failed to load: ImportError: nope"}
    assert set(loaded.plugins) == {"crm"}


def test_reading_the_config_imports_no_plugin_module(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    code = (
        "import json, sys; from pathlib import Path; from stacktrack.config import load_config; "
        f"load_config(Path({str(config)!r}), need_secrets=False); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('stacktrack_'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = json.loads(out.stdout)
    assert "stacktrack_hubspot.settings" in modules
    assert not [m for m in modules if m.endswith((".plugin", ".models"))], modules


def test_finding_a_settings_model_parses_no_distribution_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Parsing a METADATA file (for a distribution's name) costs ~1 ms each; the demo has 12
    # sources, twice each. Entry points of one scan share their distribution object instead.
    import importlib.metadata

    def refuse(_self: object) -> None:
        raise AssertionError("a METADATA file was parsed")

    monkeypatch.setattr(importlib.metadata.PathDistribution, "metadata", property(refuse))
    registry._all_entry_points.cache_clear()
    try:
        found = registry.load_settings("hubspot")
    finally:
        registry._all_entry_points.cache_clear()
    assert isinstance(found, type) and found.__name__ == "HubSpotSettings"
