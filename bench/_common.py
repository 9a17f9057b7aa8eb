"""Shared helpers of the benchmarks: machine description, timing, synthetic observations."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {cpu}, {os.cpu_count()} cores; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def header(title: str) -> None:
    print(f"# {title}")
    print(f"# {machine()}")


def result(name: str, ratio: float, target: float | None, detail: str = "") -> None:
    """The last line every benchmark prints: ``<name> ratio <x> (target <= y: met|MISSED)``."""
    verdict = (
        ""
        if target is None
        else f" (target <= {target:g}: {'met' if ratio <= target else 'MISSED'})"
    )
    print(f"{name} ratio {ratio:.2f}{verdict}{'; ' + detail if detail else ''}")


def file_size(path: Path) -> int:
    """Bytes of the database after a checkpoint (the WAL folded in)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path.stat().st_size


def seconds_result(name: str, seconds: float, target: float, detail: str = "") -> None:
    """Like ``result``, for an absolute time: ``<name> <x>s (target <= y s: met|MISSED)``."""
    verdict = "met" if seconds <= target else "MISSED"
    print(
        f"{name} {seconds:.3f}s (target <= {target:g}s: {verdict}){'; ' + detail if detail else ''}"
    )
