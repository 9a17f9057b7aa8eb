"""Reliability (docs/benchmarks.md): bad CSV exports give a clear one-line error: ``config validate`` exits 2 and a snapshot
records the source as failed (exit 4 when it is the only one), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from stacktrack.cli import main
from stacktrack.store import Store

GOOD = "email,last_active\nada@example.com,2026-11-01T10:00:00Z\nbob@example.com,\n"

CASES = {
    # name: (file bytes or None for no file, extra settings, expected words in the error)
    "missing_file": (None, "", r"users.csv does not exist"),
    "missing_column": (
        b"email,seen\nada@example.com,2026-11-01\n",
        "",
        r"no column named 'last_active'",
    ),
    "bad_dates": (
        b"email,last_active\nada@example.com,yesterday\nbob@example.com,31/12/2026\n",
        "",
        r"2 bad rows: line 2: 'last_active' is not an ISO 8601 date",
    ),
    "bad_date_format": (
        b"email,last_active\nada@example.com,2026-11-01\n",
        'date_format = "%d/%m/%Y"\n',
        r"line 2: 'last_active' does not match the format %d/%m/%Y",
    ),
    "extra_cells": (
        b"email,last_active\nada@example.com,2026-11-01,surplus\n",
        "",
        r"line 2: more cells than the header has columns",
    ),
    "wrong_encoding": (
        "email,last_active,name\nzoe@example.com,2026-11-01,Zo\u00eb\n".encode("latin-1"),
        'name_column = "name"\n',
        r"codec can't decode",
    ),
    "not_an_email": (
        b"email,last_active\nnobody,2026-11-01\n",
        "",
        r"line 2: 'email' is not an e-mail",
    ),
    "empty_file": (b"", "", r"no column named 'email', 'last_active' \(the header has: nothing\)"),
}


def _setup(tmp_path: Path, content: bytes | None, extra: str) -> Path:
    if content is not None:
        (tmp_path / "users.csv").write_bytes(content)
    config = tmp_path / "stacktrack.toml"
    config.write_text(
        '[stacktrack]\ncurrency = "USD"\n\n[sources.export]\nplugin = "csv"\npath = "users.csv"\n'
        + extra
        + '\n[[tools]]\nid = "webinars"\nname = "Webinars"\nsources = ["export"]\n'
        "[tools.contract]\nannual_cost = 1200\nseats = 10\n",
        encoding="utf-8",
    )
    return config


def _invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["--config", str(config), "--db", str(config.parent / "st.db"), *args]
    )
    return result.exit_code, result.stderr


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_csv_is_a_clear_error(case: str, tmp_path: Path) -> None:
    import re

    content, extra, expected = CASES[case]
    config = _setup(tmp_path, content, extra)

    code, err = _invoke(config, "config", "validate")
    assert code == 2, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: sources.export: "), err
    assert re.search(expected, lines[0]), lines[0]

    code, err = _invoke(config, "snapshot")
    assert code == 4, err
    assert "Traceback" not in err
    failure = next(line for line in err.splitlines() if line.startswith("export: failed: "))
    assert re.search(expected, failure), failure
    with Store.open(tmp_path / "st.db") as store:
        run = store.latest_run()
    assert run is not None and run.sources[0].status == "failed"
    assert re.search(expected, run.sources[0].error or "")


def test_a_good_csv_validates_and_is_stored(tmp_path: Path) -> None:
    """The control case: the same setup with a sound file (with a BOM, as Excel writes it) works."""
    config = _setup(tmp_path, b"\xef\xbb\xbf" + GOOD.encode(), "")
    code, err = _invoke(config, "config", "validate")
    assert code == 0, err
    code, err = _invoke(config, "snapshot")
    assert code == 0, err
    with Store.open(tmp_path / "st.db") as store:
        state = store.current_state()
    accounts = state.sources["export"].observation.apps[0].accounts  # type: ignore[union-attr]
    assert sorted(a.email for a in accounts) == ["ada@example.com", "bob@example.com"]
