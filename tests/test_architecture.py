"""The module boundaries of docs/architecture.md hold (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import get_args, get_origin

import pytest
from typing_extensions import get_original_bases

from stacktrack.plugin_api import AnyPlugin, LocalPlugin, Plugin
from stacktrack.registry import load_plugin, plugin_names

REPO = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    assert lint, "import-linter is a test dependency: pip install -e '.[test]'"
    result = subprocess.run(
        [lint, "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _declared_settings(plugin: type[AnyPlugin]) -> object:
    """The ``X`` of ``class P(Plugin[X])``, or ``None`` when the class subclasses a bare ``Plugin``."""
    for base in get_original_bases(plugin):
        if get_origin(base) in (Plugin, LocalPlugin):
            return get_args(base)[0]
    return None


@pytest.mark.parametrize("name", plugin_names())
def test_every_plugin_is_typed_by_its_settings_model(name: str) -> None:
    # `Plugin[XSettings]` types `self.settings`; a bare `Plugin` would need `assert isinstance`.
    plugin = load_plugin(name)
    assert isinstance(plugin, type), plugin
    assert _declared_settings(plugin) is plugin.settings_model, (
        f"{plugin.__qualname__} should subclass Plugin[{plugin.settings_model.__qualname__}]"
    )
