"""The ``csv`` plugin: a user export file (e-mail + last activity) for tools without an API.

Most SaaS admin consoles can export their user list. Point a source at that file and name its
columns. Every row must parse: a bad row fails the source with its line number, because a silently
skipped user would make the tool look emptier than it is.

Only a regular file is read (a FIFO would block forever, ``/dev/zero`` never ends), at most
``max_file_mb`` of it, in a daemon thread the source's budget can abandon.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import Field

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    BadResponse,
    Capability,
    CollectContext,
    LocalPlugin,
    Observation,
    PluginError,
    PluginSettings,
    parse_time,
    run_blocking,
)

MAX_REPORTED_ROWS = 5

_INACTIVE = {"suspended", "deactivated", "disabled", "inactive", "deleted", "removed"}
_INVITED = {"invited", "pending"}


class CsvSettings(PluginSettings):
    path: str
    """The export file; a relative path is taken from the config file's folder."""
    email_column: str = "email"
    last_active_column: str = "last_active"
    """Column holding each user's last activity; an empty cell means none on record."""
    date_format: str | None = None
    """``strptime`` format of the last-activity column, e.g. ``%d/%m/%Y %H:%M``; default ISO 8601."""
    timezone_offset_hours: float = Field(default=0.0, gt=-24, lt=24)
    """Offset of naive timestamps from UTC (the export's timezone)."""
    id_column: str | None = None
    """Column with the vendor's user id; default: the e-mail."""
    name_column: str | None = None
    status_column: str | None = None
    """Column whose values suspended/deactivated/disabled/inactive mark users without a seat."""
    purchased: int | None = Field(default=None, ge=0)
    """Seats purchased, if the export does not say."""
    history_horizon_days: int | None = Field(default=None, ge=1)
    """How far back the vendor's "last active" reaches, if limited."""
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    max_file_mb: int = Field(default=1024, ge=1, le=1024 * 1024)
    """A larger file fails the source (a wrong path to a log or a device must not fill memory)."""


class CsvPlugin(LocalPlugin[CsvSettings]):
    name = "csv"
    title = "CSV user export"
    settings_model = CsvSettings
    observes = frozenset({Capability.ACCOUNTS, Capability.ACTIVITY, Capability.SEATS})

    async def collect(self, ctx: CollectContext) -> Observation:
        settings = self.settings
        # A large export takes seconds to read: off the event loop, so other sources keep going.
        accounts = await run_blocking(_read_from_config, self.source, settings, ctx.config_dir)
        return Observation(
            apps=[
                AppUsage(
                    seats_purchased=settings.purchased,
                    accounts=accounts,
                    activity_known=True,
                    history_horizon_days=settings.history_horizon_days,
                )
            ]
        )


def _read_from_config(source: str, settings: CsvSettings, config_dir: Path | None) -> list[Account]:
    path = Path(settings.path).expanduser()
    if not path.is_absolute() and config_dir is not None:
        path = config_dir / path
    return read_accounts(source, path, settings)


class _TooLarge(Exception):
    pass


