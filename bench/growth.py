"""Database size after 365 daily runs with 5% of users changing per day vs after one run (SPEC §12).

50,000 users and 300 tools (see ``_synth.py``: an identity-provider source listing every person's
app account, five vendor connectors, per-run tool aggregates), written through the store API. A
changing user gets a new ``last_active`` on every account (all of their rows differ). Sizes are
file sizes after a WAL checkpoint; the per-table split comes from SQLite's ``dbstat``.

    .venv/bin/python bench/growth.py

Last line: ``growth ratio <size after 365 / size after 1>``; target <= 20.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import _common as c
import _synth


def table_sizes(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return dict(
            conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
        )
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return {}
    finally:
        conn.close()


def main() -> None:
    shape = _synth.Shape()
    c.header(
        f"growth: 365 daily runs, {shape.change:.0%} of {shape.users:,} users changing per day"
    )
    paths = _synth.databases(shape, 365, (1, 30, 365))
    one, year = c.file_size(paths[1]), c.file_size(paths[365])
    for runs, path in ((1, paths[1]), (365, paths[365])):
        sizes = table_sizes(path)
        top = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in list(sizes.items())[:5])
        print(f"after {runs} runs: {c.file_size(path) / 1e6:.1f} MB ({top})")
    c.result(
        "growth", year / one, 20, f"{one / 1e6:.1f} MB after 1 run, {year / 1e6:.1f} MB after 365"
    )


if __name__ == "__main__":
    main()
