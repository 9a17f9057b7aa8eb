"""One snapshot at a time per database file: an advisory ``flock`` on ``<db>.lock``.

The operating system releases the lock when the process dies, even by SIGKILL, so a crash never
leaves a stale lock behind. The file records who holds it, for the "another snapshot" message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from stacktrack.errors import SnapshotLocked, StoreError
from stacktrack.files import make_private_dir, open_private


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def snapshot_lock(db_path: Path) -> Iterator[None]:
    path = lock_path(db_path)
    try:
        make_private_dir(path.parent)
        # 0600: the file names the host and the process, and sits next to private data
        handle = open(open_private(path), "a+", encoding="utf-8")  # noqa: PTH123, SIM115
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the snapshot lock ({exc.strerror}).") from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise SnapshotLocked(
                f"another snapshot is running on {db_path} ({holder}); try again when it ends."
            ) from None
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, started {started}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()
