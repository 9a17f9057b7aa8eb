"""Shared fixtures: isolated user dirs, a no-wait retry mode, and CLI helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
import stamina


@pytest.fixture(scope="session")
def sandbox_token_vars() -> list[str]:
    """The variables ``run_demo`` exports into the environment (each sandbox source's token)."""
    from stacktrack.sandbox import participants

    return [participants.env_name(source) for source in participants.all_sources()]


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    sandbox_token_vars: list[str],
) -> None:
    """Keep tests away from the developer's real config, data and cache dirs, and put back every
    sandbox token variable a test's ``run_demo`` exports (monkeypatch restores what it recorded)."""
    for name in sandbox_token_vars:
        monkeypatch.delenv(name, raising=False)
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
