"""A real ``stacktrack snapshot`` process against the sandbox loopback server (crash and lock tests)."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

from stacktrack.sandbox.server import SandboxServer, ServerInfo

NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
CSV_TOKEN_FREE_SOURCE = """
[sources.export]
plugin = "csv"
path = "users.csv"
"""


def start_server(latency_ms: float = 20, page_size: int = 50) -> tuple[SandboxServer, ServerInfo]:
    server = SandboxServer(seed=3, latency_ms=latency_ms, page_size=page_size, end=NOW)
    return server, server.start()


def write_csv(folder: Path, rows: int, seed: int) -> None:
    """A user export whose activity dates change with ``seed``: every run rewrites many rows."""
    rng = random.Random(seed)
    lines = ["email,last_active"]
    for n in range(rows):
        day = NOW - dt.timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
        lines.append(f"user{n:06d}@example.com,{day.isoformat()}")
    (folder / "users.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_config(folder: Path, info: ServerInfo, *, csv_rows: int = 0) -> Path:
    text = info.config_text
    if csv_rows:
        write_csv(folder, csv_rows, 0)
        text += CSV_TOKEN_FREE_SOURCE
    path = folder / "stacktrack.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def command(config: Path, db: Path, *args: str) -> list[str]:
    return [
        sys.executable, "-c", "from stacktrack.cli import main; main()",
        "--config", str(config), "--db", str(db), *args,
    ]  # fmt: skip


def env(info: ServerInfo) -> dict[str, str]:
    return {**os.environ, **info.env}


def spawn(config: Path, db: Path, info: ServerInfo, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(config, db, "snapshot", *args), env=env(info), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def run(config: Path, db: Path, info: ServerInfo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(config, db, *args), env=env(info), text=True, capture_output=True, timeout=120
    )
