"""Error handling shared by every command: our errors become messages and exit codes."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import platformdirs

from stacktrack.errors import StacktrackError

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
            return func(*args, **kwargs)
        except BrokenPipeError:
            # `stacktrack export tools | head`: the reader left; that is not a bug. Point stdout at
            # devnull so the interpreter's final flush does not complain again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except StacktrackError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except (
            click.exceptions.Exit,
            click.ClickException,
            click.Abort,
            SystemExit,
            KeyboardInterrupt,
        ):
            raise
        except Exception as exc:
            crash = _write_crash_file(exc)
            click.secho(
                f"Internal error ({type(exc).__name__}): this is a bug in stacktrack. "
                f"Details were written to {crash}; please attach it to a bug report.",
                fg="red",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _write_crash_file(exc: BaseException) -> Path:
    from stacktrack.http import redact

    secrets = [value for name, value in os.environ.items() if _looks_secret(name)]
    secrets += sorted(_config_secrets)
    text = redact("".join(traceback.format_exception(exc)), secrets)
    folder = Path(platformdirs.user_cache_dir("stacktrack"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{os.getpid()}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def _looks_secret(name: str) -> bool:
    return any(word in name.upper() for word in ("TOKEN", "SECRET", "PASSWORD", "KEY"))
