"""Files, the database and the environment (issue 11, items 10 and 12): private modes, no writes
through links or devices, and a clear message with exit 2 for a full, damaged or odd place."""

from __future__ import annotations

import datetime as dt
import os
import socket
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from stacktrack.cli import main
from stacktrack.errors import StoreError
from stacktrack.lock import lock_path
from stacktrack.plugin_api import Account, AppUsage, Observation
from stacktrack.store import Store
from tests.fake_plugins import install_fake_plugins

REPO = Path(__file__).resolve().parents[2]
CONFIG = (
    '[sources.good]\nplugin = "fake_good"\n[[tools]]\nid = "t"\nname = "T"\nsources = ["good"]\n'
)


@pytest.fixture(autouse=True)
def _plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_plugins(monkeypatch)


def config_in(folder: Path) -> Path:
    path = folder / "stacktrack.toml"
    path.write_text(CONFIG, encoding="utf-8")
    path.chmod(0o600)
    return path


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.exit_code, result.stdout, result.stderr


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- item 12: file modes ------------------------------------------------------------------------


def test_database_wal_shm_and_lock_are_0600_in_a_0700_folder(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which made them 0644 before
    try:
        existing = tmp_path / "home"
        existing.mkdir(mode=0o755)
        data = existing / "data" / "stacktrack"
        db = data / "st.db"
        code, _, err = cli("--config", str(config_in(tmp_path)), "--db", str(db), "snapshot")
        assert code == 0, err
        with Store.open(db):  # WAL and SHM exist while a connection is open
            files = [db, db.with_name("st.db-wal"), db.with_name("st.db-shm"), lock_path(db)]
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        assert mode(data) == 0o700 and mode(data.parent) == 0o700
        assert mode(existing) == 0o755  # an existing folder keeps its mode
    finally:
        os.umask(old)


def test_crash_file_is_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = tmp_path / "stacktrack.toml"
    config.write_text('[sources.c]\nplugin = "fake_crash"\n', encoding="utf-8")
    from stacktrack.cli.common import _write_crash_file

    crash = _write_crash_file(RuntimeError("boom"))
    assert mode(crash) == 0o600 and mode(crash.parent) == 0o700


# -- item 12: init and export write only regular files ------------------------------------------


def test_init_refuses_a_dangling_symlink(tmp_path: Path) -> None:
    link = tmp_path / "stacktrack.toml"
    elsewhere = tmp_path / "elsewhere" / "planted.toml"
    elsewhere.parent.mkdir()
    link.symlink_to(elsewhere)
    for args in ([], ["--force"]):
        code, _, err = cli("init", "--path", str(link), *args)
        assert code == 2, err
        assert not elsewhere.exists()  # the link was not followed
    assert "already exists" in cli("init", "--path", str(link))[2]
    assert "symbolic link" in cli("init", "--path", str(link), "--force")[2]


def test_init_writes_a_new_file_0600(tmp_path: Path) -> None:
    target = tmp_path / "new.toml"
    assert cli("init", "--path", str(target))[0] == 0
    assert (mode(target) == 0o600 and "[stacktrack]" in target.read_text()) or target.stat().st_size


@pytest.fixture
def snapshotted(tmp_path: Path) -> tuple[Path, Path]:
    config = config_in(tmp_path)
    db = tmp_path / "st.db"
    assert cli("--config", str(config), "--db", str(db), "snapshot")[0] == 0
    return config, db


@pytest.mark.parametrize("kind", ["symlink", "fifo", "socket"])
def test_export_o_refuses_anything_but_a_regular_file(
    snapshotted: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    config, db = snapshotted
    if kind == "symlink":
        target = tmp_path / "out.csv"
        target.symlink_to(tmp_path / "victim.csv")
    elif kind == "fifo":
        target = tmp_path / "out.csv"
        os.mkfifo(target)
    else:  # a socket stands for devices too: never aim a test at /dev/null, broken code replaces it
        target = tmp_path / "out.csv"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(target))
        listener.close()
    code, _, err = cli(
        "--config", str(config), "--db", str(db), "export", "tools", "-o", str(target)
    )
    assert code == 2, err
    assert "-o" in err and ("symbolic link" in err or "not a regular file" in err)
    if kind == "symlink":
        assert target.is_symlink() and not (tmp_path / "victim.csv").exists()
    if kind == "fifo":
        assert stat.S_ISFIFO(target.lstat().st_mode)  # not replaced by a regular file


def test_atomic_write_itself_refuses_a_symlink(tmp_path: Path) -> None:
    # the TUI's export writes through it too, without the CLI's check in front
    from stacktrack.errors import UsageError
    from stacktrack.report.export import atomic_write

    link = tmp_path / "recs.csv"
    link.symlink_to(tmp_path / "victim.csv")
    with pytest.raises(UsageError, match="symbolic link"):
        atomic_write(link, lambda stream: stream.write("x"))
    assert link.is_symlink() and not (tmp_path / "victim.csv").exists()


def test_export_o_replaces_a_regular_file_and_writes_stdout(
    snapshotted: tuple[Path, Path], tmp_path: Path
) -> None:
    config, db = snapshotted
    target = tmp_path / "out.csv"
    target.write_text("old")
    code, _, err = cli(
        "--config", str(config), "--db", str(db), "export", "tools", "-o", str(target)
    )
    assert code == 0, err
    assert target.read_text().startswith("id,name")
    code, out, _ = cli("--config", str(config), "--db", str(db), "export", "tools", "-o", "-")
    assert code == 0 and out.startswith("id,name")


# -- item 10: a bad environment -----------------------------------------------------------------


def test_db_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    config = config_in(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    db = blocker / "st.db"
    code, _, err = cli("--config", str(config), "--db", str(db), "snapshot")
    assert code == 2, err
    assert "Error:" in err and "Internal error" not in err and "Not a directory" in err
    code, _, err = cli("--config", str(config), "--db", str(db), "report")
    assert code == 2 and "Internal error" not in err


def test_a_missing_db_folder_is_created_for_a_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "not" / "yet" / "st.db"
    code, _, err = cli("--config", str(config_in(tmp_path)), "--db", str(db), "report")
    assert code == 2 and "no database" in err
    assert cli("--config", str(config_in(tmp_path)), "--db", str(db), "snapshot")[0] == 0


def test_a_db_folder_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    db = Path("/proc/stacktrack-test/st.db")  # /proc refuses new folders, even to root
    code, _, err = cli("--config", str(config_in(tmp_path)), "--db", str(db), "snapshot")
    assert code == 2, err
    assert "Error:" in err and "Internal error" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_db_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = cli(
            "--config", str(config_in(tmp_path)), "--db", str(folder / "st.db"), "snapshot"
        )
    finally:
        folder.chmod(0o700)
    assert code == 2 and "Permission denied" in err and "Internal error" not in err


def test_disk_full_shows_the_real_error_not_cannot_rollback(tmp_path: Path) -> None:
    with Store.open(tmp_path / "st.db") as store:
        run = store.begin_run(dt.datetime.now(dt.UTC), dt.datetime.now(dt.UTC))
        pages = store.db.conn.execute("PRAGMA page_count").fetchone()[0]
        store.db.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is now full
        accounts = [Account(id=f"u{n}", email=f"u{n}@x.com") for n in range(5000)]
        observation = Observation(apps=[AppUsage(accounts=accounts)])
        with pytest.raises(StoreError, match="full") as caught:
            store.store_source_result(run, "s", "p", observation, duration_s=0.1)
        assert "rollback" not in str(caught.value)
        assert not store.db.conn.in_transaction
        assert store.db.conn.execute("SELECT COUNT(*) FROM accounts").fetchone()[0] == 0


def test_corrupt_pages_are_a_clear_error(snapshotted: tuple[Path, Path]) -> None:
    config, db = snapshotted
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'accounts'"
        ).fetchone()
    data = bytearray(db.read_bytes())
    start = (root - 1) * page_size  # the accounts table: the database opens, reading it fails
    data[start : start + page_size] = b"\xa5" * page_size
    db.write_bytes(bytes(data))
    code, _, err = cli("--config", str(config), "--db", str(db), "report")
    assert code == 2, err
    assert "Error: the database cannot be read" in err
    assert "Internal error" not in err and "Traceback" not in err


def test_report_to_a_full_disk_is_a_clear_error(snapshotted: tuple[Path, Path]) -> None:
    config, db = snapshotted
    with open("/dev/full", "w") as full:  # noqa: PTH123
        done = subprocess.run(
            [sys.executable, "-m", "tests.reliability.hostile_plugins", "--config",
             str(config), "--db", str(db), "export", "recommendations", "--format", "json"],
            cwd=REPO, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr


def test_export_into_an_unwritable_place_is_a_clear_error(snapshotted: tuple[Path, Path]) -> None:
    config, db = snapshotted
    code, _, err = cli(
        "--config", str(config), "--db", str(db), "export", "tools", "-o", "/proc/stacktrack.csv"
    )
    assert code == 2, err
    assert "-o /proc/stacktrack.csv" in err and "Internal error" not in err


# -- "a SIGKILLed run never stays running" ------------------------------------------------------


def test_a_killed_run_is_marked_abandoned_by_the_next_snapshot(
    snapshotted: tuple[Path, Path],
) -> None:
    config, db = snapshotted
    now = dt.datetime.now(dt.UTC)
    with Store.open(db) as store:
        killed = store.begin_run(now, now)  # what a SIGKILL leaves behind
    with Store.open(db) as store:  # a reader's open: too recent to judge
        assert {r.id: r.status for r in store.runs()}[killed] == "running"
    assert cli("--config", str(config), "--db", str(db), "snapshot")[0] == 0
    with Store.open(db) as store:
        assert {r.id: r.status for r in store.runs()}[killed] == "abandoned"


def test_a_reader_shows_a_run_older_than_any_budget_as_abandoned(tmp_path: Path) -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with Store.open(tmp_path / "st.db") as store:
        killed = store.begin_run(long_ago, long_ago)
        recent = store.begin_run(long_ago, dt.datetime.now(dt.UTC))  # may still be going
    with Store.open(tmp_path / "st.db") as store:
        assert {r.id: r.status for r in store.runs()} == {killed: "abandoned", recent: "running"}
        stored = dict(store.db.conn.execute("SELECT id, status FROM runs"))
    assert stored == {killed: "running", recent: "running"}  # a reader writes nothing
