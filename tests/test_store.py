"""The store: migrations on open, atomic per-source writes, change-only account history."""

from __future__ import annotations

import datetime as dt
import sqlite3
import zlib
from pathlib import Path

import pytest

from stacktrack.errors import StoreError
from stacktrack.migrations import migrations
from stacktrack.plugin_api import Account, AccountStatus, AppUsage, Integration, Observation
from stacktrack.store import Store, ToolAggregate

T0 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _obs(n: int, *, active_until: int = 0, suspended: frozenset[int] = frozenset()) -> Observation:
    accounts = [
        Account(
            id=f"u{i}",
            email=f"User{i}@Example.com",
            status=AccountStatus.SUSPENDED if i in suspended else AccountStatus.ACTIVE,
            assigned=i not in suspended,
            last_active=T0 - dt.timedelta(days=i) if i < active_until else None,
        )
        for i in range(n)
    ]
    return Observation(
        apps=[
            AppUsage(
                seats_purchased=10,
                accounts=accounts,
                activity_known=True,
                integrations=[Integration(app="Salesforce", kind="oauth_token", last_used=T0)],
            )
        ],
        notes=["something degraded"],
    )


def test_migrations_create_schema_and_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "st.db"
    Store.open(path).close()
    with Store.open(path) as store:  # reopening applies nothing twice
        tables = set(store.db.table_names())
        assert {"runs", "source_runs", "apps", "accounts", "account_history", "tool_runs"} <= tables
        assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        applied = store.db.conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0]
        assert applied == len(migrations._migrations)  # every migration, once


def test_database_from_a_newer_stacktrack_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "st.db"
    with Store.open(path) as store:
        store.db["_sqlite_migrations"].insert(
            {"migration_set": "stacktrack", "name": "9999_future", "applied_at": "x"}
        )
    with pytest.raises(StoreError, match="newer stacktrack"):
        Store.open(path)


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "st.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open(path)


