"""Shared helpers for the reliability suite: configs over every first-party plugin's test kit,
fault-injecting transports in front of their emulators, and database/secret inspection."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from stacktrack.config import LoadedConfig, load_config
from stacktrack.sandbox.faults import FaultInjector, FaultyTransport
from stacktrack.testing import Emulator

PLUGINS = ["okta", "salesforce", "hubspot", "slack", "segment", "google_workspace"]
FAULTS = ["timeout", "500", "503", "429", "401", "malformed", "truncated", "repeat_cursor"]


def token_for(plugin: str) -> str:
    """A distinct, recognisable token per source, so a leak names its origin."""
    return f"tok-{plugin.replace('_', '-')}-Zq8x7VpL2mN4kR9sT1uW"


def kit(plugin: str) -> Any:
    return importlib.import_module(f"stacktrack_{plugin}.testkit")


def available_plugins() -> list[str]:
    found = []
    for plugin in PLUGINS:
        try:
            kit(plugin)
        except ImportError:
            continue
        found.append(plugin)
    return found


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def write_config(folder: Path, plugins: Iterable[str], *, extra_sources: str = "") -> Path:
    """A config with one source per plugin (named after it) and one tool per source."""
    plugins = list(plugins)
    lines = ['[stacktrack]\ncurrency = "USD"\n']
    for plugin in plugins:
        table = {
            **kit(plugin).settings(token_for(plugin)),
            "base_url": f"https://{plugin}.emulator.test",
        }
        lines.append(f"[sources.{plugin}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
        lines.append("")
    lines.append(extra_sources)
    for plugin in plugins:
        lines.append(
            f'[[tools]]\nid = "{plugin}-tool"\nname = "{plugin} tool"\nsources = ["{plugin}"]\n'
            "[tools.contract]\nannual_cost = 1200\nseats = 10\n"
        )
    path = folder / "stacktrack.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    path.chmod(0o600)
    return path


def load(folder: Path, plugins: Iterable[str]) -> LoadedConfig:
    return load_config(write_config(folder, plugins), db=folder / "st.db")


class ScriptedInjector(FaultInjector):
    """Injects ``kind`` into the emulator's requests number ``first`` .. ``last`` (1-based)."""

    def __init__(
        self, emulator: Emulator, kind: str | None, first: int = 2, last: int | None = None
    ):
        super().__init__(emulator, {}, seed=0, vendor=emulator.vendor)
        self.kind = kind
        self.first = first
        self.last = first if last is None else last
        self.count = 0

    def decide(self, request: httpx.Request) -> str | None:
        self.count += 1
        if self.kind is not None and self.first <= self.count <= self.last:
            self.injected[self.kind] += 1
            return self.kind
        return None


def emulator(plugin: str, **kwargs: Any) -> Emulator:
    k = kit(plugin)
    return k.EMULATOR(k.sample_data(), token=token_for(plugin), **kwargs)


def transports(
    plugins: Iterable[str],
    faulted: str | None = None,
    kind: str | None = None,
    *,
    first: int = 2,
    last: int | None = None,
) -> tuple[dict[str, httpx.AsyncBaseTransport], dict[str, ScriptedInjector]]:
    injectors = {
        plugin: ScriptedInjector(
            emulator(plugin), kind if plugin == faulted else None, first=first, last=last
        )
        for plugin in plugins
    }
    return {name: FaultyTransport(inj) for name, inj in injectors.items()}, injectors


def table_rows(db_path: Path, table: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        conn.close()


def source_consistency_problems(db_path: Path) -> list[str]:
    """Each source's stored rows must be exactly what its latest successful source run recorded."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    problems = []
    try:
        latest_ok = dict(
            conn.execute(
                "SELECT source, MAX(run_id) FROM source_runs WHERE status = 'ok' GROUP BY source"
            ).fetchall()
        )
        stored = {
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT source FROM apps UNION SELECT DISTINCT source FROM accounts"
            )
        }
        for source in stored - set(latest_ok):
            problems.append(f"{source}: rows stored without a successful source run")
        for source, run_id in latest_ok.items():
            apps_n, accounts_n = conn.execute(
                "SELECT apps, accounts FROM source_runs WHERE source = ? AND run_id = ?",
                (source, run_id),
            ).fetchone()
            app_runs = {
                r[0] for r in conn.execute("SELECT run_id FROM apps WHERE source = ?", (source,))
            }
            n_apps = conn.execute(
                "SELECT COUNT(*) FROM apps WHERE source = ?", (source,)
            ).fetchone()[0]
            n_accounts = conn.execute(
                "SELECT COUNT(*) FROM accounts WHERE source = ?", (source,)
            ).fetchone()[0]
            max_since = conn.execute(
                "SELECT MAX(since_run) FROM accounts WHERE source = ?", (source,)
            ).fetchone()[0]
            if app_runs and app_runs != {run_id}:
                problems.append(
                    f"{source}: apps from runs {sorted(app_runs)}, latest ok run {run_id}"
                )
            if n_apps != apps_n or n_accounts != accounts_n:
                problems.append(
                    f"{source}: {n_apps} apps/{n_accounts} accounts stored, run {run_id} recorded "
                    f"{apps_n}/{accounts_n}"
                )
            if max_since is not None and max_since > run_id:
                problems.append(
                    f"{source}: accounts from run {max_since} after its latest ok run {run_id}"
                )
    finally:
        conn.close()
    return problems


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def leaks(secrets: Iterable[str], **texts: str | bytes) -> list[str]:
    """Which (place, secret) pairs leak: ``texts`` maps a place name to its text or bytes."""
    found = []
    for place, text in texts.items():
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        for secret in secrets:
            if secret.encode() in data:
                found.append(f"{secret[:8]}... in {place}")
    return found


def database_bytes(db_path: Path) -> bytes:
    """The database file with its WAL and shared-memory files: every byte SQLite wrote."""
    return b"".join(
        p.read_bytes()
        for p in (
            db_path,
            db_path.with_name(db_path.name + "-wal"),
            db_path.with_name(db_path.name + "-shm"),
        )
        if p.exists()
    )


def as_of(plugin: str) -> dt.datetime:
    return kit(plugin).NOW
