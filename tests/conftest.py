"""Shared fixtures: isolated user dirs, a no-wait retry mode, and CLI helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
import stamina


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep tests away from the developer's real config, data and cache dirs."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("STACKTRACK_CONFIG", raising=False)
    monkeypatch.delenv("STACKTRACK_DB", raising=False)
    monkeypatch.setenv("STACKTRACK_TEST_TOKEN", "tok-" + "s3cr3t-value-0123456789")


@pytest.fixture
def no_wait() -> object:
    """Retries without sleeping (stamina's testing mode), restored afterwards."""
    stamina.set_testing(True, attempts=5)
    yield
    stamina.set_testing(False)


REPO = Path(__file__).resolve().parent.parent
