"""The activity change-set lines (migration 0005): what is written reads back as the very strings
stored, and SQLite's version of a line (``sql_line``, used by the daily store) equals Python's."""

from __future__ import annotations

import sqlite3
import zlib

import pytest

from stacktrack import activity_log

NEXT = "2026-11-02T08:00:00+00:00"
CASES = [
    # (old last_active, old kind, new last_active, new kind, SQL builds it)
    ("2026-11-01T07:59:30+00:00", "sso", NEXT, "sso", True),
    ("2026-11-03T00:00:00+00:00", "sso", NEXT, "sso", True),  # later than the new one
    (None, None, NEXT, "sso", True),
    (NEXT, "login", NEXT, "sso", True),  # only the kind changed
    ("2026-11-01T07:59:30+00:00", "api", NEXT, "sso", True),
    ("1999-01-01T00:00:00+00:00", None, NEXT, "sso", True),
    ("2026-11-01T07:59:30.250000+00:00", "sso", NEXT, "sso", False),  # sub-second: Python
    ("2026-11-01T07:59:30+00:00", "sso", "2026-11-02T08:00:00.000001+00:00", "sso", False),
    ("2026-11-01T09:59:30+02:00", "sso", NEXT, "sso", False),  # not UTC: kept as text
    ("2026-11-01T07:59:30+00:00", "sso", None, None, False),  # activity gone: kept as text
    ("yesterday", "sso", NEXT, "sso", False),
]


@pytest.mark.parametrize(("old_at", "old_kind", "new_at", "new_kind", "in_sql"), CASES)
def test_a_line_reads_back_as_the_stored_strings(
    old_at: str | None, old_kind: str | None, new_at: str | None, new_kind: str | None, in_sql: bool
) -> None:
    text = activity_log.line("App 1", "00u42", 17, old_at, old_kind, new_at, new_kind)
    assert text is not None
    blob = activity_log.pack(["\tother\t1\t-", text])
    found = activity_log.find(blob, "App 1", "00u42")
    assert found is not None
    since, when, kind = found
    assert since == 17
    assert activity_log.resolve(when, kind, new_at, new_kind) == (old_at, old_kind)
    assert activity_log.find(blob, "App 1", "00u4") is None  # a prefix of an id is another id


@pytest.mark.parametrize(("old_at", "old_kind", "new_at", "new_kind", "in_sql"), CASES)
def test_sqlite_writes_the_same_line_or_leaves_it_to_python(
    old_at: str | None, old_kind: str | None, new_at: str | None, new_kind: str | None, in_sql: bool
) -> None:
    conn = sqlite3.connect(":memory:")
    columns = "app_key, account_id, since_run, last_active, activity_kind"
    conn.execute(f"CREATE TABLE a ({columns})")
    conn.execute(f"CREATE TABLE d ({columns})")
    conn.execute("INSERT INTO a VALUES ('App 1', '00u42', 17, ?, ?)", (old_at, old_kind))
    conn.execute("INSERT INTO d VALUES ('App 1', '00u42', 18, ?, ?)", (new_at, new_kind))
    columns = activity_log.Columns(
        "a.app_key", "a.account_id", "a.since_run", "a.last_active", "a.activity_kind",
        "d.last_active", "d.activity_kind",
    )  # fmt: skip
    simple, sql_line = conn.execute(
        f"SELECT {activity_log.sql_simple(columns)}, {activity_log.sql_line(columns)} FROM a, d"
    ).fetchone()
    assert simple == int(in_sql)
    if in_sql:
        assert sql_line == activity_log.line(
            "App 1", "00u42", 17, old_at, old_kind, new_at, new_kind
        )


def test_texts_with_tabs_or_line_breaks_are_not_lines() -> None:
    assert activity_log.line("App\t1", "x", 1, None, None, NEXT, "sso") is None
    assert activity_log.line("App", "x\ny", 1, None, None, NEXT, "sso") is None
    assert activity_log.line("App", "x", 1, NEXT, "-odd", NEXT, "sso") is None
    assert zlib.decompress(activity_log.pack(["a", "b"])) == b"a\nb"
