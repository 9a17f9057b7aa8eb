"""The readers of per-account history and current state give the same answers whatever the storage
(full ``account_history`` rows, activity-log entries since migration 0005, or both after an upgrade).

The expected answers come from a plain model of the listings kept here (versions with the runs they
held in), not from the store: every version an account had, oldest first, then the current one.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from stacktrack.plugin_api import Account, AccountStatus, ActivityKind, AppUsage, Observation
from stacktrack.store import Store

T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
FIXTURES = Path(__file__).resolve().parent / "fixtures"
Key = tuple[str, str, str]  # source, app_key, account_id


class Model:
    """What each account's history must read as: its versions and the runs they held in."""

    def __init__(self) -> None:
        self.current: dict[Key, dict[str, Any]] = {}
        self.closed: dict[Key, list[dict[str, Any]]] = {}

    def store(
        self, run: int, source: str, listing: dict[tuple[str, str], Account]
    ) -> dict[str, int]:
        counts = {"added": 0, "changed": 0, "removed": 0}
        for key in [k for k in self.current if k[0] == source and k[1:] not in listing]:
            self._close(key, run)
            counts["removed"] += 1
        for (app_key, account_id), account in listing.items():
            key = (source, app_key, account_id)
            fields = _fields(app_key, account)
            old = self.current.get(key)
            if old is None:
                counts["added"] += 1
            elif {k: v for k, v in old.items() if k != "since_run"} != fields:
                self._close(key, run)
                counts["changed"] += 1
            else:
                continue
            self.current[key] = {**fields, "since_run": run}
        return counts

    def _close(self, key: Key, run: int) -> None:
        self.closed.setdefault(key, []).append({**self.current.pop(key), "until_run": run})

    def history(self, key: Key) -> list[dict[str, Any]]:
        current = [{**self.current[key], "until_run": None}] if key in self.current else []
        return [*self.closed.get(key, []), *current]

    def keys(self) -> set[Key]:
        return set(self.current) | set(self.closed)


def _fields(app_key: str, a: Account) -> dict[str, Any]:
    return {
        "app_key": app_key,
        "account_id": a.id,
        "email": a.email,
        "name": a.name,
        "status": a.status.value,
        "assigned": int(a.assigned),
        "guest": int(a.guest),
        "last_active": a.last_active.isoformat() if a.last_active else None,
        "activity_kind": a.activity_kind.value if a.activity_kind else None,
    }


