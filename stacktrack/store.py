"""The SQLite store (docs/architecture.md): the only code that writes SQL.

Opened with WAL and a busy timeout so the TUI can read while a snapshot writes; migrations run on
every open. Each source's result is written in its own ``BEGIN IMMEDIATE`` transaction, so a crash
leaves either the whole source or none of it. Accounts keep their current state plus only the earlier
versions of rows that changed: a version replaced only because its activity moved is a line of that
run's compressed change set (``activity_changes``, ``activity_log.py``), any other an
``account_history`` row. An unchanged account costs nothing per run.
Per-run per-tool aggregates (``tool_runs``) make trends and the overview independent of history length.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import itertools
import json
import operator
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stacktrack import activity_log
from stacktrack.errors import StoreError
from stacktrack.files import create_private_file, make_private_dir
from stacktrack.gc_pause import gc_paused
from stacktrack.observation import trusted
from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    FeatureUsage,
    Integration,
    Observation,
    VolumeUsage,
)
from stacktrack.schema import MIGRATION_NAMES, MIGRATION_SET, MIGRATIONS_TABLE
from stacktrack.state import Decision, SourceState, StackState

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_S = 30.0
ABANDONED_AFTER = dt.timedelta(hours=25)
"""No run can still be going after this: a source's budget is at most 24 hours (plugin_api)."""

_ACCOUNT_COLUMNS = (
    "app_key", "account_id", "email", "name", "status", "assigned", "guest", "last_active",
    "activity_kind",
)  # fmt: skip
_DELTA_COLUMNS = ("email", "name", "last_active", "activity_kind")
"""The nullable fields a history row may share with its next version (stored NULL, flagged in
``same``, bit 0 = email); status, assigned and guest are NOT NULL in schema 1 and always stored."""
_OLD_COLUMNS = ", ".join(f"old_{c}" for c in ("since_run", *_ACCOUNT_COLUMNS[2:]))
"""The stored version beside a new or changed row in the daily diff's ``temp.differ``."""
_DELTA_INDEX = tuple(1 + _ACCOUNT_COLUMNS.index(c) for c in _DELTA_COLUMNS)  # in an accounts row


@dataclass(frozen=True)
class SourceRunRecord:
    source: str
    plugin: str
    status: str
    error: str | None
    error_kind: str | None
    duration_s: float | None
    apps: int | None
    accounts: int | None
    integrations: int | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunRecord:
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    exit_code: int | None
    sources: list[SourceRunRecord] = field(default_factory=list)


@dataclass(frozen=True)
class TrendPoint:
    run_id: int
    as_of: dt.datetime
    active_users: int | None
    seats_assigned: int | None
    seats_purchased: int | None
    utilization: float | None
    capability_utilization: float | None = None
    """``None`` = unknown, and for runs stored before schema 3."""


@dataclass(frozen=True)
class ToolAggregate:
    """One row of ``tool_runs``: the figures the trend plot and the history benchmarks read."""

    tool_id: str
    active_users: int | None
    seats_assigned: int | None
    seats_purchased: int | None
    never_active_users: int | None
    utilization: float | None
    annual_cost: float | None
    idle_spend: float | None
    integration_status: str | None
    flags: Sequence[str] = ()
    features_used: int | None = None
    features_measured: int | None = None
    capability_utilization: float | None = None
    volume_metric: str | None = None
    """The plan volume figure (docs/methodology.md, "Plan volume"); ``None`` = no figure."""
    volume_used: int | None = None
    volume_included: int | None = None
    volume_utilization: float | None = None


