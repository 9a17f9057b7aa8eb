"""Storing 1,000,000 account rows through the store vs raw ``sqlite3`` ``executemany`` (docs/benchmarks.md).

The store path is ``Store.store_source_result`` with one Observation holding 1,000,000 accounts over
10 apps (a directory source): building the rows from the pydantic models, the diff against what is
stored, the writes and the source-run row, in its ``BEGIN IMMEDIATE`` transaction. Two paths:

- **first**: into a fresh database (every row is new);
- **daily**: the next day's run into that database, with 0%, 5% and 30% of the accounts changed (a
  new ``last_active``): the diff against what is stored is what a daily cron run pays.

The baseline inserts the very same row tuples (built beforehand, untimed) with one ``executemany`` in
one transaction into a table of the same schema, on a connection with the same PRAGMAs (WAL,
synchronous=NORMAL). Each is run ``--repeat`` times, alternating; the best of each is compared, and
the median and the CPU time (``process_time``, steadier on a shared machine) are printed beside it.

    .venv/bin/python bench/ingest.py [--rows N]

Last line: ``ingest ratio <worst of the store paths / raw>``; target <= 1.5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common as c

from stacktrack.migrations import migrations
from stacktrack.plugin_api import Account, ActivityKind, AppUsage, Observation
from stacktrack.store import _ACCOUNT_COLUMNS, Store, _insert_rows

APPS = 10
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


CHANGED = (0.0, 0.05, 0.30)
"""Shares of accounts with a new ``last_active`` in the daily runs."""


def observation(rows: int, changed: float = 0.0) -> Observation:
    """The directory's accounts; ``changed`` of them active a day later than in the first run."""
    per_app = rows // APPS
    every = round(1 / changed) if changed else 0
    apps = []
    for a in range(APPS):
        accounts = [
            Account(
                id=f"00u{a:02d}{n:08d}",
                email=f"user{n:07d}@example.com",
                name=f"User {n}",
                last_active=(
                    T0 + dt.timedelta(days=1)
                    if every and n % every == 0
                    else T0 - dt.timedelta(minutes=n % 50_000)
                    if n % 7
                    else None
                ),
                activity_kind=ActivityKind.LOGIN if n % 7 or (every and n % every == 0) else None,
            )
            for n in range(per_app)
        ]
        apps.append(
            AppUsage(app=f"App {a}", app_id=f"0oa{a}", accounts=accounts, activity_known=True)
        )
    return Observation(apps=apps)


