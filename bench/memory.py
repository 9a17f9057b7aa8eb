"""Peak memory of a snapshot with one source of 100,000 users, next to an empty run (docs/benchmarks.md:
a number, no target).

A Slack workspace of N members (users.list, team.billableInfo, team.accessLogs with one login each)
is served over loopback HTTP by the Slack emulator in this process (pages of 1,000, the API's
maximum); the snapshot runs as a real ``stacktrack snapshot`` in a child process, whose peak resident
memory (``ru_maxrss`` of the child) is measured. The baseline is the same with a workspace of 0
members (interpreter, imports, store, analysis: the fixed cost).

    .venv/bin/python bench/memory.py [--users N]

Last line: ``memory ratio <peak with N users / peak of the empty run>`` (and both in MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import _common as c

from stacktrack.sandbox.faults import FaultInjector
from stacktrack.sandbox.server import SandboxServer

TOKEN = "xoxb-bench-memory-0123456789"
NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def workspace(users: int):  # type: ignore[no-untyped-def]
    from stacktrack_slack.emulator import SlackData

    members, billable, logins = [], {}, []
    last = int((NOW - dt.timedelta(days=3)).timestamp())
    for n in range(users):
        uid = f"U{n:09d}"
        members.append(
            {
                "id": uid, "team_id": "T0BENCH", "name": f"user{n}", "real_name": f"User {n}",
                "deleted": n % 20 == 0, "is_admin": False, "is_owner": False,
                "is_primary_owner": False, "is_restricted": n % 50 == 0,
                "is_ultra_restricted": False, "is_bot": False, "is_app_user": False,
                "updated": last, "tz": "Europe/Paris",
                "profile": {"email": f"user{n:06d}@example.com", "real_name": f"User {n}",
                            "display_name": f"user{n}", "title": "Marketer"},
            }
        )  # fmt: skip
        billable[uid] = {"billing_active": n % 3 != 0}
        logins.append(
            {"user_id": uid, "username": f"user{n}", "date_first": last - 86_400 * 30,
             "date_last": last - n % 86_400, "count": 1 + n % 40}
        )  # fmt: skip
    return SlackData(members=members, billable_info=billable, logins=logins)


def peak_mb(users: int, folder: Path) -> float:
    from stacktrack_slack.emulator import SlackEmulator

    server = SandboxServer(seed=1, end=NOW)
    emulator = SlackEmulator(workspace(users), token=TOKEN, page_size=1000, prefix="/slack")
    server.emulators = {"slack": emulator}
    server.injectors = {"slack": FaultInjector(emulator, {}, seed=1, vendor="slack")}
    info = server.start()
    config = folder / f"memory-{users}.toml"
    config.write_text(
        '[stacktrack]\ncurrency = "USD"\n\n[sources.slack]\nplugin = "slack"\n'
        f'base_url = "{info.url}/slack"\ntoken = {{ env = "BENCH_SLACK_TOKEN" }}\n\n'
        '[[tools]]\nid = "slack"\nname = "Slack"\nsources = ["slack"]\n'
        "[tools.contract]\nannual_cost = 100000\nseats = 120000\n",
        encoding="utf-8",
    )
    config.chmod(0o600)
    code = (
        "import resource, sys\n"
        "from stacktrack.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n"
        "    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    print(f'PEAK_KB {peak}', file=sys.stderr)\n    raise\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code, "--config", str(config), "--db",
             str(folder / f"memory-{users}.db"), "snapshot", "--json"],
            env={**os.environ, "BENCH_SLACK_TOKEN": TOKEN}, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    assert f'"accounts": {users}' in result.stdout or users == 0, result.stdout[-1500:]
    line = next(x for x in result.stderr.splitlines() if x.startswith("PEAK_KB"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    c.header(
        f"memory: peak RSS of a snapshot with one source of {args.users:,} users vs an empty run"
    )
    with tempfile.TemporaryDirectory() as tmp:
        empty = peak_mb(0, Path(tmp))
        full = peak_mb(args.users, Path(tmp))
    print(f"empty run: {empty:.0f} MB peak; {args.users:,} users: {full:.0f} MB peak")
    print(
        f"per user above the baseline: {(full - empty) * 1024 * 1024 / max(args.users, 1):.0f} bytes"
    )
    c.result(
        "memory",
        full / empty,
        None,
        f"{full:.0f} MB with {args.users:,} users, {empty:.0f} MB empty",
    )


if __name__ == "__main__":
    main()
