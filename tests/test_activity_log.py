"""The activity change-set lines (migration 0005): SQLite writes the lines the format describes,
and what is written reads back as the very strings stored (older relative lines included)."""

from __future__ import annotations

import sqlite3

import pytest

from stacktrack import activity_log

NEXT = "2026-11-02T08:00:00+00:00"
COLUMNS = activity_log.Columns(
    "a.app_key", "a.account_id", "a.since_run", "a.last_active", "a.activity_kind",
    "d.last_active", "d.activity_kind",
)  # fmt: skip


def _sql(old_at: str | None, old_kind: str | None, new_at: str | None, new_kind: str | None,
         app_key: str = "App 1", account_id: str = "00u42") -> tuple[int, str | None]:  # fmt: skip
    conn = sqlite3.connect(":memory:")
    columns = "app_key, account_id, since_run, last_active, activity_kind"
    conn.execute(f"CREATE TABLE a ({columns})")
    conn.execute(f"CREATE TABLE d ({columns})")
    conn.execute("INSERT INTO a VALUES (?, ?, 26, ?, ?)", (app_key, account_id, old_at, old_kind))
    conn.execute("INSERT INTO d VALUES (?, ?, 30, ?, ?)", (app_key, account_id, new_at, new_kind))
    simple, line = conn.execute(
        f"SELECT {activity_log.sql_simple(COLUMNS)}, {activity_log.sql_line(COLUMNS)} FROM a, d"
    ).fetchone()
    conn.close()
    return simple, line if simple else None


CASES = [
    # old last_active, old kind, new last_active, new kind -> the line (since 26 = hex 1a)
    ("2026-11-01T07:59:30+00:00", "sso", NEXT, "sso", "App 1\t00u42\t1a\t=2026-11-01T07:59:30+00:00"),
    (None, None, NEXT, "sso", "App 1\t00u42\t1a\t-\t-"),
    (NEXT, "login", NEXT, "sso", "App 1\t00u42\t1a\t\tlogin"),
    ("2026-11-01T07:59:30.250000+00:00", "api", NEXT, "sso",
     "App 1\t00u42\t1a\t=2026-11-01T07:59:30.250000+00:00\tapi"),
    ("2026-11-01T07:59:30+00:00", "sso", None, None, "App 1\t00u42\t1a\t=2026-11-01T07:59:30+00:00\tsso"),
    ("yesterday", "sso", NEXT, "sso", "App 1\t00u42\t1a\t=yesterday"),
]  # fmt: skip


@pytest.mark.parametrize(("old_at", "old_kind", "new_at", "new_kind", "expected"), CASES)
def test_sqlite_writes_the_line_and_it_reads_back(
    old_at: str | None,
    old_kind: str | None,
    new_at: str | None,
    new_kind: str | None,
    expected: str,
) -> None:
    simple, line = _sql(old_at, old_kind, new_at, new_kind)
    assert (simple, line) == (1, expected)
    blob = activity_log.pack(["\tother\t1\t-", expected])
    found = activity_log.find(blob, "App 1", "00u42")
    assert found is not None
    since, when, kind = found
    assert since == 26
    assert activity_log.resolve(when, kind, new_at, new_kind) == (old_at, old_kind)
    assert activity_log.find(blob, "App 1", "00u4") is None  # a prefix of an id is another id


def test_what_a_line_cannot_hold_is_left_to_a_history_row() -> None:
    assert _sql(None, None, NEXT, "sso", app_key="App\t1") == (0, None)
    assert _sql(None, None, NEXT, "sso", account_id="x\ny") == (0, None)
    assert _sql("a\tb", None, NEXT, "sso") == (0, None)
    assert _sql(NEXT, "-odd", NEXT, "sso") == (0, None)
    assert _sql(NEXT, "", NEXT, "sso") == (0, None)


@pytest.mark.parametrize(
    ("when", "old_at"),
    [
        ("15180", "2026-11-01T08:00:00+00:00"),  # 86,400 s before the next version
        ("-e10", "2026-11-02T09:00:00+00:00"),  # an hour after it
        ("u1", "2026-11-02T07:59:59.999999+00:00"),  # one microsecond before it
    ],
)
def test_relative_lines_of_the_first_0005_build_still_read(when: str, old_at: str) -> None:
    assert activity_log.resolve(when, None, NEXT, "sso") == (old_at, "sso")
