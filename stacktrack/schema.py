"""The names of the schema migrations, without sqlite-utils.

``Store.open`` compares them with the names a database records as applied: when they are equal
there is nothing to migrate or refuse, and the reading commands never import sqlite-utils (start-up
time, docs/benchmarks.md). A new migration in ``migrations.py`` adds its name here too;
``tests/test_startup_imports.py`` holds the two lists equal.
"""

from __future__ import annotations

MIGRATION_SET = "stacktrack"
"""The sqlite-utils migration set (``Migrations("stacktrack")`` in ``migrations.py``)."""

MIGRATIONS_TABLE = "_sqlite_migrations"
"""Where sqlite-utils records the applied migrations."""

MIGRATION_NAMES = frozenset(
    {
        "0001_initial",
        "0002_history_deltas",
        "0003_features",
        "0004_decisions",
        "0005_activity_changes",
        "0007_volume",
    }
)