def _listing(rng: random.Random, day: int, people: int) -> list[tuple[str, Account]]:
    """One run's accounts for two apps: most people unchanged, many with new activity, a few with
    other changes, some missing for a while, and now and then one listed twice (last one wins)."""
    out = []
    for person in range(people):
        if rng.random() < 0.08:
            continue  # absent this run (removed, perhaps back later)
        app = "A" if person % 3 else "B"
        seen = rng.random()
        when = (
            None
            if seen < 0.1
            # a few sub-second stamps and other time zones (validated to UTC)
            else (T0 + dt.timedelta(days=day // (1 + person % 4), seconds=person * 7)).astimezone(
                dt.timezone(dt.timedelta(hours=person % 3))
            )
            + dt.timedelta(microseconds=123_456 if seen > 0.9 else 0)
        )
        account = Account(
            id=f"u{person:03d}",
            email=f"p{person}@example.com" if rng.random() > 0.03 else f"p{person}@new.example",
            name=f"Person {person}" if rng.random() > 0.05 else None,
            status=AccountStatus.ACTIVE if rng.random() > 0.04 else AccountStatus.SUSPENDED,
            guest=person % 11 == 0,
            last_active=when,
            activity_kind=None
            if when is None
            else rng.choice([ActivityKind.SSO] * 5 + [ActivityKind.LOGIN]),
        )
        if rng.random() < 0.03:
            out.append((app, account.model_copy(update={"name": "listed twice"})))
        out.append((app, account))
    return out


def _run_history(store: Store, model: Model, runs: int, seed: int) -> None:
    rng = random.Random(seed)
    for day in range(runs):
        run = store.begin_run(T0 + dt.timedelta(days=day), T0)
        for source in ("idp", "vendor"):
            listing = _listing(rng, day, 40 if source == "idp" else 12)
            apps: dict[str, list[Account]] = {}
            for app, account in listing:
                apps.setdefault(app, []).append(account)
            obs = Observation(
                apps=[
                    AppUsage(app=app, accounts=accts, activity_known=True)
                    for app, accts in apps.items()
                ]
            )
            counts = store.store_source_result(run, source, "manual", obs, duration_s=0.1)
            expected = model.store(run, source, {(app, a.id): a for app, a in listing})
            assert {k: counts[k] for k in expected} == expected, (run, source)
        store.finish_run(run, "ok", 0, T0)


def _check_readers(store: Store, model: Model) -> int:
    checked = 0
    for key in sorted(model.keys()):
        assert store.account_history(*key) == model.history(key), key
        checked += len(model.history(key))
    state = store.current_state()
    for source in ("idp", "vendor"):
        observation = state.sources[source].observation
        assert observation is not None
        stored = {
            (usage.app, a.id): _fields(usage.app or "", a)
            for usage in observation.apps
            for a in usage.accounts or ()
        }
        expected = {
            key[1:]: {k: v for k, v in row.items() if k != "since_run"}
            for key, row in model.current.items()
            if key[0] == source
        }
        assert stored == expected
    return checked


@pytest.mark.parametrize("seed", [1, 2])
def test_account_history_and_current_state_match_the_listings(tmp_path: Path, seed: int) -> None:
    model = Model()
    with Store.open(tmp_path / "st.db") as store:
        _run_history(store, model, runs=30, seed=seed)
        versions = _check_readers(store, model)
        logged = store.db.conn.execute("SELECT COUNT(*) FROM activity_changes").fetchone()[0]
        rows = store.db["account_history"].count
    assert versions > 52 * 10  # the history is not trivial...
    assert logged > 0 and rows > 0  # ...and both kinds of storage are exercised


def test_an_upgraded_database_reads_its_old_history_and_the_new_one_together(
    tmp_path: Path,
) -> None:
    """Schema 4 kept every change as an ``account_history`` row; after the upgrade new changes go
    to the log, and an account's history reads as one sequence across both."""
    db = tmp_path / "st.db"
    shutil.copy(FIXTURES / "schema_v4.db", db)
    with Store.open(db) as store:
        sources = [row[0] for row in store.db.conn.execute("SELECT DISTINCT source FROM accounts")]
        keys = store.db.conn.execute(
            "SELECT source, app_key, account_id FROM accounts UNION"
            " SELECT source, app_key, account_id FROM account_history"
        ).fetchall()
        before = {tuple(key): store.account_history(*key) for key in keys}
        assert any(len(h) > 1 for h in before.values())  # the fixture has old history rows
        last_run = max(r.id for r in store.runs())
        # one more run per source: every current account gets a new last activity (a log entry)
        later = T0 + dt.timedelta(days=400)
        run = store.begin_run(later, later)
        state = store.current_state()
        for source in sources:
            observation = state.sources[source].observation
            assert observation is not None
            apps = [
                usage.model_copy(
                    update={
                        "accounts": [
                            a.model_copy(
                                update={"last_active": later, "activity_kind": ActivityKind.SSO}
                            )
                            for a in usage.accounts
                        ]
                        if usage.accounts is not None
                        else None
                    }
                )
                for usage in observation.apps
            ]
            store.store_source_result(run, source, "manual", Observation(apps=apps), duration_s=0.1)
        assert store.db["activity_changes"].count > 0
        for key, old in before.items():
            after = store.account_history(*key)
            if old[-1]["until_run"] is not None:  # removed before the upgrade: unchanged
                assert after == old
                continue
            assert old[-1]["since_run"] <= last_run
            # the old versions read the same; the formerly current one now ends at the new run
            expected_tail = [
                {**old[-1], "until_run": run},
                {**old[-1], "last_active": later.isoformat(), "activity_kind": "sso",
                 "since_run": run, "until_run": None},
            ]  # fmt: skip
            assert after == [*old[:-1], *expected_tail], key


def test_a_schema_5_database_reads_its_relative_lines(tmp_path: Path) -> None:
    """The first build of 0005 wrote activity times relative to the next version; they read back
    as the times the fixture stored (make_schema_fixture.py: U001 active at T0 + day, days 0-2)."""
    db = tmp_path / "st.db"
    shutil.copy(FIXTURES / "schema_v5.db", db)
    fixture_t0 = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)
    with Store.open(db) as store:
        history = store.account_history("hubspot", "", "U001")
    assert [(h["since_run"], h["until_run"], h["last_active"]) for h in history] == [
        (run, None if run == 3 else run + 1, (fixture_t0 + dt.timedelta(days=run - 1)).isoformat())
        for run in (1, 2, 3)
    ]
    assert {(h["email"], h["name"], h["activity_kind"]) for h in history} == {
        ("ada@example.com", "Ada Lovelace", "login")
    }