def timed(func: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process, result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def via_store(
    folder: Path, obs: Observation, daily: dict[float, Observation]
) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of the first store, then of each daily run (in order of ``CHANGED``)."""
    path = folder / "store.db"
    seconds: dict[str, tuple[float, float]] = {}
    with Store.open(path) as store:
        run_id = store.begin_run(T0, T0)
        gc.collect()
        wall, cpu, counts = timed(
            lambda: store.store_source_result(run_id, "idp", "okta", obs, duration_s=1.0)
        )
        seconds["first"] = (wall, cpu)
        assert counts["added"] == sum(len(a.accounts or ()) for a in obs.apps)
        for day, (changed, next_obs) in enumerate(daily.items(), start=1):
            when = T0 + dt.timedelta(days=day)
            run_id = store.begin_run(when, when)
            gc.collect()
            wall, cpu, _ = timed(
                functools.partial(
                    store.store_source_result, run_id, "idp", "okta", next_obs, duration_s=1.0
                )
            )
            seconds[f"daily {changed:.0%}"] = (wall, cpu)
    return seconds


def raw_rows(obs: Observation) -> list[tuple[object, ...]]:
    return [
        ("idp", usage.app, a.id, a.email, a.name, str(a.status), int(a.assigned), int(a.guest),
         a.last_active.isoformat() if a.last_active else None,
         str(a.activity_kind) if a.activity_kind else None, 1)
        for usage in obs.apps for a in usage.accounts or ()
    ]  # fmt: skip


def via_raw(
    folder: Path, rows: list[tuple[object, ...]], *, multi_row: bool = False
) -> tuple[float, float]:
    """The baseline: one ``executemany`` of the prebuilt tuples. ``multi_row``: the same tuples
    through the store's multi-row statements (``_insert_rows``, 90 rows a statement), printed for
    information only, because the store uses them and so beats the baseline on the first store."""
    path = folder / "raw.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    # the same table the store writes (schema from the real migration)
    from sqlite_utils import Database

    migrations.apply(Database(conn))
    sql = (
        f"INSERT INTO accounts (source, {', '.join(_ACCOUNT_COLUMNS)}, since_run)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    gc.collect()

    def insert() -> None:
        conn.execute("BEGIN")
        if multi_row:
            head = (
                f"INSERT INTO accounts (source, {', '.join(_ACCOUNT_COLUMNS)}, since_run) VALUES "
            )
            _insert_rows(conn, head, "", rows, 2 + len(_ACCOUNT_COLUMNS))
        else:
            conn.executemany(sql, rows)
        conn.execute("COMMIT")

    wall, cpu, _ = timed(insert)
    conn.close()
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    c.header(f"ingest: {args.rows:,} account rows, store vs raw executemany")
    build_s, obs = c.timed(lambda: observation(args.rows))
    daily = {changed: observation(args.rows, changed) for changed in CHANGED}
    rows = raw_rows(obs)
    print(f"built the observations in {build_s * (1 + len(CHANGED)):.0f}s or so (not timed below)")
    store_times: dict[str, list[tuple[float, float]]] = {}
    raw_times: list[tuple[float, float]] = []
    multi_times: list[tuple[float, float]] = []
    for attempt in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            raw_times.append(via_raw(Path(tmp), rows))
        with tempfile.TemporaryDirectory() as tmp:
            multi_times.append(via_raw(Path(tmp), rows, multi_row=True))
        with tempfile.TemporaryDirectory() as tmp:
            for path, seconds in via_store(Path(tmp), obs, daily).items():
                store_times.setdefault(path, []).append(seconds)
        line = ", ".join(
            f"{path} {times[-1][0]:.2f}s (CPU {times[-1][1]:.2f}s)"
            for path, times in store_times.items()
        )
        print(
            f"attempt {attempt + 1}: raw {raw_times[-1][0]:.2f}s (CPU {raw_times[-1][1]:.2f}s);"
            f" store: {line}"
        )
    raw = min(wall for wall, _ in raw_times)
    raw_median = statistics.median(wall for wall, _ in raw_times)
    raw_cpu = min(cpu for _, cpu in raw_times)
    print(f"{'raw':10} min {raw:.2f}s, median {raw_median:.2f}s, CPU min {raw_cpu:.2f}s")
    multi_wall, multi_cpu = (min(times) for times in zip(*multi_times, strict=True))
    print(
        f"raw with 90 rows a statement (information, not the baseline): min {multi_wall:.2f}s,"
        f" CPU min {multi_cpu:.2f}s"
    )
    for path, times in store_times.items():
        best = min(wall for wall, _ in times)
        median = statistics.median(wall for wall, _ in times)
        cpu = min(cpu for _, cpu in times)
        print(
            f"{path:10} store min {best:.2f}s = {best / raw:.2f} x raw, median {median:.2f}s ="
            f" {median / raw_median:.2f} x, CPU min {cpu:.2f}s = {cpu / raw_cpu:.2f} x"
        )
    worst = max(store_times, key=lambda path: min(wall for wall, _ in store_times[path]))
    best = min(wall for wall, _ in store_times[worst])
    c.result(
        "ingest", best / raw, 1.5,
        f"worst path {worst}: store {best:.2f}s, raw executemany {raw:.2f}s, {args.rows:,} rows",
    )  # fmt: skip


if __name__ == "__main__":
    main()
