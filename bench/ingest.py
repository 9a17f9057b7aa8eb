"""Storing 1,000,000 account rows through the store vs raw ``sqlite3`` ``executemany`` (SPEC §12).

The store path is ``Store.store_source_result`` with one Observation holding 1,000,000 accounts over
10 apps (a directory source), into a fresh database: building the rows from the pydantic models, the
diff against what is stored, the insert and the source-run row, in its ``BEGIN IMMEDIATE`` transaction.
The baseline inserts the very same row tuples (built beforehand, untimed) with one ``executemany`` in
one transaction into a table of the same schema, on a connection with the same PRAGMAs (WAL,
synchronous=NORMAL). Both are run twice, alternating; the best of each is compared.

    .venv/bin/python bench/ingest.py [--rows N]

Last line: ``ingest ratio <store / raw>``; target <= 1.5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sqlite3
import tempfile
from pathlib import Path

import _common as c

from stacktrack.migrations import migrations
from stacktrack.plugin_api import Account, ActivityKind, AppUsage, Observation
from stacktrack.store import _ACCOUNT_COLUMNS, Store

APPS = 10
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def observation(rows: int) -> Observation:
    per_app = rows // APPS
    apps = []
    for a in range(APPS):
        accounts = [
            Account(
                id=f"00u{a:02d}{n:08d}",
                email=f"user{n:07d}@example.com",
                name=f"User {n}",
                last_active=T0 - dt.timedelta(minutes=n % 50_000) if n % 7 else None,
                activity_kind=ActivityKind.LOGIN if n % 7 else None,
            )
            for n in range(per_app)
        ]
        apps.append(
            AppUsage(app=f"App {a}", app_id=f"0oa{a}", accounts=accounts, activity_known=True)
        )
    return Observation(apps=apps)


def via_store(folder: Path, obs: Observation) -> float:
    path = folder / "store.db"
    with Store.open(path) as store:
        run_id = store.begin_run(T0, T0)
        gc.collect()
        seconds, counts = c.timed(
            lambda: store.store_source_result(run_id, "idp", "okta", obs, duration_s=1.0)
        )
        assert counts["added"] == sum(len(a.accounts or ()) for a in obs.apps)
    return seconds


def raw_rows(obs: Observation) -> list[tuple[object, ...]]:
    return [
        ("idp", usage.app, a.id, a.email, a.name, str(a.status), int(a.assigned), int(a.guest),
         a.last_active.isoformat() if a.last_active else None,
         str(a.activity_kind) if a.activity_kind else None, 1)
        for usage in obs.apps for a in usage.accounts or ()
    ]  # fmt: skip


def via_raw(folder: Path, rows: list[tuple[object, ...]]) -> float:
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
        conn.executemany(sql, rows)
        conn.execute("COMMIT")

    seconds, _ = c.timed(insert)
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    c.header(f"ingest: {args.rows:,} account rows, store vs raw executemany")
    build_s, obs = c.timed(lambda: observation(args.rows))
    rows = raw_rows(obs)
    print(f"built the observation in {build_s:.1f}s (not timed below)")
    store_times, raw_times = [], []
    for attempt in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            raw_times.append(via_raw(Path(tmp), rows))
        with tempfile.TemporaryDirectory() as tmp:
            store_times.append(via_store(Path(tmp), obs))
        print(f"attempt {attempt + 1}: raw {raw_times[-1]:.2f}s, store {store_times[-1]:.2f}s")
    ratio = min(store_times) / min(raw_times)
    c.result(
        "ingest", ratio, 1.5,
        f"store {min(store_times):.2f}s, raw executemany {min(raw_times):.2f}s, {args.rows:,} rows",
    )  # fmt: skip


if __name__ == "__main__":
    main()
