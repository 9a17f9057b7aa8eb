"""Hostile data from vendors and files (issue 11, items 9, 10, 11 and 13): each fails one source with
a clear reason, or is cleaned, and never takes the run down, hangs it or reaches a terminal raw."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from stacktrack.cli import main
from stacktrack.lock import lock_path
from stacktrack.store import Store
from tests.fake_plugins import install_fake_plugins
from tests.reliability import hostile_plugins
from tests.reliability.hostile import HostileServer, Reply

REPO = Path(__file__).resolve().parents[2]
TOKEN = "tok-crlf-Zq8x7VpL2mN4kR9sT1uW"


@pytest.fixture(autouse=True)
def _plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_plugins(monkeypatch)
    hostile_plugins.install(monkeypatch)


def write_config(folder: Path, sources: str, tools: str = "") -> Path:
    path = folder / "stacktrack.toml"
    path.write_text(sources + tools, encoding="utf-8")
    path.chmod(0o600)
    return path


def cli(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["--config", str(config), "--db", str(config.parent / "st.db"), *args]
    )
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def stored_errors(config: Path) -> dict[str, str | None]:
    with Store.open(config.parent / "st.db") as store:
        run = store.latest_run()
    assert run is not None
    return {s.source: s.error for s in run.sources}


# -- item 10: numbers past what SQLite stores ---------------------------------------------------


def test_a_seat_count_of_2_to_the_70_fails_only_its_source(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, '[sources.good]\nplugin = "fake_good"\n[sources.huge]\nplugin = "hostile_huge"\n'
    )
    code, _, err = cli(config, "snapshot")
    assert code == 3, err  # partial: the good source is stored, the run is not killed
    assert "huge: failed: unexpected data from the vendor" in err
    assert "Internal error" not in err


# -- item 11: control characters from vendors never reach a terminal ----------------------------


def test_terminal_escapes_in_vendor_strings_are_stripped(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        '[sources.esc]\nplugin = "hostile_escape"\n[sources.err]\nplugin = "hostile_escape_error"\n',
        '[[tools]]\nid = "t"\nname = "T"\nsources = ["esc"]\n',
    )
    code, out, err = cli(config, "snapshot")
    assert code == 3
    assert "\x1b" not in err and "\x07" not in err
    assert "vendor said:" in err
    assert all("\x1b" not in (error or "") for error in stored_errors(config).values())
    code, out, err = cli(config, "report")
    assert code == 0, err
    assert "ShadowApp" in out.replace("\n", "") or "Shadow" in out
    assert "\x1b]0;owned" not in out and "\x1b[2J" not in out
    code, out, _ = cli(config, "report", "--json")
    assert code == 0 and "\\u001b" not in out and "\x1b" not in out


# -- item 10: dates and e-mails in a CSV export -------------------------------------------------


def test_a_400_digit_date_and_a_nul_in_an_email_are_bad_rows(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(
        "email,last_active\n"
        f"a@x.com,{'9' * 400}\n"
        "b\x00@x.com,2026-01-01\n"
        "c@x.com,2026-01-01T00:00:00\n",
        encoding="utf-8",
    )
    config = write_config(
        tmp_path,
        '[sources.good]\nplugin = "fake_good"\n[sources.export]\nplugin = "csv"\npath = "users.csv"\n',
    )
    code, _, err = cli(config, "snapshot")
    assert code == 3, err
    assert "2 bad rows" in err and "line 2" in err and "line 3" in err
    assert "NUL" in err
    assert "Internal error" not in err


# -- items 8 and 9: files that never end --------------------------------------------------------


def _subprocess_cli(
    config: Path, *args: str, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """The real CLI with the hostile plugins installed, in its own process (it must exit)."""
    return subprocess.run(
        [sys.executable, "-m", "tests.reliability.hostile_plugins", "--config", str(config),
         "--db", str(config.parent / "st.db"), *args],
        cwd=REPO, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_csv_path_that_never_ends_fails_its_source_and_the_command_exits(
    tmp_path: Path, kind: str
) -> None:
    if kind == "fifo":
        os.mkfifo(tmp_path / "users.csv")
        path = "users.csv"
    else:  # /dev/zero ate 23 GB before; /dev/null (read only here) is a device that harms nothing
        path = "/dev/null"
    config = write_config(tmp_path, f'[sources.export]\nplugin = "csv"\npath = "{path}"\n')
    done = _subprocess_cli(config, "snapshot")  # hung forever (FIFO) or ate 23 GB before
    assert done.returncode == 4, done.stderr
    assert "is not a regular file" in done.stderr


def test_a_csv_file_past_its_cap_fails_with_the_cap_named(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text(
        "email,last_active\n" + "a@x.com,2026-01-01\n" * 70_000, encoding="utf-8"
    )  # 1.3 MB
    config = write_config(
        tmp_path, '[sources.export]\nplugin = "csv"\npath = "users.csv"\nmax_file_mb = 1\n'
    )
    code, _, err = cli(config, "snapshot")
    assert code == 4
    assert "export: failed:" in err and "cap of 1 MB" in err


def test_a_budget_abandons_blocking_work_and_the_command_exits(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, '[sources.stuck]\nplugin = "hostile_blocked"\nbudget_seconds = 1\n'
    )
    done = _subprocess_cli(config, "snapshot")
    assert done.returncode == 4, done.stderr
    assert "did not finish within its 1s budget" in done.stderr


def test_a_second_snapshot_exits_75_while_the_first_is_stuck(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, '[sources.stuck]\nplugin = "hostile_blocked"\nbudget_seconds = 20\n'
    )
    first = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.hostile_plugins", "--config", str(config),
         "--db", str(tmp_path / "st.db"), "snapshot"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lock = lock_path(tmp_path / "st.db")
        for _ in range(600):  # the first holds the lock once it wrote its pid there
            if lock.exists() and lock.read_text().startswith("pid"):
                break
            time.sleep(0.05)
        second = _subprocess_cli(config, "snapshot", timeout=60)
        assert second.returncode == 75, second.stderr
        assert "another snapshot is running" in second.stderr
        _, err = first.communicate(timeout=90)  # and the first ends at its budget
        assert first.returncode == 4, err
    finally:
        if first.poll() is None:
            first.kill()


# -- item 11: a token pasted with its line end --------------------------------------------------


def test_a_token_with_a_trailing_crlf_is_stripped_and_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRLF_TOKEN", TOKEN + "\r\n")
    with HostileServer({"/users": Reply(body=b'["a@x.com"]')}) as server:
        config = write_config(
            tmp_path,
            f'[sources.api]\nplugin = "fake_http"\nbase_url = "{server.url}"\n'
            'token = { env = "CRLF_TOKEN" }\n',
        )
        result = CliRunner().invoke(
            main, ["--config", str(config), "--db", str(tmp_path / "st.db"), "-vv", "snapshot"]
        )
    assert result.exit_code == 0, result.stderr
    assert server.seen[0].authorization == f"Bearer {TOKEN}"
    assert TOKEN not in result.stderr and TOKEN not in result.stdout


# -- item 13: retries that end well are not news for cron ---------------------------------------


@pytest.mark.parametrize("verbose", [False, True])
def test_retry_warnings_are_quiet_on_a_cron_run(tmp_path: Path, verbose: bool) -> None:
    flaky = [Reply(503, body=b"{}"), Reply(body=b'["a@x.com"]')]
    with HostileServer({"/users": flaky}) as server:
        config = write_config(
            tmp_path,
            f'[sources.api]\nplugin = "fake_http"\nbase_url = "{server.url}"\n',
        )
        args = ["--config", str(config), "--db", str(tmp_path / "st.db")]
        result = CliRunner().invoke(main, [*args, *(["-v"] if verbose else []), "snapshot"])
    assert result.exit_code == 0, result.stderr
    assert len(server.seen) == 2  # it did retry
    assert ("stamina" in result.stderr) is verbose