def test_current_state_round_trips_an_observation(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        run = store.begin_run(T0, T0)
        store.store_source_result(
            run, "hub", "hubspot", _obs(5, active_until=3, suspended=frozenset({4})), duration_s=0.1
        )
        state = store.current_state()
    assert state.run_id == run and state.as_of == T0
    source = state.sources["hub"]
    assert source.status == "ok" and source.in_latest_run and source.integration_aware
    assert source.notes == ("something degraded",)
    app = source.observation.apps[0]  # type: ignore[union-attr]
    assert app.seats_purchased == 10 and app.activity_known
    by_id = {a.id: a for a in app.accounts or []}
    assert by_id["u0"].email == "user0@example.com"
    assert by_id["u1"].last_active == T0 - dt.timedelta(days=1)
    assert by_id["u3"].last_active is None
    assert by_id["u4"].status == AccountStatus.SUSPENDED and not by_id["u4"].assigned
    assert app.integrations == [Integration(app="Salesforce", kind="oauth_token", last_used=T0)]


def test_failed_attempt_keeps_the_last_good_data(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        first = store.begin_run(T0, T0)
        store.store_source_result(first, "hub", "hubspot", _obs(3), duration_s=0.1)
        second = store.begin_run(T0 + dt.timedelta(days=1), T0)
        store.store_source_failure(
            second, "hub", "hubspot", error="HTTP 500", kind="plugin_error", duration_s=1
        )
        state = store.current_state()
    source = state.sources["hub"]
    assert source.status == "failed" and source.error == "HTTP 500"
    assert source.last_success_at == T0
    assert len(source.observation.apps[0].accounts or []) == 3  # type: ignore[union-attr]


def test_history_grows_with_changes_not_with_runs(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        for day in range(5):  # the same 50 accounts five times: nothing new to keep
            run = store.begin_run(T0 + dt.timedelta(days=day), T0)
            counts = store.store_source_result(
                run, "hub", "hubspot", _obs(50, active_until=10), duration_s=0
            )
        assert counts == {"apps": 1, "accounts": 50, "added": 0, "changed": 0, "removed": 0}
        assert store.db["account_history"].count == 0
        run = store.begin_run(T0 + dt.timedelta(days=6), T0)
        counts = store.store_source_result(
            run, "hub", "hubspot", _obs(48, active_until=12), duration_s=0
        )
        assert (
            counts["changed"] == 2 and counts["removed"] == 2
        )  # u10, u11 became active; u48, u49 left
        # the two removals are history rows; the two activity-only changes are two lines of the
        # run's one change set
        assert store.db["account_history"].count == 2
        (blob,) = store.db.conn.execute("SELECT entries FROM activity_changes").fetchone()
        assert sorted(
            line.split("\t")[1] for line in zlib.decompress(blob).decode().split("\n")
        ) == [
            "u10",
            "u11",
        ]
        assert store.db["accounts"].count == 48
        history = store.account_history("hub", "", "u10")
        assert [h["last_active"] for h in history] == [
            None,
            (T0 - dt.timedelta(days=10)).isoformat(),
        ]


def test_tool_aggregates_and_first_seen(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        for day in range(3):
            run = store.begin_run(T0 + dt.timedelta(days=day), T0)
            store.store_source_result(run, "hub", "hubspot", _obs(2), duration_s=0)
            store.save_tool_aggregates(
                run,
                T0 + dt.timedelta(days=day),
                [
                    ToolAggregate(
                        "hubspot",
                        day,
                        2,
                        10,
                        0,
                        day / 10,
                        100.0,
                        90.0,
                        "connected",
                        ["low_utilization"],
                        features_used=day,
                        features_measured=4,
                        capability_utilization=day / 4,
                    ),
                    ToolAggregate("unknown", None, None, None, None, None, 5.0, None, "unknown"),
                ],
            )
        trend = store.tool_trend("hubspot")
        assert [p.active_users for p in trend] == [0, 1, 2]
        assert trend[-1].utilization == pytest.approx(0.2)
        assert [p.capability_utilization for p in trend] == [0, 0.25, 0.5]
        assert [p.capability_utilization for p in store.tool_trend("unknown")] == [None] * 3
        stored = store.db.conn.execute(
            "SELECT features_used, features_measured FROM tool_runs WHERE tool_id = 'hubspot'"
            " ORDER BY run_id"
        ).fetchall()
        assert stored == [(0, 4), (1, 4), (2, 4)]
        state = store.current_state()
    assert state.tool_first_seen == {"hubspot": T0}  # a tool with no known figure is not "seen"


def test_recommendation_state_persists(tmp_path: Path) -> None:
    path = tmp_path / "st.db"
    with Store.open(path) as store:
        store.set_recommendation_state("rec-1", "accepted")
        store.set_recommendation_state("rec-2", "dismissed")
        store.set_recommendation_state("rec-2", "open")
    with Store.open(path) as store:
        assert store.recommendation_states() == {"rec-1": "accepted"}
        with pytest.raises(ValueError):
            store.set_recommendation_state("rec-1", "maybe")


def test_a_crash_inside_a_source_write_leaves_nothing_half_stored(tmp_path: Path) -> None:
    path = tmp_path / "st.db"
    with Store.open(path) as store:
        run = store.begin_run(T0, T0)
        store.store_source_result(run, "hub", "hubspot", _obs(3), duration_s=0)
        original = store._replace_accounts

        def explode(*args, **kwargs):  # type: ignore[no-untyped-def]
            original(*args, **kwargs)  # the accounts are written, then the process "dies"
            raise RuntimeError("crash")

        store._replace_accounts = explode  # type: ignore[method-assign]
        with pytest.raises(RuntimeError):
            store.store_source_result(run + 1, "hub", "hubspot", _obs(7), duration_s=0)
    with Store.open(path) as store:
        assert store.db["accounts"].count == 3
        assert store.integrity_ok()
        assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM source_runs").fetchone()[0] == 1


def test_a_run_where_every_source_failed_does_not_move_the_clock(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        good = store.begin_run(T0, T0)
        store.store_source_result(good, "hub", "hubspot", _obs(3, active_until=2), duration_s=0)
        bad = store.begin_run(T0 + dt.timedelta(days=40), T0)
        store.store_source_failure(
            bad, "hub", "hubspot", error="network", kind="plugin_error", duration_s=0
        )
        state = store.current_state()
    assert state.run_id == good and state.as_of == T0  # activity is judged as of the data's run
    assert state.sources["hub"].status == "failed" and state.sources["hub"].error == "network"


class _Stamp(dt.datetime):
    """A datetime subclass with its own ISO text: the store must keep what ``isoformat`` says."""

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "stamp " + super().isoformat(sep, timespec)


def test_last_active_is_stored_as_its_isoformat_text(tmp_path: Path) -> None:
    """The store writes UTC times without ``datetime.isoformat`` (a faster equivalent); the text must
    be the same as the standard library's, on the first store and on the daily path, and anything
    that is not a plain UTC datetime (another zone, a subclass) must keep its own ``isoformat``."""
    plus_two = dt.timezone(dt.timedelta(hours=2))
    times = [
        dt.datetime(2026, 11, 1, 7, 59, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 7, 59, 30, 250_000, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, 3, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 20, 59, 59, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 9, 0, tzinfo=plus_two),
        _Stamp(2026, 11, 1, 9, 0, tzinfo=dt.UTC),
    ]

    def observation(shift: dt.timedelta) -> Observation:
        accounts = [
            # model_construct: validation would turn +02:00 into UTC and the subclass into datetime
            Account.model_construct(id=f"u{i}", last_active=when + shift)
            for i, when in enumerate(times)
        ]
        return Observation(apps=[AppUsage(accounts=accounts, activity_known=True)])

    shift = dt.timedelta(hours=1, microseconds=5)
    with Store.open(tmp_path / "st.db") as store:
        for day, delta in enumerate((dt.timedelta(0), shift)):
            run = store.begin_run(T0 + dt.timedelta(days=day), T0)
            store.store_source_result(run, "s", "p", observation(delta), duration_s=1.0)
        for i, when in enumerate(times):
            stored = [row["last_active"] for row in store.account_history("s", "", f"u{i}")]
            later = when + shift
            assert stored == [when.isoformat(), later.isoformat()], i
    assert times[-1].isoformat().startswith("stamp ")
    assert (times[-1] + shift).isoformat().startswith("stamp ")


def test_activity_changes_a_line_cannot_hold_read_back(tmp_path: Path) -> None:
    """Ids and app names with a tab or a line break cannot be change-set lines (tab-separated,
    one a line): their old versions must still read back, with the plain ones beside them."""
    ids = ["plain", "tab\there", "line\nbreak"]
    first, second = T0 - dt.timedelta(hours=5), T0 - dt.timedelta(minutes=3)

    def observation(when: dt.datetime) -> Observation:
        return Observation(
            apps=[
                AppUsage(
                    app=app,
                    accounts=[Account(id=i, last_active=when, activity_kind="sso") for i in ids],
                    activity_known=True,
                )
                for app in ("App", "App\tTwo")
            ]
        )

    with Store.open(tmp_path / "st.db") as store:
        runs = []
        for day, when in enumerate((first, second)):
            runs.append(store.begin_run(T0 + dt.timedelta(days=day), T0))
            counts = store.store_source_result(runs[-1], "s", "p", observation(when), duration_s=1)
        assert counts == {"apps": 2, "accounts": 6, "added": 0, "changed": 6, "removed": 0}
        for app in ("App", "App\tTwo"):
            for i in ids:
                history = store.account_history("s", app, i)
                assert [(h["last_active"], h["since_run"], h["until_run"]) for h in history] == [
                    (first.isoformat(), runs[0], runs[1]),
                    (second.isoformat(), runs[1], None),
                ], (app, i)
                assert {(h["account_id"], h["activity_kind"]) for h in history} == {(i, "sso")}
