"""Reliability (docs/benchmarks.md): a database made by every earlier schema version upgrades with no row lost.

``tests/fixtures/schema_v<N>.db`` is a database written by schema version N (made by
``make_schema_fixture.py`` before migration N+1 was added, then never regenerated). Each is copied,
opened with the current code (which migrates it), and compared row by row with its original.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from stacktrack.migrations import SCHEMA_VERSION, migrations
from stacktrack.store import Store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SCHEMA_FIXTURES = sorted(
    FIXTURES.glob("schema_v*.db"), key=lambda p: int(re.findall(r"\d+", p.name)[0])
)


def _dump(path: Path) -> dict[str, tuple[list[str], Counter[tuple[Any, ...]]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        dump = {}
        for table in tables:
            cursor = conn.execute(f"SELECT * FROM [{table}]")
            columns = [d[0] for d in cursor.description]
            dump[table] = (columns, Counter(cursor.fetchall()))
        return dump
    finally:
        conn.close()


def _version(path: Path) -> int:
    return int(re.findall(r"\d+", path.name)[0])


def test_a_fixture_for_every_schema_version() -> None:
    """Adding migration N+1 means committing schema_v<N>.db first (see make_schema_fixture.py)."""
    assert [_version(p) for p in SCHEMA_FIXTURES] == list(range(1, SCHEMA_VERSION + 1))
    assert len(migrations._migrations) == SCHEMA_VERSION


@pytest.mark.parametrize("fixture", SCHEMA_FIXTURES, ids=lambda p: p.name)
def test_fixture_upgrades_with_every_row_kept(fixture: Path, tmp_path: Path) -> None:
    db = tmp_path / "st.db"
    shutil.copy(fixture, db)
    before = _dump(db)
    applied = before["_sqlite_migrations"][1]
    assert len(applied) == _version(fixture), "the fixture's applied migrations match its name"
    assert all(rows for _, rows in before.values()), "every table of the fixture holds rows"

    with Store.open(db) as store:
        assert store.integrity_ok()
        runs = store.runs()
        state = store.current_state()
    after = _dump(db)

    for table, (columns, rows) in before.items():
        assert table in after, f"table {table} was dropped"
        new_columns, new_rows = after[table]
        missing_columns = [c for c in columns if c not in new_columns]
        assert not missing_columns, f"{table}: columns {missing_columns} were dropped"
        index = [new_columns.index(c) for c in columns]
        projected = Counter(tuple(row[i] for i in index) for row in new_rows.elements())
        lost = rows - projected
        assert not lost, (
            f"{table}: {sum(lost.values())} rows lost or changed, e.g. {next(iter(lost))}"
        )
    # and the current code reads it
    assert len(runs) == len(before["runs"][1])
    assert state.run_id == max(r.id for r in runs)
    assert state.sources and all(s.observation is not None for s in state.sources.values())


def test_the_comparison_notices_a_lost_row(tmp_path: Path) -> None:
    """The check above can fail: delete one row from an upgraded copy and compare again."""
    fixture = SCHEMA_FIXTURES[-1]
    db = tmp_path / "st.db"
    shutil.copy(fixture, db)
    before = _dump(db)
    conn = sqlite3.connect(db)
    conn.execute(
        "DELETE FROM account_history WHERE rowid = (SELECT MIN(rowid) FROM account_history)"
    )
    conn.commit()
    conn.close()
    _columns, rows = before["account_history"]
    assert rows - _dump(db)["account_history"][1]
