"""Error handling shared by every command: our errors become messages and exit codes."""

from __future__ import annotations

import datetime as dt
import errno
import functools
import os
import sqlite3
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from stacktrack.errors import StacktrackError
from stacktrack.files import make_private_dir, open_private

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2

_config_secrets: set[str] = set()


def register_secrets(values: list[str]) -> None:
    """Secret values of the loaded config: a crash file redacts them too, not only the environment
    variables whose names look secret (an inline token or ``{ env = "HUBSPOT_PAT" }`` would leak)."""
    _config_secrets.update(values)


def handle_errors(func: F) -> F:
    """Map our exceptions to messages and exit codes; a bug gets a crash file, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
            sys.stdout.flush()  # a full disk under `> file` shows here, not at interpreter exit
            return result
        except BrokenPipeError:
            # `stacktrack export tools | head`: the reader left; that is not a bug. Point stdout at
            # devnull so the interpreter's final flush does not complain again.
            _silence_stdout()
            sys.exit(0)
        except StacktrackError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except sqlite3.DatabaseError as exc:
            # found while reading (a damaged page), not at open: the user's file, not our bug
            click.secho(
                f"Error: the database cannot be read ({exc}); restore it from a backup or point "
                "--db at a new file and run `stacktrack snapshot`.",
                fg="red",
                err=True,
            )
            sys.exit(EXIT_USAGE)
        except OSError as exc:
            if exc.errno not in _ENVIRONMENT_ERRNOS:
                raise
            where = f" ({exc.filename})" if exc.filename else " (the output)"
            _silence_stdout()
            click.secho(f"Error: cannot write or read{where}: {exc.strerror}.", fg="red", err=True)
            sys.exit(EXIT_USAGE)
        except (
            click.exceptions.Exit,
            click.ClickException,
            click.Abort,
            SystemExit,
            KeyboardInterrupt,
        ):
            raise
        except Exception as exc:
            try:
                where = f"Details were written to {_write_crash_file(exc)}"
            except OSError as crash_error:  # a full or read-only cache dir: still no traceback
                where = f"The details could not be saved ({crash_error.strerror})"
            click.secho(
                f"Internal error ({type(exc).__name__}): this is a bug in stacktrack. "
                f"{where}; please attach them to a bug report.",
                fg="red",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


_ENVIRONMENT_ERRNOS = frozenset(
    {
        errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO,
        errno.ENOTDIR, errno.EISDIR, errno.ENOENT, errno.ELOOP, errno.ENAMETOOLONG, errno.EFBIG,
    }
)  # fmt: skip
"""A full disk, a read-only or missing place: the machine's state, not a bug in stacktrack."""


def _silence_stdout() -> None:
    """Point stdout at devnull, so the interpreter's final flush does not fail a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout already closed or not a real file (tests)
        pass


def _write_crash_file(exc: BaseException) -> Path:
    import platformdirs

    from stacktrack.redaction import redact

    secrets = [value for name, value in os.environ.items() if _looks_secret(name)]
    secrets += sorted(_config_secrets)
    text = redact("".join(traceback.format_exception(exc)), secrets)
    folder = Path(platformdirs.user_cache_dir("stacktrack"))
    make_private_dir(folder)
    path = folder / f"crash-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{os.getpid()}.txt"
    with open(open_private(path, "w"), "w", encoding="utf-8") as handle:  # noqa: PTH123
        handle.write(text)  # 0600: a traceback names files, hosts and sometimes users
    return path


def _looks_secret(name: str) -> bool:
    return any(word in name.upper() for word in ("TOKEN", "SECRET", "PASSWORD", "KEY"))
