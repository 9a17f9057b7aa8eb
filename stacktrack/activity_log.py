"""Activity-only changes stored as one compressed change set per source and run (migration 0005).

Most changes between two daily runs are an account's new last activity, nothing else. The version a
run replaces for such a change is not kept as an ``account_history`` row (about 100 bytes with its
index) but as one line of that run's change set (``activity_changes``: source, run, zlib-compressed
lines; five to ten bytes a line compressed)::

    <app_key> TAB <account_id> TAB <since_run, hex> TAB <last_active> [TAB <activity_kind>]

The line's ``until_run`` is the change set's run. ``last_active`` is

- empty: the same as the replacing version's (the one with ``since_run`` = the change set's run;
  only the activity kind changed);
- ``-``: none on record;
- ``=`` and the stored text;
- (lines written by the first build of 0005 only) a signed hex number: seconds before the replacing
  version's ``last_active`` (``u`` in front: microseconds). Still read; no longer written, because
  SQLite's date functions made building them cost more than the rest of the daily store, and
  compressed they were no smaller.

``activity_kind`` is left out when it equals the replacing version's, ``-`` for none. Every other
field of such a version equals the replacing version's: a change to any of them is stored as a whole
``account_history`` row instead, and so is a version whose texts hold a tab or a line break (or whose
kind is empty or starts with ``-``). SQLite builds the lines (``sql_line``) from the rows of the daily
diff, so they never come back to Python. Reading back gives exactly the strings that were stored
(``Store.account_history`` rebuilds the replacing version first, newest first).
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import NamedTuple

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


class Columns(NamedTuple):
    """SQL expressions for a line's inputs: the account, the replaced version's ``since_run`` and
    activity (``old_*``), and its replacement's activity (``new_*``)."""

    app_key: str
    account_id: str
    since: str
    old_at: str
    old_kind: str
    new_at: str
    new_kind: str


def sql_simple(c: Columns) -> str:
    """SQL, for a version and its replacement differing only in activity: 1 when ``sql_line`` can
    write it as a line, else 0 (never NULL, so ``NOT`` selects exactly the other rows)."""
    return (
        f"coalesce({_plain(c.app_key)} AND {_plain(c.account_id)}"
        f" AND ({c.old_at} IS NULL OR {_plain(c.old_at)})"
        f" AND ({c.old_kind} IS {c.new_kind} OR {c.old_kind} IS NULL"
        f" OR ({c.old_kind} <> '' AND substr({c.old_kind}, 1, 1) <> '-'"
        f" AND {_plain(c.old_kind)})), 0)"
    )


def sql_line(c: Columns) -> str:
    """SQL: the line of a version, for rows where ``sql_simple`` holds."""
    return (
        f"{c.app_key} || char(9) || {c.account_id} || char(9) || printf('%x', {c.since})"
        f" || char(9) || CASE WHEN {c.old_at} IS {c.new_at} THEN ''"
        f" WHEN {c.old_at} IS NULL THEN '-' ELSE '=' || {c.old_at} END"
        f" || CASE WHEN {c.old_kind} IS {c.new_kind} THEN ''"
        f" WHEN {c.old_kind} IS NULL THEN char(9) || '-' ELSE char(9) || {c.old_kind} END"
    )


def _plain(column: str) -> str:
    return f"instr({column}, char(9)) = 0 AND instr({column}, char(10)) = 0"


def pack(lines: list[str]) -> bytes:
    return zlib.compress("\n".join(lines).encode(), 6)


def unpack(blob: bytes) -> list[str]:
    return zlib.decompress(blob).decode().split("\n")


def find(blob: bytes, app_key: str, account_id: str) -> tuple[int, str, str | None] | None:
    """``(since_run, last_active, activity_kind)`` of the account's line in a change set, still
    encoded (``resolve`` decodes them), or ``None`` when the account is not in it."""
    text = "\n" + zlib.decompress(blob).decode()
    start = text.find(f"\n{app_key}\t{account_id}\t")
    if start < 0:
        return None
    end = text.find("\n", start + 1)
    parts = text[start + 1 : None if end < 0 else end].split("\t")
    return int(parts[2], 16), parts[3], parts[4] if len(parts) > 4 else None


def resolve(
    when: str, kind: str | None, next_at: str | None, next_kind: str | None
) -> tuple[str | None, str | None]:
    """A line's ``(last_active, activity_kind)`` given the replacing version's values."""
    if when == "":
        at = next_at
    elif when == "-":
        at = None
    elif when[0] == "=":
        at = when[1:]
    else:
        next_us = _micros(next_at)
        if next_us is None:  # the replacing version is missing or unreadable: cannot tell
            at = None
        else:
            delta = int(when[1:], 16) if when[0] == "u" else int(when, 16) * 1_000_000
            at = (_EPOCH + (next_us - delta) * _MICRO).isoformat()
    if kind is None:
        return at, next_kind
    return at, None if kind == "-" else kind


def _micros(text: str | None) -> int | None:
    """Microseconds since the epoch if ``text`` is exactly ``isoformat()`` of a UTC datetime
    (checked by its shape: ``fromisoformat`` then guarantees the digits)."""
    if text is None or not text.endswith("+00:00"):
        return None
    if len(text) == 32:
        if text[19] != "." or text[20:26] == "000000":
            return None
    elif len(text) != 25:
        return None
    if text[4] != "-" or text[7] != "-" or text[10] != "T" or text[13] != ":" or text[16] != ":":
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return (value - _EPOCH) // _MICRO
