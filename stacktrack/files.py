"""Files stacktrack creates: private by default, and never written through something unexpected.

The database, its WAL/SHM, the snapshot lock and crash files hold e-mail addresses, activity and
stack details: they are created 0600 in folders created 0700 (existing ones keep their modes). A file
the user names (``init``, ``export -o``) is written only as a regular file: a symlink, FIFO or device
in its place is refused, not followed or replaced. Used by the store, the lock, the CLI and exports.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from stacktrack.errors import UsageError


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` (and missing parents) readable by the owner only; leave existing ones."""
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            created.mkdir(mode=0o700)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (SQLite then keeps the mode)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def open_private(path: Path, mode: str = "a+") -> int:
    """A descriptor on ``path``, created 0600 if missing; ``mode`` is ``a+`` or ``w``."""
    flags = os.O_RDWR | os.O_CREAT if mode == "a+" else os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    return os.open(path, flags, 0o600)


def require_regular_target(path: Path, option: str) -> None:
    """Refuse ``path`` unless it is missing or a regular file (not a symlink, FIFO, device, dir)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot use it ({exc.strerror}).") from None
    if stat.S_ISLNK(info.st_mode):
        raise UsageError(
            f"{option} {path}: is a symbolic link; give the real file's path (links are not "
            "followed, so a planted link cannot redirect the write)."
        )
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(f"{option} {path}: is a folder; give a file name.")
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(
            f"{option} {path}: is not a regular file (a FIFO, socket or device); write to a "
            "file, or to stdout with `-o -`."
        )
