"""The store's bulk paths (tuned by bench/ingest.py): the first store of a source streams its rows,
later ones diff against what is stored; both must agree on rows and counts, duplicates included."""

from __future__ import annotations

import datetime as dt
import gc
import zlib
from pathlib import Path

import pytest

from stacktrack.plugin_api import Account, AccountStatus, ActivityKind, AppUsage, Observation
from stacktrack.store import Store

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _obs(*accounts: Account, app: str | None = None) -> Observation:
    return Observation(apps=[AppUsage(app=app, accounts=list(accounts), activity_known=True)])


def _rows(store: Store) -> list[tuple[object, ...]]:
    return store.db.conn.execute(
        "SELECT source, app_key, account_id, email, status, assigned, last_active, activity_kind,"
        " since_run FROM accounts ORDER BY account_id"
    ).fetchall()


def test_first_store_and_diff_agree_and_duplicates_count_once(tmp_path: Path) -> None:
    old = Account(id="a", email="a@x.com", last_active=T0, activity_kind=ActivityKind.SSO)
    again = Account(
        id="a", email="a@x.com", status=AccountStatus.SUSPENDED, assigned=False,
        last_active=T0 + dt.timedelta(days=1), activity_kind=ActivityKind.LOGIN,
    )  # fmt: skip
    other = Account(id="b", email="b@x.com")
    with Store.open(tmp_path / "st.db") as store:
        run1 = store.begin_run(T0, T0)
        counts = store.store_source_result(run1, "s", "p", _obs(old, other, again), duration_s=1)
        assert (counts["accounts"], counts["added"]) == (2, 2)
        first = _rows(store)
        assert first == [
            ("s", "", "a", "a@x.com", "suspended", 0, (T0 + dt.timedelta(days=1)).isoformat(),
             "login", run1),
            ("s", "", "b", "b@x.com", "active", 1, None, None, run1),
        ]  # fmt: skip
        # the diff path with the same listing: nothing changes, not even since_run
        run2 = store.begin_run(T0, T0)
        counts = store.store_source_result(run2, "s", "p", _obs(old, other, again), duration_s=1)
        assert (counts["accounts"], counts["added"], counts["changed"]) == (2, 0, 0)
        assert _rows(store) == first
        # a change and a removal go to history
        run3 = store.begin_run(T0, T0)
        counts = store.store_source_result(run3, "s", "p", _obs(old), duration_s=1)
        assert (counts["accounts"], counts["changed"], counts["removed"]) == (1, 1, 1)
        assert store.account_history("s", "", "a")[0]["status"] == "suspended"
        assert store.account_history("s", "", "a")[-1]["status"] == "active"
        stored = store.db.conn.execute(
            "SELECT accounts FROM source_runs WHERE run_id = ?", (run3,)
        ).fetchone()[0]
        assert stored == 1


def test_the_collector_is_running_again_after_a_store(tmp_path: Path) -> None:
    assert gc.isenabled()
    with Store.open(tmp_path / "st.db") as store:
        run = store.begin_run(T0, T0)
        store.store_source_result(run, "s", "p", _obs(Account(id="a")), duration_s=1)
    assert gc.isenabled()


