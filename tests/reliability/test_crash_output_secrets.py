"""Reliability (docs/benchmarks.md): no secret value in crash output. A bug (an unexpected exception whose message carries
configured token values, as a careless f-string would) must leave neither the terminal nor the crash
file holding any of them, whether the token is inline in the config or in an environment variable of
any name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from stacktrack.cli import main

INLINE = "inline-token-Hq3v9Lm2Xc8Rt5Yw"
ENV_VALUE = "env-token-Pk7Dz1Nb4Gs6Jf0Ae"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "stacktrack.toml"
    path.write_text(
        '[stacktrack]\ncurrency = "USD"\n\n'
        f'[sources.hub]\nplugin = "hubspot"\ntoken = "{INLINE}"\n\n'
        '[sources.chat]\nplugin = "slack"\ntoken = { env = "CHAT_PAT" }\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return path


def test_a_crash_never_writes_a_configured_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAT_PAT", ENV_VALUE)  # a name that does not look secret

    async def buggy(config, **_kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"bug while handling {config.secrets()}")

    monkeypatch.setattr("stacktrack.snapshot.run_snapshot", buggy)
    path = _config(tmp_path)
    result = CliRunner().invoke(
        main, ["--config", str(path), "--db", str(tmp_path / "st.db"), "snapshot"]
    )
    assert result.exit_code == 1, result.output
    assert "Internal error (RuntimeError)" in result.stderr
    crash_dir = Path(os.environ["XDG_CACHE_HOME"])
    crashes = list(crash_dir.rglob("crash-*.txt"))
    assert crashes, "a crash file is written"
    text = "\n".join(p.read_text() for p in crashes)
    assert "RuntimeError: bug while handling" in text
    for secret in (INLINE, ENV_VALUE):
        assert secret not in result.stderr
        assert secret not in result.stdout
        assert secret not in text, "secret in the crash file"
