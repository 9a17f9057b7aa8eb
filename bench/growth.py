"""Database size after 365 and 1,000 daily runs vs after one run (docs/benchmarks.md).

50,000 users and 300 tools (see ``_synth.py``: an identity-provider source listing every person's
app account, five vendor connectors, per-run tool aggregates), written through the store API. A
changing user gets a new ``last_active`` on every account (all of their rows differ). Sizes are
file sizes after a WAL checkpoint; the per-table split comes from SQLite's ``dbstat``.

Two change rates: the 5% of users a day of the original target, and the sandbox company's own rate
(measured here from the seed-7 world: the share of seats whose last activity moves from one day to
the next, averaged over two weeks, weekends included) — the rate a real team's history grows at.

    .venv/bin/python bench/growth.py [--runs 1000] [--change RATE]

Last line: ``growth ratio <size after 365 / size after 1>`` at the sandbox's rate; target <= 20.
"""

from __future__ import annotations

import argparse
import datetime as dt
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


def sandbox_change_rate(seed: int = 7, days: int = 14) -> float:
    """Share of the sandbox world's seats whose ``last_active`` changes from one day to the next."""
    from stacktrack.sandbox.world import World

    world = World.generate(seed)
    shares = []
    for back in range(1, days + 1):
        before = world.at(world.end - dt.timedelta(days=back + 1))
        after = world.at(world.end - dt.timedelta(days=back))
        old = {(k, s.employee.key): s.last_active for k, a in before.apps.items() for s in a.seats}
        new = {(k, s.employee.key): s.last_active for k, a in after.apps.items() for s in a.seats}
        shares.append(sum(old.get(key, "new") != value for key, value in new.items()) / len(new))
    return sum(shares) / len(shares)


def measure(change: float, runs: int) -> float:
    shape = _synth.Shape(change=change)
    keep = tuple(sorted({1, 30, 365, runs}))
    print(f"-- {change:.0%} of {shape.users:,} users changing per day, {runs} runs")
    paths = _synth.databases(shape, runs, keep)
    one = c.file_size(paths[1])
    for count in keep:
        path = paths[count]
        sizes = table_sizes(path)
        top = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in list(sizes.items())[:4])
        size = c.file_size(path)
        print(f"after {count:5} runs: {size / 1e6:7.1f} MB = {size / one:5.1f} x one run ({top})")
    return c.file_size(paths[365]) / one


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--change", type=float, default=None, help="default: the sandbox's rate")
    args = parser.parse_args()
    rate = sandbox_change_rate() if args.change is None else args.change
    c.header(f"growth: daily runs at 5% and at {rate:.0%} (the sandbox's) of users changing")
    at_five = measure(0.05, 365)
    print(f"at 5%: {at_five:.1f} x after 365 runs")
    ratio = measure(rate, args.runs)
    c.result("growth", ratio, 20, f"at {rate:.0%} changing per day, 365 runs (5%: {at_five:.1f})")


if __name__ == "__main__":
    main()