def test_history_rows_store_only_what_changed_and_read_back_whole(tmp_path: Path) -> None:
    """Migration 0002: a history row keeps NULL for fields equal to the next version; reading an
    account's history fills them back in, across changes, a removal and a return."""

    def acct(
        day: int | None, *, status: AccountStatus = AccountStatus.ACTIVE, name: str = "Ada"
    ) -> Account:
        when = None if day is None else T0 + dt.timedelta(days=day)
        return Account(
            id="a", email="a@x.com", name=name, status=status, last_active=when,
            activity_kind=ActivityKind.SSO if when else None,
        )  # fmt: skip

    listings = [
        [acct(None)],  # run 1
        [acct(1)],  # run 2: last_active and kind change
        [acct(2, name="Ada L.")],  # run 3: last_active and name change
        [],  # run 4: removed
        [acct(4, status=AccountStatus.SUSPENDED)],  # run 5: back, suspended
        [acct(5, status=AccountStatus.SUSPENDED)],  # run 6
    ]
    with Store.open(tmp_path / "st.db") as store:
        for accounts in listings:
            run = store.begin_run(T0, T0)
            store.store_source_result(run, "s", "p", _obs(*accounts), duration_s=1)
        history = store.account_history("s", "", "a")
        stored = store.db.conn.execute(
            "SELECT email, name, last_active, same FROM account_history ORDER BY since_run"
        ).fetchall()
        changes = [
            (run, zlib.decompress(blob).decode())
            for run, blob in store.db.conn.execute(
                "SELECT run_id, entries FROM activity_changes ORDER BY run_id"
            )
        ]
    expected = [
        (1, 2, None, "Ada", "active"),
        (2, 3, T0 + dt.timedelta(days=1), "Ada", "active"),
        (3, 4, T0 + dt.timedelta(days=2), "Ada L.", "active"),
        (5, 6, T0 + dt.timedelta(days=4), "Ada", "suspended"),
        (6, None, T0 + dt.timedelta(days=5), "Ada", "suspended"),
    ]
    assert [
        (h["since_run"], h["until_run"], h["last_active"], h["name"], h["status"]) for h in history
    ] == [(s, u, w.isoformat() if w else None, n, st) for s, u, w, n, st in expected]
    assert all(h["email"] == "a@x.com" for h in history)
    # run 2 (activity only) and run 6 are change-set lines; the name change (run 3) is a history row
    # that does not repeat the unchanged e-mail, the removal's row (no next version) is complete
    assert stored == [
        (None, "Ada", (T0 + dt.timedelta(days=1)).isoformat(), 0b1001),  # e-mail and kind same
        ("a@x.com", "Ada L.", (T0 + dt.timedelta(days=2)).isoformat(), 0),
    ]
    # app key "", account "a", since run 1 (hex), no activity, no kind; since 5, its time
    day4 = (T0 + dt.timedelta(days=4)).isoformat()
    assert changes == [(2, "\ta\t1\t-\t-"), (6, f"\ta\t5\t={day4}")]


@pytest.mark.parametrize("count", [1, 89, 90, 91, 180, 271])
def test_every_account_is_stored_and_diffed_across_statement_chunks(
    tmp_path: Path, count: int
) -> None:
    """The store binds many accounts to one statement (a multi-row VALUES list): counts on both
    sides of a chunk's size must store every account once, and the diff must find each change,
    including the last account of a partial chunk."""

    def listing(day: int) -> Observation:
        return _obs(
            *(
                Account(
                    id=f"u{n:04d}",
                    email=f"u{n}@x.com",
                    last_active=T0 + dt.timedelta(days=day if n % 3 == 0 or n == count - 1 else 0),
                )
                for n in range(count)
            ),
            app="App",
        )

    changed = {n for n in range(count) if n % 3 == 0 or n == count - 1}
    with Store.open(tmp_path / "st.db") as store:
        run1 = store.begin_run(T0, T0)
        counts = store.store_source_result(run1, "s", "p", listing(0), duration_s=1)
        assert (counts["accounts"], counts["added"]) == (count, count)
        run2 = store.begin_run(T0 + dt.timedelta(days=1), T0)
        counts = store.store_source_result(run2, "s", "p", listing(1), duration_s=1)
        assert (counts["added"], counts["changed"], counts["removed"]) == (0, len(changed), 0)
        rows = _rows(store)
    assert [row[2] for row in rows] == [f"u{n:04d}" for n in range(count)]
    assert [row[-1] for row in rows] == [run2 if n in changed else run1 for n in range(count)]
    assert [row[6] for row in rows] == [
        (T0 + dt.timedelta(days=1 if n in changed else 0)).isoformat() for n in range(count)
    ]