def _open_regular(source: str, path: Path, encoding: str) -> io.TextIOWrapper:
    """Open ``path`` for reading if it is a regular file; never block on a FIFO to find out."""
    try:
        "".encode(encoding)
    except LookupError:
        raise PluginError(source, f"unknown encoding {encoding!r}") from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise PluginError(source, f"the export file {path} does not exist") from None
    except OSError as exc:
        raise PluginError(source, f"cannot open {path}: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise PluginError(source, f"{path} is not a regular file (a folder, FIFO or device)")
        os.set_blocking(fd, True)
        return open(fd, encoding=encoding, newline="")  # noqa: PTH123 - from a descriptor
    except BaseException:
        os.close(fd)
        raise


def _capped(lines: Iterable[str], limit: int) -> Iterator[str]:
    """``lines`` until they add up to more than ``limit`` characters (a file that keeps growing)."""
    total = 0
    for line in lines:
        total += len(line)
        if total > limit:
            raise _TooLarge
        yield line


def read_accounts(source: str, path: Path, settings: CsvSettings) -> list[Account]:
    limit = settings.max_file_mb * 1024 * 1024
    handle = _open_regular(source, path, settings.encoding)
    with handle:
        if os.fstat(handle.fileno()).st_size > limit:
            raise BadResponse(source, f"{path} is larger than the cap of {settings.max_file_mb} MB")
        try:
            return _read(source, path, settings, _capped(handle, limit))
        except _TooLarge:
            raise BadResponse(
                source, f"{path} grew past the cap of {settings.max_file_mb} MB while read"
            ) from None


def _read(source: str, path: Path, settings: CsvSettings, lines: Iterable[str]) -> list[Account]:
    reader = csv.DictReader(lines, delimiter=settings.delimiter)
    try:
        header = reader.fieldnames or []
    except (csv.Error, UnicodeDecodeError) as exc:
        raise BadResponse(source, f"{path}: not a readable CSV file ({exc})") from None
    wanted = [settings.email_column, settings.last_active_column]
    wanted += [c for c in (settings.id_column, settings.name_column, settings.status_column) if c]
    missing = [column for column in wanted if column not in header]
    if missing:
        raise BadResponse(
            source,
            f"{path}: no column named {', '.join(repr(m) for m in missing)} "
            f"(the header has: {', '.join(header) or 'nothing'})",
        )
    accounts: list[Account] = []
    problems: list[str] = []
    try:
        for row in reader:
            line = reader.line_num
            try:
                accounts.append(_account(row, settings))
            except ValueError as exc:
                problems.append(f"line {line}: {exc}")
    except (csv.Error, UnicodeDecodeError) as exc:
        problems.append(f"line {reader.line_num}: {exc}")
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED_ROWS])
        more = (
            f" (and {len(problems) - MAX_REPORTED_ROWS} more)"
            if len(problems) > MAX_REPORTED_ROWS
            else ""
        )
        raise BadResponse(source, f"{path}: {len(problems)} bad rows: {shown}{more}")
    return accounts


def _account(row: dict[str, str | None], settings: CsvSettings) -> Account:
    if None in row:
        raise ValueError("more cells than the header has columns")
    email = (row.get(settings.email_column) or "").strip()
    if "\x00" in email:
        raise ValueError(f"{settings.email_column!r} contains a NUL character")
    if "@" not in email:
        raise ValueError(f"{settings.email_column!r} is not an e-mail address")
    raw_time = (row.get(settings.last_active_column) or "").strip()
    try:
        last_active = _parse_time(raw_time, settings) if raw_time else None
    except OverflowError:
        raise ValueError(
            f"{settings.last_active_column!r} is out of the calendar's range"
        ) from None
    status = AccountStatus.ACTIVE
    if settings.status_column:
        value = (row.get(settings.status_column) or "").strip().lower()
        if value in _INACTIVE:
            status = AccountStatus.SUSPENDED
        elif value in _INVITED:
            status = AccountStatus.INVITED
    account_id = (row.get(settings.id_column) or "").strip() if settings.id_column else email
    return Account(
        id=account_id or email,
        email=email,
        name=(row.get(settings.name_column) or None) if settings.name_column else None,
        status=status,
        assigned=status in (AccountStatus.ACTIVE, AccountStatus.INVITED),
        last_active=last_active,
        activity_kind=ActivityKind.API if last_active else None,
    )


def _parse_time(text: str, settings: CsvSettings) -> dt.datetime:
    offset = dt.timezone(dt.timedelta(hours=settings.timezone_offset_hours))
    if settings.date_format:
        try:
            parsed = dt.datetime.strptime(text, settings.date_format)  # noqa: DTZ007 - zone below
        except ValueError:
            raise ValueError(
                f"{settings.last_active_column!r} does not match the format {settings.date_format}"
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=offset)
        return parsed.astimezone(dt.UTC)
    try:
        iso = parse_time(text)
    except ValueError:
        raise ValueError(
            f"{settings.last_active_column!r} is not an ISO 8601 date (set date_format)"
        ) from None
    assert iso is not None  # text is not empty
    parsed = iso
    if "+" not in text[10:] and "Z" not in text and "-" not in text[10:]:
        parsed = parsed.replace(tzinfo=offset).astimezone(dt.UTC)  # naive: the export's zone
    return parsed
