"""``report`` and TUI first paint with 365 daily runs vs with 30 runs (docs/benchmarks.md).

300 tools, 50,000 users, 5% changing per day (``_synth.py``), written through the store API; the
30-run database is the same history stopped after run 30. ``report`` is the real command
(``stacktrack report --json`` through click, in-process: config, store, analysis, JSON); the first
paint is ``stacktrack.tui.app.first_paint_seconds`` (headless Textual, until the overview table is
filled). Runs alternate between the two databases; the median of each is compared.

    .venv/bin/python bench/history.py [--repeat N]

Last line: ``history ratio <max of the report and first-paint ratios>``; target <= 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import _common as c
import _synth
from click.testing import CliRunner

from stacktrack.cli import main as cli
from stacktrack.config import load_config


def report_seconds(config: Path, db: Path) -> float:
    seconds, result = c.timed(
        lambda: CliRunner().invoke(
            cli, ["--config", str(config), "--db", str(db), "report", "--json"]
        )
    )
    assert result.exit_code == 0, result.output
    assert '"stacktrack.report/1"' in result.output
    return seconds


def first_paint(config: Path, db: Path) -> float:
    from stacktrack.tui.app import first_paint_seconds

    return first_paint_seconds(load_config(config, db=db), db)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    shape = _synth.Shape()
    c.header(
        f"history: report and TUI first paint, 365 vs 30 daily runs ({shape.tools} tools, {shape.users:,} users)"
    )
    paths = _synth.databases(shape, 365, (1, 30, 365))
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "stacktrack.toml"
        # Okta has no default base URL; none is ever called (the report only reads the store).
        text = _synth.config_text(shape, paths[30]).replace(
            'plugin = "okta"\n', 'plugin = "okta"\nbase_url = "https://bench.okta.invalid"\n'
        )
        config.write_text(text, encoding="utf-8")
        config.chmod(0o600)
        times: dict[str, dict[int, list[float]]] = {
            "report": {30: [], 365: []},
            "paint": {30: [], 365: []},
        }
        report_seconds(config, paths[30])  # warm imports and caches once
        first_paint(config, paths[30])
        for attempt in range(args.repeat):
            for runs in (30, 365) if attempt % 2 == 0 else (365, 30):
                times["report"][runs].append(report_seconds(config, paths[runs]))
                times["paint"][runs].append(first_paint(config, paths[runs]))
    ratios = {}
    for what, by_runs in times.items():
        m30, m365 = statistics.median(by_runs[30]), statistics.median(by_runs[365])
        ratios[what] = m365 / m30
        print(
            f"{what}: median {m30:.3f}s on 30 runs, {m365:.3f}s on 365 runs -> {ratios[what]:.2f}"
        )
    c.result(
        "history", max(ratios.values()), 1.5,
        f"report {ratios['report']:.2f}, TUI first paint {ratios['paint']:.2f}",
    )  # fmt: skip


if __name__ == "__main__":
    main()
