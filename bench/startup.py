"""Start-up as a user feels it: whole processes on the demo database (docs/benchmarks.md).

Three measurements, each the min and median of ``--repeat`` launches:

- ``stacktrack --version`` (the interpreter and the CLI's imports);
- ``stacktrack report`` on the demo database (imports, config, the store read, the analysis, the table);
- the terminal UI from the process start to its first complete row: ``stacktrack`` runs in a detached
  tmux session of 160x48 (a real pty, on a private tmux server kept up between launches) and the
  pane is polled every 20 ms until a tool row with a utilization figure is on screen.

The demo (``stacktrack demo --no-tui``) is built once in a temporary folder first, and the bytecode of
``stacktrack/``, ``plugins/`` and the example plugin is compiled as a wheel install does (with
``PYTHONDONTWRITEBYTECODE`` set, or in a fresh checkout, every launch would otherwise compile those
modules anew: ~0.25 s).

    .venv/bin/python bench/startup.py [--repeat 5]

Last lines: ``report <min>s`` (target <= 0.3 s) and ``tui first row <min>s`` (target <= 0.8 s).
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import _common as c

EXE = Path(sys.executable).with_name("stacktrack")
POLL_S = 0.02
TMUX = ["tmux", "-L", f"stacktrack-startup-{os.getpid()}"]
"""A private tmux server: other tmux sessions on the machine neither see nor disturb the runs."""


def compile_bytecode() -> None:
    # the example plugin too: the demo includes it (installed from examples/ in a dev checkout)
    example = c.ROOT / "examples" / "stacktrack-github-copilot" / "stacktrack_github_copilot"
    for folder in (c.ROOT / "stacktrack", c.ROOT / "plugins", example):
        compileall.compile_dir(folder, quiet=1)


def build_demo(folder: Path) -> tuple[Path, Path]:
    subprocess.run(
        [str(EXE), "demo", "--no-tui", "--dir", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return folder / "stacktrack.toml", folder / "stacktrack.db"


def process_seconds(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def first_row_seconds(config: Path, db: Path, names: list[str], timeout: float = 30.0) -> float:
    """Seconds from launching the TUI in a 160x48 tmux pane to a complete tool row on screen."""
    session = "first-row"
    row = re.compile("(" + "|".join(re.escape(name) for name in names) + r").*(\d+%|unknown)")
    command = f"{EXE} --config {config} --db {db}"
    started = time.perf_counter()
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", session, "-x", "160", "-y", "48", command], check=True
    )
    try:
        while time.perf_counter() - started < timeout:
            screen = subprocess.run(
                [*TMUX, "capture-pane", "-p", "-t", session],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            if row.search(screen):
                return time.perf_counter() - started
            time.sleep(POLL_S)
        raise RuntimeError(f"no complete row within {timeout:.0f}s:\n{screen}")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], check=False)


def tui_first_rows(config: Path, db: Path, names: list[str], repeat: int) -> list[float]:
    # A session that outlives the runs keeps the private server up between them (killing a
    # server's last session while the next one connects fails with "server exited unexpectedly").
    subprocess.run([*TMUX, "new-session", "-d", "-s", "keep", "sleep 86400"], check=True)
    try:
        return [first_row_seconds(config, db, names) for _ in range(repeat)]
    finally:
        subprocess.run([*TMUX, "kill-server"], check=False)


def summary(times: list[float]) -> str:
    return f"min {min(times):.3f}s, median {statistics.median(times):.3f}s (n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        sys.exit("tmux is not installed")
    c.header("start-up: whole processes on the demo database")
    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        config, db = build_demo(Path(tmp) / "demo")
        names = [tool["name"] for tool in tomllib.loads(config.read_text())["tools"]]
        base = [str(EXE), "--config", str(config), "--db", str(db)]
        version = [process_seconds([str(EXE), "--version"]) for _ in range(args.repeat)]
        report = [process_seconds([*base, "report"]) for _ in range(args.repeat)]
        tui = tui_first_rows(config, db, names, args.repeat)
    print(f"--version          {summary(version)}")
    print(f"report             {summary(report)}")
    print(f"TUI to first row   {summary(tui)}")
    c.seconds_result("report", min(report), 0.3, f"median {statistics.median(report):.3f}s")
    c.seconds_result("tui first row", min(tui), 0.8, f"median {statistics.median(tui):.3f}s")


if __name__ == "__main__":
    main()
