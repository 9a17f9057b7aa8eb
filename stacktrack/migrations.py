"""Schema migrations, applied by ``Store.open`` on every open (sqlite-utils ``Migrations``).

Never edit a migration once released: add a new one. ``tests/fixtures/schema_v*.db`` hold databases
made by each released schema version; a test upgrades each with every row kept.

Tables (see ``store.py`` for how they are used):
- ``runs``, ``source_runs``: one row per snapshot and per source attempt in it.
- ``apps``: the current per-source view of each app (seats, features, integrations as JSON).
- ``accounts``: the current state of every account; ``account_history`` keeps only earlier versions
  of rows that changed or disappeared, so history grows with change, not with users x runs.
  Since 0002 a history row stores as NULL every field equal to the version that replaced it (bit set
  in ``same``), so a year of daily changes to ``last_active`` costs little more than the timestamps
  (bench/growth.py); ``Store.account_history`` fills them back in.
- ``tool_runs``: per-run per-tool aggregates, so trends and "latest figures" never scan history.
  Since 0003 they include the capability figures (features used / measured).
- ``tool_first_seen``, ``recommendation_state``: small state carried across runs. Since 0004 a
  decision row also keeps who decided (``decided_by``) and their ``note``; ``updated_at`` is when
  (``decided_at``); ``status`` ``open`` is a reopened recommendation.
- ``activity_changes`` (0005): per source and run, the versions that run replaced which differed
  from their successor only in ``last_active``/``activity_kind`` (the common daily change), as one
  compressed change set of about nine bytes a version instead of an ``account_history`` row each
  (``stacktrack/activity_log.py``); other changes and removals still go to ``account_history``.
- Since 0007 ``apps.volume`` keeps the plan volume a source observed (JSON, NULL = not observed) and
  ``tool_runs`` the volume figure per run (metric, used, included, utilization).
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("stacktrack")

SCHEMA_VERSION = 6


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL,        -- the run clock (T); simulated in the sandbox
            wall_started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,            -- running | ok | partial | failed
            exit_code INTEGER
        );
        CREATE TABLE source_runs (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            source TEXT NOT NULL,
            plugin TEXT NOT NULL,
            status TEXT NOT NULL,            -- ok | failed
            error TEXT,
            error_kind TEXT,
            duration_s REAL,
            apps INTEGER,
            accounts INTEGER,
            integrations INTEGER,
            integration_aware INTEGER NOT NULL DEFAULT 0,
            notes TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (run_id, source)
        );
        CREATE INDEX source_runs_by_source ON source_runs(source, run_id);
        CREATE TABLE apps (
            source TEXT NOT NULL,
            app_key TEXT NOT NULL,           -- '' for a vendor connector's own app, else the label
            app TEXT,
            app_id TEXT,
            aliases TEXT NOT NULL DEFAULT '[]',
            seats_purchased INTEGER,
            seats_used INTEGER,
            active_users_reported INTEGER,
            accounts_listed INTEGER NOT NULL,
            activity_known INTEGER NOT NULL,
            history_horizon_days INTEGER,
            features TEXT,                   -- JSON list, NULL = not observed
            integrations TEXT,               -- JSON list, NULL = not observed
            run_id INTEGER NOT NULL,
            PRIMARY KEY (source, app_key)
        );
        CREATE TABLE accounts (
            source TEXT NOT NULL,
            app_key TEXT NOT NULL,
            account_id TEXT NOT NULL,
            email TEXT,
            name TEXT,
            status TEXT NOT NULL,
            assigned INTEGER NOT NULL,
            guest INTEGER NOT NULL,
            last_active TEXT,
            activity_kind TEXT,
            since_run INTEGER NOT NULL,      -- the run that stored this version
            PRIMARY KEY (source, app_key, account_id)
        ) WITHOUT ROWID;
        CREATE TABLE account_history (
            source TEXT NOT NULL,
            app_key TEXT NOT NULL,
            account_id TEXT NOT NULL,
            email TEXT,
            name TEXT,
            status TEXT NOT NULL,
            assigned INTEGER NOT NULL,
            guest INTEGER NOT NULL,
            last_active TEXT,
            activity_kind TEXT,
            since_run INTEGER NOT NULL,
            until_run INTEGER NOT NULL       -- first run in which this version no longer held
        );
        CREATE INDEX account_history_by_account ON account_history(source, app_key, account_id);
        CREATE TABLE tool_runs (
            run_id INTEGER NOT NULL,
            tool_id TEXT NOT NULL,
            as_of TEXT NOT NULL,
            active_users INTEGER,
            seats_assigned INTEGER,
            seats_purchased INTEGER,
            never_active_users INTEGER,
            utilization REAL,
            annual_cost REAL,
            idle_spend REAL,
            integration_status TEXT,
            flags TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (tool_id, run_id)
        );
        CREATE TABLE tool_first_seen (
            tool_id TEXT PRIMARY KEY,
            first_seen TEXT NOT NULL
        );
        CREATE TABLE recommendation_state (
            id TEXT PRIMARY KEY,
            status TEXT NOT NULL,            -- accepted | dismissed
            updated_at TEXT NOT NULL
        );
        """
    )