class _Connection:
    """The store's connection as ``conn``; sqlite-utils' ``Database`` over it is made on first use
    of anything else (``migrate``, ``db["table"]``). Reading the database needs only ``conn``, and
    importing sqlite-utils costs ``report`` and the TUI ~30 ms of start-up (docs/benchmarks.md)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._database: Database | None = None

    def database(self) -> Database:
        if self._database is None:
            from sqlite_utils import Database

            self._database = Database(self.conn, execute_plugins=False)
        return self._database

    def close(self) -> None:
        self.conn.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.database(), name)

    def __getitem__(self, name: str) -> Any:
        return self.database()[name]


class Store:
    def __init__(self, db: _Connection, path: Path) -> None:
        self.db = db
        self.path = path

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, migrate: bool = True) -> Store:
        """Open (creating if needed) the database; its folder is made 0700 and the file 0600,
        because it holds e-mail addresses and activity (SQLite gives the WAL and SHM files the
        database file's mode). Existing folders and files keep the modes they have."""
        path = Path(path)
        try:
            make_private_dir(path.parent)
            if not path.exists():
                create_private_file(path)
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves; timeout = busy timeout.
            conn = sqlite3.connect(
                str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA recursive_triggers=on")  # what sqlite-utils' Database sets
            db = _Connection(conn)
            if migrate and not _schema_is_current(conn):
                from stacktrack.migrations import migrations

                _check_not_newer(db.database())
                migrations.apply(db.database())
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open the database ({exc}).") from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot create the database ({exc.strerror}).") from None
        return cls(db, path)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: takes the write lock up front, so no deadlock later."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                # SQLite has already rolled back after some errors (disk full, I/O): a second
                # ROLLBACK would fail and hide the real error behind "no transaction is active".
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot write to the database ({exc}).") from None

    # -- writing a run -------------------------------------------------------------------------

    def begin_run(self, clock: dt.datetime, wall: dt.datetime) -> int:
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started_at, wall_started_at, status) VALUES (?, ?, 'running')",
                (_ts(clock), _ts(wall)),
            )
        return int(cursor.lastrowid or 0)

    def mark_abandoned_runs(self) -> int:
        """Mark every ``running`` run ``abandoned``; returns how many. Call it holding the snapshot
        lock only: then no run is alive, and a ``running`` one was killed (SIGKILL, power loss)
        before ``finish_run``. Readers write nothing; they show such a run as abandoned once it
        is older than any budget allows (``ABANDONED_AFTER``)."""
        found = self.db.conn.execute("SELECT 1 FROM runs WHERE status = 'running' LIMIT 1")
        if found.fetchone() is None:
            return 0
        with self._write() as conn:
            update = "UPDATE runs SET status = 'abandoned' WHERE status = 'running'"
            return conn.execute(update).rowcount

    def finish_run(self, run_id: int, status: str, exit_code: int, wall: dt.datetime) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE runs SET status = ?, exit_code = ?, finished_at = ? WHERE id = ?",
                (status, exit_code, _ts(wall), run_id),
            )

    def store_source_failure(
        self, run_id: int, source: str, plugin: str, *, error: str, kind: str, duration_s: float
    ) -> None:
        """Record a failed attempt; the source's earlier data stays as it was."""
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO source_runs (run_id, source, plugin, status, error,"
                " error_kind, duration_s) VALUES (?, ?, ?, 'failed', ?, ?, ?)",
                (run_id, source, plugin, error, kind, duration_s),
            )

    def store_source_result(
        self, run_id: int, source: str, plugin: str, observation: Observation, *, duration_s: float
    ) -> dict[str, int]:
        """Store one source's observation atomically; returns counts of what changed."""
        apps_rows = []
        integrations = 0
        integration_aware = False
        for usage in observation.apps:
            apps_rows.append(_app_row(source, usage.app or "", usage, run_id))
            if usage.integrations is not None:
                integration_aware = True
                integrations += len(usage.integrations)
        with gc_paused(), self._write() as conn:
            changes, accounts = self._replace_accounts(conn, run_id, source, observation.apps)
            conn.execute("DELETE FROM apps WHERE source = ?", (source,))
            conn.executemany(
                "INSERT INTO apps (source, app_key, app, app_id, aliases, seats_purchased, seats_used,"
                " active_users_reported, accounts_listed, activity_known, history_horizon_days,"
                " features, integrations, run_id, volume)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                apps_rows,
            )
            conn.execute(
                "INSERT OR REPLACE INTO source_runs (run_id, source, plugin, status, duration_s, apps,"
                " accounts, integrations, integration_aware, notes)"
                " VALUES (?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?)",
                (
                    run_id, source, plugin, duration_s, len(apps_rows), accounts,
                    integrations, int(integration_aware), json.dumps(observation.notes),
                ),
            )  # fmt: skip
        return {"apps": len(apps_rows), "accounts": accounts, **changes}

    def _replace_accounts(
        self, conn: sqlite3.Connection, run_id: int, source: str, apps: Sequence[AppUsage]
    ) -> tuple[dict[str, int], int]:
        """Make ``apps``' accounts the source's current accounts; returns (changes, accounts).

        Unchanged rows are left alone (they keep their ``since_run``); a changed or vanished row's old
        version is archived with ``until_run`` = this run: as a line of this run's activity change
        set when only its activity changed, else as an ``account_history`` row. The same account
        listed twice under one app counts once (the last listing wins).
        """
        columns = f"source, {', '.join(_ACCOUNT_COLUMNS)}, since_run"
        width = 2 + len(_ACCOUNT_COLUMNS)

        def rows() -> Iterator[tuple[Any, ...]]:
            return itertools.chain.from_iterable(
                _account_rows(source, usage.app or "", usage.accounts, run_id)
                for usage in apps
                if usage.accounts
            )

        stored = conn.execute("SELECT COUNT(*) FROM accounts WHERE source = ?", (source,))
        stored_count = stored.fetchone()[0]
        if stored_count == 0:
            # Nothing stored for this source yet: stream the rows straight in (the first run of a
            # big source is the ingest benchmark's case; no list of a million rows in between). A
            # plain INSERT counts the rows for free; an account listed twice under one app makes it
            # fail, and the general path below (last listing wins) takes over.
            before = conn.total_changes
            conn.execute("SAVEPOINT first_store")
            try:
                _insert_rows(conn, f"INSERT INTO accounts ({columns}) VALUES ", "", rows(), width)
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK TO first_store")
                conn.execute("RELEASE first_store")
            else:
                conn.execute("RELEASE first_store")
                count = conn.total_changes - before
                return {"added": count, "changed": 0, "removed": 0}, count
        listing: Iterable[tuple[Any, ...]] = rows()
        if _listed_twice(apps):  # rare: the last listing wins
            listing = {(row[1], row[2]): row for row in listing}.values()
            listed_count = len(listing)
        else:
            listed_count = sum(len(usage.accounts or ()) for usage in apps)
        # The daily path (bench/ingest.py): SQLite looks each listed row up by its primary key and
        # keeps only new or different rows, with the stored version beside them, in a temporary
        # table; the unchanged majority never comes back to Python.
        conn.execute(f"CREATE TEMP TABLE differ ({columns}, {_OLD_COLUMNS})")
        try:
            before = conn.total_changes
            _insert_rows(
                conn,
                "INSERT INTO temp.differ SELECT v.*, a.since_run, a.email, a.name, a.status,"
                " a.assigned, a.guest, a.last_active, a.activity_kind FROM (VALUES ",
                ") AS v LEFT JOIN accounts a ON a.source = v.column1 AND a.app_key = v.column2"
                " AND a.account_id = v.column3 WHERE a.since_run IS NULL OR NOT"
                " (a.email IS v.column4 AND a.name IS v.column5 AND a.status IS v.column6"
                " AND a.assigned IS v.column7 AND a.guest IS v.column8"
                " AND a.last_active IS v.column9 AND a.activity_kind IS v.column10)",
                listing,
                width,
            )
            differing = conn.total_changes - before
            return self._apply_differences(
                conn, run_id, source, apps, (stored_count, listed_count, differing)
            )
        finally:
            conn.execute("DROP TABLE IF EXISTS temp.differ")

    def _apply_differences(
        self,
        conn: sqlite3.Connection,
        run_id: int,
        source: str,
        apps: Sequence[AppUsage],
        counts: tuple[int, int, int],
    ) -> tuple[dict[str, int], int]:
        """Archive what the rows of ``temp.differ`` (new or changed) replace and what vanished,
        then write them. ``counts``: accounts stored before, distinct accounts listed, rows in
        ``temp.differ``; from them follows whether any stored account is no longer listed, so the
        listing is compared key by key only when one is."""
        stored_count, listed_count, differing = counts
        columns = f"source, {', '.join(_ACCOUNT_COLUMNS)}, since_run"
        same_but_activity = " AND ".join(f"old_{c} IS {c}" for c in _ACCOUNT_COLUMNS[2:7])
        replaced = "old_since_run IS NOT NULL"
        # Versions replaced by a change of activity only become lines of this run's change set:
        # only the few columns a line needs come back to Python (the SQLite string functions that
        # built the lines cost more than the transfer). Every other replaced version, and the rare
        # one a line cannot hold, is a history row.
        lines, refused = activity_log.lines(
            conn.execute(
                "SELECT app_key, account_id, old_since_run, old_last_active, old_activity_kind,"
                f" last_active, activity_kind FROM temp.differ WHERE {replaced}"
                f" AND {same_but_activity}"
            )
        )
        history = [
            _history_row((*row[:3], *row[12:19], row[11]), row[:11], run_id)
            for row in conn.execute(
                f"SELECT * FROM temp.differ WHERE {replaced} AND NOT ({same_but_activity})"
            )
        ]
        if refused:
            keys = set(refused)
            history.extend(
                _history_row((*row[:3], *row[12:19], row[11]), row[:11], run_id)
                for row in conn.execute(
                    f"SELECT * FROM temp.differ WHERE {replaced} AND {same_but_activity}"
                )
                if (row[1], row[2]) in keys
            )
        changed = len(lines) + len(history)
        added = differing - changed
        removed: list[tuple[Any, ...]] = []
        if stored_count > listed_count - added:  # some stored accounts are not listed any more
            listed = {(usage.app or "", a.id) for usage in apps for a in usage.accounts or ()}
            removed = [
                row
                for row in conn.execute(
                    f"SELECT {columns} FROM accounts WHERE source = ?", (source,)
                )
                if (row[1], row[2]) not in listed
            ]
            history.extend((*old, run_id, 0) for old in removed)
        if history:
            conn.executemany(
                f"INSERT INTO account_history ({columns}, until_run, same)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                history,
            )
        if lines:
            self._add_activity_changes(conn, source, run_id, lines)
        if removed:
            conn.executemany(
                "DELETE FROM accounts WHERE source = ? AND app_key = ? AND account_id = ?",
                [old[:3] for old in removed],
            )
        conn.execute(
            f"INSERT OR REPLACE INTO accounts ({columns}) SELECT {columns} FROM temp.differ"
        )
        return {"added": added, "changed": changed, "removed": len(removed)}, listed_count

    def _add_activity_changes(
        self, conn: sqlite3.Connection, source: str, run_id: int, lines: list[str]
    ) -> None:
        """This run's change set for the source (merged with one stored earlier in the same run,
        which only happens when a run stores a source twice)."""
        row = conn.execute(
            "SELECT entries FROM activity_changes WHERE source = ? AND run_id = ?",
            (source, run_id),
        ).fetchone()
        if row is not None:
            lines = [*activity_log.unpack(row[0]), *lines]
        conn.execute(
            "INSERT OR REPLACE INTO activity_changes (source, run_id, entries) VALUES (?, ?, ?)",
            (source, run_id, activity_log.pack(lines)),
        )

    def save_tool_aggregates(
        self, run_id: int, as_of: dt.datetime, rows: Iterable[ToolAggregate]
    ) -> None:
        """Per-run per-tool figures; a tool with any known figure is marked first seen now."""
        rows = list(rows)
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO tool_runs (run_id, tool_id, as_of, active_users,"
                " seats_assigned, seats_purchased, never_active_users, utilization, annual_cost,"
                " idle_spend, integration_status, flags, features_used, features_measured,"
                " capability_utilization, volume_metric, volume_used, volume_included,"
                " volume_utilization)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id, row.tool_id, _ts(as_of), row.active_users, row.seats_assigned,
                        row.seats_purchased, row.never_active_users, row.utilization,
                        row.annual_cost, row.idle_spend, row.integration_status,
                        json.dumps(list(row.flags)), row.features_used, row.features_measured,
                        row.capability_utilization, row.volume_metric, row.volume_used,
                        row.volume_included, row.volume_utilization,
                    )
                    for row in rows
                ],
            )  # fmt: skip
            conn.executemany(
                "INSERT OR IGNORE INTO tool_first_seen (tool_id, first_seen) VALUES (?, ?)",
                [
                    (row.tool_id, _ts(as_of))
                    for row in rows
                    if row.seats_assigned is not None
                    or row.active_users is not None
                    or row.seats_purchased is not None
                ],
            )

    # -- reading -------------------------------------------------------------------------------

    def runs(self) -> list[RunRecord]:
        by_run: dict[int, list[SourceRunRecord]] = {}
        for row in self.db.conn.execute(
            "SELECT run_id, source, plugin, status, error, error_kind, duration_s, apps, accounts,"
            " integrations, notes FROM source_runs ORDER BY run_id, source"
        ):
            by_run.setdefault(row[0], []).append(_source_run(row[1:]))
        return [
            RunRecord(
                id=row[0],
                started_at=_parse(row[1]),  # type: ignore[arg-type]
                finished_at=_parse(row[2]),
                status=_run_status(row[3], row[5]),
                exit_code=row[4],
                sources=by_run.get(row[0], []),
            )
            for row in self.db.conn.execute(
                "SELECT id, started_at, finished_at, status, exit_code, wall_started_at FROM runs"
                " ORDER BY id"
            )
        ]

    def latest_run(self) -> RunRecord | None:
        run_id = self._latest_run_id()
        if run_id is None:
            return None
        row = self.db.conn.execute(
            "SELECT id, started_at, finished_at, status, exit_code, wall_started_at FROM runs"
            " WHERE id = ?",
            (run_id,),
        ).fetchone()
        sources = [
            _source_run(r)
            for r in self.db.conn.execute(
                "SELECT source, plugin, status, error, error_kind, duration_s, apps, accounts,"
                " integrations, notes FROM source_runs WHERE run_id = ? ORDER BY source",
                (run_id,),
            )
        ]
        status = _run_status(row[3], row[5])
        return RunRecord(row[0], _parse(row[1]), _parse(row[2]), status, row[4], sources)  # type: ignore[arg-type]

    def _latest_run_id(self) -> int | None:
        """The latest run that stored data: at least one source succeeded in it.

        A run in which every source failed stores nothing new, so it must not move T:
        otherwise a night of network trouble would age every user's activity and call every tool
        unused. The failures still show, as each source's latest status.
        """
        conn = self.db.conn
        row = conn.execute("SELECT MAX(run_id) FROM source_runs WHERE status = 'ok'").fetchone()
        if row and row[0] is not None:
            return int(row[0])
        row = conn.execute("SELECT MAX(run_id) FROM source_runs").fetchone()
        return row[0] if row else None

    def current_state(self) -> StackState:
        """The latest state of every source, for ``analyze``; cost independent of history length."""
        conn = self.db.conn
        run_id = self._latest_run_id()
        if run_id is None:
            return StackState(run_id=None, as_of=dt.datetime.now(dt.UTC))
        as_of = _parse(
            conn.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()[0]
        )
        assert as_of is not None
        latest = {
            row[0]: row
            for row in conn.execute(
                "SELECT s.source, s.plugin, s.status, s.error, s.run_id FROM source_runs s"
                " JOIN (SELECT source, MAX(run_id) AS run_id FROM source_runs GROUP BY source) m"
                " USING (source, run_id)"
            )
        }
        last_ok = {
            row[0]: row
            for row in conn.execute(
                "SELECT s.source, r.started_at, s.notes, s.integration_aware FROM source_runs s"
                " JOIN (SELECT source, MAX(run_id) AS run_id FROM source_runs WHERE status = 'ok'"
                " GROUP BY source) m USING (source, run_id) JOIN runs r ON r.id = s.run_id"
            )
        }
        observations = self._observations(set(last_ok))
        sources = {}
        for name, (_, plugin, status, error, latest_run_id) in latest.items():
            ok = last_ok.get(name)
            sources[name] = SourceState(
                source=name,
                plugin=plugin,
                status=status,
                error=error,
                last_success_at=_parse(ok[1]) if ok else None,
                observation=observations.get(name),
                notes=tuple(json.loads(ok[2])) if ok else (),
                integration_aware=bool(ok[3]) if ok else False,
                in_latest_run=latest_run_id >= run_id,
            )
        first_seen = {
            row[0]: _parse(row[1])
            for row in conn.execute("SELECT tool_id, first_seen FROM tool_first_seen")
        }
        checked_at = max(as_of, self._checked_at() or as_of)
        return StackState(
            run_id=run_id,
            as_of=as_of,
            sources=sources,
            tool_first_seen=first_seen,  # type: ignore[arg-type]
            checked_at=checked_at,
        )

    def _checked_at(self) -> dt.datetime | None:
        """The latest attempted run's clock, advanced by the wall time elapsed since it began.

        Real runs have clock = wall, so this is simply now; the sandbox's simulated clock moves on
        from its last run. Either way a week without a successful run shows as stale data.
        """
        row = self.db.conn.execute(
            "SELECT started_at, wall_started_at FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        elapsed = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(row[1])
        return dt.datetime.fromisoformat(row[0]) + max(elapsed, dt.timedelta(0))

    def _observations(self, sources: set[str]) -> dict[str, Observation]:
        conn = self.db.conn
        accounts: dict[tuple[str, str], list[Account]] = {}
        statuses = {s.value: s for s in AccountStatus}
        kinds = {k.value: k for k in ActivityKind}
        for row in conn.execute(
            "SELECT source, app_key, account_id, email, name, status, assigned, guest, last_active,"
            " activity_kind FROM accounts"
        ):
            accounts.setdefault((row[0], row[1]), []).append(
                trusted(  # validated before it was stored; model_construct costs 3x as much
                    Account,
                    {
                        "id": row[2],
                        "email": row[3],
                        "name": row[4],
                        "status": statuses.get(row[5], AccountStatus.ACTIVE),
                        "assigned": bool(row[6]),
                        "guest": bool(row[7]),
                        "last_active": dt.datetime.fromisoformat(row[8]) if row[8] else None,
                        "activity_kind": kinds.get(row[9]) if row[9] else None,
                    },
                )
            )
        apps: dict[str, list[AppUsage]] = {}
        for row in conn.execute(
            "SELECT source, app_key, app, app_id, aliases, seats_purchased, seats_used,"
            " active_users_reported, accounts_listed, activity_known, history_horizon_days,"
            " features, integrations, volume FROM apps ORDER BY source, app_key"
        ):
            if row[0] not in sources:
                continue
            apps.setdefault(row[0], []).append(
                AppUsage.model_construct(
                    app=row[2],
                    app_id=row[3],
                    aliases=json.loads(row[4]),
                    seats_purchased=row[5],
                    seats_used=row[6],
                    active_users_reported=row[7],
                    accounts=accounts.get((row[0], row[1]), []) if row[8] else None,
                    activity_known=bool(row[9]),
                    history_horizon_days=row[10],
                    features=[FeatureUsage.model_validate(f) for f in json.loads(row[11])]
                    if row[11] is not None
                    else None,
                    integrations=[Integration.model_validate(i) for i in json.loads(row[12])]
                    if row[12] is not None
                    else None,
                    volume=[VolumeUsage.model_validate(v) for v in json.loads(row[13])]
                    if row[13] is not None
                    else None,
                )
            )
        return {
            name: Observation.model_construct(apps=apps.get(name, []), notes=[]) for name in sources
        }

    def tool_trend(self, tool_id: str) -> list[TrendPoint]:
        return [
            TrendPoint(row[0], _parse(row[1]), row[2], row[3], row[4], row[5], row[6])  # type: ignore[arg-type]
            for row in self.db.conn.execute(
                "SELECT run_id, as_of, active_users, seats_assigned, seats_purchased, utilization,"
                " capability_utilization FROM tool_runs WHERE tool_id = ? ORDER BY run_id",
                (tool_id,),
            )
        ]

    def account_history(self, source: str, app_key: str, account_id: str) -> list[dict[str, Any]]:
        """Earlier versions of one account (oldest first), then its current row."""
        columns = (*_ACCOUNT_COLUMNS, "since_run")
        conn = self.db.conn
        rows = [
            dict(zip((*columns, "until_run", "same"), row, strict=True))
            for row in conn.execute(
                f"SELECT {', '.join(columns)}, until_run, same FROM account_history"
                " WHERE account_id = ? AND source = ? AND app_key = ?",
                (account_id, source, app_key),
            )
        ]
        current = conn.execute(
            f"SELECT {', '.join(columns)} FROM accounts WHERE source = ? AND app_key = ?"
            " AND account_id = ?",
            (source, app_key, account_id),
        ).fetchone()
        if current:
            rows.append({**dict(zip(columns, current, strict=True)), "until_run": None, "same": 0})
        # Versions replaced by a change of activity only (migration 0005): every field but the
        # activity is the replacing version's, filled in below like the ``same`` fields.
        logged = {}
        for until, blob in conn.execute(
            "SELECT run_id, entries FROM activity_changes WHERE source = ?", (source,)
        ):
            found = activity_log.find(blob, app_key, account_id)
            if found is not None:
                since, when, kind = found
                logged[since] = (when, kind)
                rows.append({"since_run": since, "until_run": until, "same": 0})
        rows.sort(key=lambda row: row["since_run"])
        # Fill in the fields a history row shares with the version that replaced it (newest first,
        # so that version is already complete).
        by_since = {row["since_run"]: row for row in rows}
        for row in reversed(rows):
            same = row.pop("same")
            following = by_since.get(row["until_run"])
            if row["since_run"] in logged:
                when, kind = logged[row["since_run"]]
                for column in columns[:-1]:
                    row[column] = following[column] if following else None
                at, kind = activity_log.resolve(
                    when,
                    kind,
                    following["last_active"] if following else None,
                    following["activity_kind"] if following else None,
                )
                row["last_active"], row["activity_kind"] = at, kind
                continue
            for bit, column in enumerate(_DELTA_COLUMNS):
                if same & (1 << bit):
                    row[column] = following[column] if following else None
        return [{column: row[column] for column in (*columns, "until_run")} for row in rows]

    # -- decisions -----------------------------------------------------------------------------

    def recommendation_states(self) -> dict[str, str]:
        """Id -> ``accepted`` | ``dismissed`` (reopened recommendations are open: left out)."""
        return dict(
            self.db.conn.execute(
                "SELECT id, status FROM recommendation_state WHERE status != 'open'"
            )
        )

    def decisions(self) -> dict[str, Decision]:
        """Every recorded decision, reopened ones included (they keep who, when and the note)."""
        rows = self.db.conn.execute(
            "SELECT id, status, updated_at, decided_by, note FROM recommendation_state"
        )
        return {
            rec_id: Decision(status, _parse(at), by, note) for rec_id, status, at, by, note in rows
        }

    def set_decision(
        self,
        rec_id: str,
        status: str,
        *,
        note: str | None = None,
        by: str | None = None,
        at: dt.datetime | None = None,
    ) -> Decision:
        """Record ``accepted``, ``dismissed`` or ``open`` (reopen) for a recommendation id.

        ``note=None`` keeps the note already recorded ("" clears it); ``by`` defaults to the OS
        user; ``at`` to now. The TUI's note field and ``stacktrack decide`` both call this.
        """
        if status not in ("accepted", "dismissed", "open"):
            raise ValueError(f"unknown recommendation status {status!r}")
        when = at or dt.datetime.now(dt.UTC)
        who = by or os_user()
        with self._write() as conn:
            if note is None:
                row = conn.execute(
                    "SELECT note FROM recommendation_state WHERE id = ?", (rec_id,)
                ).fetchone()
                note = row[0] if row else None
            conn.execute(
                "INSERT OR REPLACE INTO recommendation_state"
                " (id, status, updated_at, decided_by, note) VALUES (?, ?, ?, ?, ?)",
                (rec_id, status, _ts(when), who, note or None),
            )
        return Decision(status, _parse(_ts(when)), who, note or None)

    def set_recommendation_state(self, rec_id: str, status: str) -> None:
        """``set_decision`` without a note (kept for callers that only switch the status)."""
        self.set_decision(rec_id, status)

    def import_decisions(self, decisions: dict[str, Decision]) -> None:
        """Copy decisions as they are (a rebuilt demo keeps the decisions made on the old one)."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO recommendation_state"
                " (id, status, updated_at, decided_by, note) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        rec_id,
                        d.status,
                        _ts(d.decided_at or dt.datetime.now(dt.UTC)),
                        d.decided_by,
                        d.note,
                    )
                    for rec_id, d in decisions.items()
                ],
            )

    def integrity_ok(self) -> bool:
        return bool(self.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def _run_status(status: str, wall_started_at: str) -> str:
    """A ``running`` run older than any budget allows was killed: show it as ``abandoned``."""
    started = dt.datetime.fromisoformat(wall_started_at)
    if status == "running" and started < dt.datetime.now(dt.UTC) - ABANDONED_AFTER:
        return "abandoned"
    return status


def os_user() -> str | None:
    """The login name of whoever runs stacktrack (``decided_by`` when no ``--by`` is given)."""
    try:
        return getpass.getuser() or None
    except (OSError, KeyError):  # no passwd entry (some containers) and no USER variable
        return None


def _schema_is_current(conn: sqlite3.Connection) -> bool:
    """Every migration applied and no other: nothing to migrate or refuse, no sqlite-utils needed."""
    try:
        rows = conn.execute(
            f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", (MIGRATION_SET,)
        ).fetchall()
    except sqlite3.OperationalError:  # no migrations table yet: a new database
        return False
    return {name for (name,) in rows} == MIGRATION_NAMES


def _check_not_newer(db: Database) -> None:
    from stacktrack.migrations import migrations

    known = {m.name for m in migrations._migrations}
    applied = {m.name for m in migrations.applied(db)}
    unknown = applied - known
    if unknown:
        raise StoreError(
            f"the database was written by a newer stacktrack (schema {', '.join(sorted(unknown))}); "
            "upgrade stacktrack to read it."
        )


def _app_row(source: str, key: str, usage: AppUsage, run_id: int) -> tuple[Any, ...]:
    return (
        source, key, usage.app, usage.app_id, json.dumps(usage.aliases), usage.seats_purchased,
        usage.seats_used, usage.active_users_reported, int(usage.accounts is not None), int(usage.activity_known),
        usage.history_horizon_days,
        None if usage.features is None
        else json.dumps([f.model_dump(mode="json") for f in usage.features]),
        None if usage.integrations is None
        else json.dumps([i.model_dump(mode="json") for i in usage.integrations]),
        run_id,
        None if usage.volume is None
        else json.dumps([v.model_dump(mode="json") for v in usage.volume]),
    )  # fmt: skip


_ROWS_PER_STATEMENT = 90
"""Rows bound to one statement by ``_insert_rows``; 90 rows of 11 values stay within the 999
variables a statement may hold in SQLite builds before 3.32."""


def _insert_rows(
    conn: sqlite3.Connection, head: str, tail: str, rows: Iterable[tuple[Any, ...]], width: int
) -> None:
    """Run ``head (?, ...), (?, ...), ... tail`` over ``rows`` (each of ``width`` values), up to
    ``_ROWS_PER_STATEMENT`` rows a statement: a multi-row ``VALUES`` list.

    At a million accounts SQLite's cost per statement run (reset, step, opening cursors) matters:
    90 rows a statement made inserting 200,000 accounts about 1.9 times cheaper in CPU than one
    ``executemany`` row at a time, and the daily diff's lookups about 1.2 times (bench/ingest.py;
    its baseline stays the plain ``executemany``).
    """
    one = f"({', '.join('?' * width)})"
    it = iter(rows)
    full = _ROWS_PER_STATEMENT * width
    flat = itertools.chain.from_iterable
    rest: list[tuple[Any, ...]] = []

    def chunks() -> Iterator[tuple[Any, ...]]:
        while len(values := tuple(flat(itertools.islice(it, _ROWS_PER_STATEMENT)))) == full:
            yield values
        rest.append(values)

    conn.executemany(f"{head}{', '.join([one] * _ROWS_PER_STATEMENT)}{tail}", chunks())
    if rest[0]:
        conn.execute(f"{head}{', '.join([one] * (len(rest[0]) // width))}{tail}", rest[0])


_ID = operator.attrgetter("id")


def _listed_twice(apps: Sequence[AppUsage]) -> bool:
    """Whether an account id occurs twice under one app key (rare; then the last listing wins)."""
    seen: dict[str, set[str]] = {}
    for usage in apps:
        if usage.accounts:
            ids = seen.setdefault(usage.app or "", set())
            before = len(ids)
            ids.update(map(_ID, usage.accounts))  # map: no Python frame per account
            if len(ids) != before + len(usage.accounts):
                return True
    return False


def _history_row(old: tuple[Any, ...], new: tuple[Any, ...], run_id: int) -> tuple[Any, ...]:
    """The ``account_history`` row for ``old`` (an ``accounts`` row) replaced by ``new`` in ``run_id``:
    fields equal in both are stored as NULL and flagged in ``same`` (migration 0002)."""
    same = 0
    fields = list(old[:-1])
    for bit, index in enumerate(_DELTA_INDEX):
        if old[index] == new[index]:
            same |= 1 << bit
            fields[index] = None
    return (*fields, old[-1], run_id, same)


_PLAIN_TEXT: dict[Any, str | None] = {
    None: None,
    **{member: member.value for member in (*AccountStatus, *ActivityKind)},
}
"""Enum member -> its value as a plain ``str`` (a dict lookup is the cheapest conversion)."""


def _account_rows(
    source: str, key: str, accounts: Iterable[Account], run_id: int
) -> Iterator[tuple[Any, ...]]:
    """``accounts`` rows for one app: ``source``, ``_ACCOUNT_COLUMNS``, ``since_run``.

    A flat generator, because at a million accounts per source the per-row cost is the main term of
    the ingest benchmark (bench/ingest.py). Every value is an exact ``str``/``int``/``None``: sqlite3
    sends any other type (a ``StrEnum`` member, a ``bool``) through its adapter lookup, which made
    ``executemany`` 1.7 times slower. ``last_active`` is its ``isoformat()`` text; for a UTC
    ``datetime`` (every validated ``Account.last_active``) it is put together from the date's and
    the naive time's ``isoformat`` and ``+00:00``, about twice as fast, because
    ``datetime.isoformat`` spends most of its time formatting the offset. Another zone or a
    ``datetime`` subclass goes through ``isoformat`` itself.
    """
    text = _PLAIN_TEXT
    date_iso, time_iso, datetime, utc = dt.date.isoformat, dt.time.isoformat, dt.datetime, dt.UTC
    return (
        (
            source, key, a.id, a.email, a.name, text[a.status], 1 if a.assigned else 0,
            1 if a.guest else 0,
            None if (last := a.last_active) is None
            else f"{date_iso(last)}T{time_iso(last.time())}+00:00"
            if last.tzinfo is utc and type(last) is datetime
            else last.isoformat(),
            text[a.activity_kind], run_id,
        )
        for a in accounts
    )  # fmt: skip


def _source_run(row: Sequence[Any]) -> SourceRunRecord:
    return SourceRunRecord(
        source=row[0], plugin=row[1], status=row[2], error=row[3], error_kind=row[4],
        duration_s=row[5], apps=row[6], accounts=row[7], integrations=row[8],
        notes=tuple(json.loads(row[9] or "[]")),
    )  # fmt: skip


def _ts(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(dt.UTC).isoformat()


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
