"""Launch the real TUI in tmux N times per size and check the overview's first paint is complete.

    python bench/tui_first_paint.py [--runs 20] [--sizes 160x48,80x24] [--fresh-bytecode]

Builds a demo (seed 1, 8 weeks) in a temporary folder, then for each launch starts ``stacktrack``
in a new detached tmux session of that size, waits until the overview table is on screen, captures
the pane (``tmux capture-pane -p``) and checks what a user would see:

- every column label of that width is whole in the header row;
- every tool row visible shows the tool's name whole (cut only by the 20-letter narrow rule), and a
  utilization figure ("NN%" or "unknown");
- the footer shows ``? Help`` and ``q Quit``.

``--fresh-bytecode`` points each launch at an empty ``PYTHONPYCACHEPREFIX``, so every launch pays
the import compile cost of a first launch after install (the slow start that exposed the bug).
Exits 1 if any launch fails, printing the failing capture.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDE_LABELS = ("Tool", "Verdict", "At stake", "Utilization", "active", "Features", "Annual cost",
               "Integration", "Notice by", "Data")  # fmt: skip
NARROW_LABELS = ("Tool", "Verdict", "Stake", "Util.", "active", "Notice")
NAME_WIDTH = 20


def build_demo(folder: Path) -> tuple[Path, Path]:
    exe = Path(sys.executable).with_name("stacktrack")
    subprocess.run(
        [str(exe), "demo", "--no-tui", "--weeks", "8", "--dir", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return folder / "stacktrack.toml", folder / "stacktrack.db"


def check(capture: str, names: list[str], width: int) -> list[str]:
    """What is wrong with one captured first paint; empty when it is complete."""
    lines = capture.splitlines()
    problems = []
    header = next((line for line in lines if line.lstrip().startswith("Tool ")), None)
    if header is None:
        return ["no overview header row on screen"]
    labels = WIDE_LABELS if width >= 120 else NARROW_LABELS
    if width >= 180:  # the owner column needs 180 columns (screens/overview.py, WIDEST)
        labels = (*labels, "Owner")
    problems += [f"header label {label!r} is cut" for label in labels if label not in header]
    start = lines.index(header) + 1
    rows = []
    for line in lines[start:]:
        if len(line.strip()) <= 2 or "q Quit" in line:  # blank, scrollbar only, footer
            break
        rows.append(line)
    if not rows:
        problems.append("no tool rows under the header")
    shown = {name if width >= 120 or len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"
             for name in names}  # fmt: skip
    for row in rows:
        cell = row.strip().split("  ")[0].strip()
        if cell not in shown:
            problems.append(f"tool name cut: {cell!r}")
        if not re.search(r"\d+%|unknown", row):
            problems.append(f"no utilization figure in {row.strip()[:40]!r}")
    footer = lines[-1] if lines else ""
    for key in ("? Help", "q Quit"):
        if key not in footer:
            problems.append(f"footer lacks {key!r}: {footer.strip()!r}")
    return problems


TMUX = ["tmux", "-L", f"stacktrack-first-paint-{os.getpid()}"]
"""A private tmux server: other tmux sessions on the machine neither see nor disturb the runs."""


def launch(config: Path, db: Path, width: int, height: int, env: str, timeout: float) -> str:
    session = "first-paint"
    exe = Path(sys.executable).with_name("stacktrack")
    command = f"{env} {shlex.quote(str(exe))} --config {config} --db {db}"
    subprocess.run(
        [*TMUX, "new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), command],
        check=True,
    )
    try:
        deadline = time.monotonic() + timeout
        capture = ""
        while time.monotonic() < deadline:
            time.sleep(0.25)
            capture = subprocess.run(
                [*TMUX, "capture-pane", "-p", "-t", session],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            if "Tool " in capture and re.search(r"\d+%", capture):
                time.sleep(0.5)  # what stays on screen, not a frame in passing
                return subprocess.run(
                    [*TMUX, "capture-pane", "-p", "-t", session],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
        return capture
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], check=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sizes", default="160x48,80x24")
    parser.add_argument("--fresh-bytecode", action="store_true")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 2
    failed = 0
    # A session that outlives the runs keeps the private server up between them (killing a
    # server's last session while the next one connects fails with "server exited unexpectedly").
    subprocess.run([*TMUX, "new-session", "-d", "-s", "keep", "sleep 86400"], check=True)
    try:
        failed = run_all(args)
    finally:
        subprocess.run([*TMUX, "kill-server"], check=False)
    return 1 if failed else 0


def run_all(args: argparse.Namespace) -> int:
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        config, db = build_demo(Path(tmp) / "demo")
        names = [t["name"] for t in tomllib.loads(config.read_text())["tools"]]
        token_env = " ".join(
            f"{key}={shlex.quote(value)}"
            for key, value in os.environ.items()
            if key.startswith("STACKTRACK_SANDBOX_")
        )
        for size in args.sizes.split(","):
            width, height = (int(n) for n in size.split("x"))
            ok = 0
            for run in range(args.runs):
                env = token_env
                if args.fresh_bytecode:
                    env += f" PYTHONPYCACHEPREFIX={shlex.quote(tmp)}/pyc{size}-{run}"
                capture = launch(config, db, width, height, env, args.timeout)
                problems = check(capture, names, width)
                if problems:
                    failed += 1
                    print(f"{size} launch {run + 1}: FAILED")
                    print("\n".join(f"  {p}" for p in problems[:8]))
                    print(capture)
                else:
                    ok += 1
            print(f"{size}: complete first paint on {ok} of {args.runs} launches", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