@migrations(name="0002_history_deltas")
def _history_deltas(db: Database) -> None:
    """``account_history.same``: a bitmask over the fields email, name, last_active, activity_kind
    (bit 0 = email) that equal the next version's value and are stored as NULL. Existing rows are full (``same`` = 0). The per-account index keys on ``account_id`` alone:
    a third of the size of (source, app_key, account_id), and as selective."""
    db.executescript(
        """
        ALTER TABLE account_history ADD COLUMN same INTEGER NOT NULL DEFAULT 0;
        DROP INDEX account_history_by_account;
        CREATE INDEX account_history_by_id ON account_history(account_id);
        """
    )


@migrations(name="0003_features")
def _features(db: Database) -> None:
    """Per-run capability figures next to the seat figures (docs/methodology.md, features).

    NULL = unknown (and for runs stored before this migration). The per-feature detail stays in
    ``apps.features`` (the current observation), so nothing grows per run but three numbers.
    """
    db.executescript(
        """
        ALTER TABLE tool_runs ADD COLUMN features_used INTEGER;
        ALTER TABLE tool_runs ADD COLUMN features_measured INTEGER;
        ALTER TABLE tool_runs ADD COLUMN capability_utilization REAL;
        """
    )


@migrations(name="0004_decisions")
def _decisions(db: Database) -> None:
    """Decisions carry who made them and why (``stacktrack decide ... --note --by``)."""
    db.executescript(
        """
        ALTER TABLE recommendation_state ADD COLUMN decided_by TEXT;
        ALTER TABLE recommendation_state ADD COLUMN note TEXT;
        """
    )


@migrations(name="0005_activity_changes")
def _activity_changes(db: Database) -> None:
    """Activity-only changes as one compressed change set per source and run
    (``stacktrack/activity_log.py``).

    A version that differs from the one replacing it only in its activity (the common daily
    change) becomes a line of that run's change set rather than an ``account_history`` row (about
    100 bytes with its index): at the sandbox's rate, a third of the seats active on a given day, a
    year of such rows was 100 times the current data (bench/growth.py). Writing a run's changes is
    one insert, not a row per account. Existing ``account_history`` rows stay as they are; readers
    merge both.
    """
    db.executescript(
        """
        CREATE TABLE activity_changes (
            source TEXT NOT NULL,
            run_id INTEGER NOT NULL,         -- the run that replaced these versions (their until_run)
            entries BLOB NOT NULL,           -- zlib-compressed lines, see stacktrack/activity_log.py
            PRIMARY KEY (source, run_id)
        );
        """
    )


@migrations(name="0007_volume")
def _volume(db: Database) -> None:
    """Plan volume (docs/methodology.md, "Plan volume"): the observation beside the features, the
    per-run figure beside the capability figures. NULL = not observed / unknown (and for rows stored
    before this migration); nothing grows per run but four values. There is no ``0006``: migrations are applied by name in
    the order of this file, so a gap in the numbers changes nothing."""
    db.executescript(
        """
        ALTER TABLE apps ADD COLUMN volume TEXT;
        ALTER TABLE tool_runs ADD COLUMN volume_metric TEXT;
        ALTER TABLE tool_runs ADD COLUMN volume_used INTEGER;
        ALTER TABLE tool_runs ADD COLUMN volume_included INTEGER;
        ALTER TABLE tool_runs ADD COLUMN volume_utilization REAL;
        """
    )
