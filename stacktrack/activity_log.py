"""Activity-only changes stored as one compressed change set per source and run (migration 0005).

Most changes between two daily runs are an account's new last activity, nothing else. The version a
run replaces for such a change is not kept as an ``account_history`` row (about 100 bytes with its
index) but as one line of that run's change set (``activity_changes``: source, run, zlib-compressed
lines; about nine bytes a line compressed)::

    <app_key> TAB <account_id> TAB <since_run, hex> TAB <last_active> [TAB <activity_kind>]

The line's ``until_run`` is the change set's run. ``last_active`` is written relative to the version
that replaced it (which has ``since_run`` = that run, and which ``Store.account_history`` rebuilds
first, newest first):

- empty: the same as the replacing version's (only the activity kind changed);
- ``-``: none on record;
- a signed hex number: seconds before the replacing version's ``last_active`` (``u`` in front:
  microseconds), when both are ``isoformat()`` texts of UTC datetimes, which is what the store writes;
- ``=`` and the text itself otherwise.

``activity_kind`` is left out when it equals the replacing version's, ``-`` for none. Every other
field of such a version equals the replacing version's: a change to any of them is stored as a whole
``account_history`` row instead, and so is a version whose texts hold a tab or a line break. Reading
back gives exactly the strings that were stored.
"""

from __future__ import annotations

import datetime as dt
import zlib

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


def line(
    app_key: str,
    account_id: str,
    since: int,
    old_at: str | None,
    old_kind: str | None,
    new_at: str | None,
    new_kind: str | None,
) -> str | None:
    """The change-set line for a version replaced by one differing only in its activity
    (``new_*``); ``None`` when it cannot be written as a line (then store a history row)."""
    if old_at == new_at:
        when = ""
    elif old_at is None:
        when = "-"
    else:
        old_us, new_us = _micros(old_at), _micros(new_at)
        if old_us is None or new_us is None:
            when = "=" + old_at
        else:
            delta = new_us - old_us
            seconds, micro = divmod(delta, 1_000_000)
            when = format(seconds, "x") if micro == 0 else "u" + format(delta, "x")
    parts = [app_key, account_id, format(since, "x"), when]
    if old_kind != new_kind:
        if old_kind is not None and old_kind[:1] in ("", "-"):
            return None
        parts.append("-" if old_kind is None else old_kind)
    text = "\t".join(parts)
    if text.count("\t") != len(parts) - 1 or "\n" in text:
        return None
    return text


def _seconds_text(column: str) -> str:
    """SQL: ``column`` is ``isoformat()`` of a UTC datetime without microseconds."""
    return f"length({column}) = 25 AND {column} = strftime('%Y-%m-%dT%H:%M:%S+00:00', {column})"


def _plain(column: str) -> str:
    return f"instr({column}, char(9)) = 0 AND instr({column}, char(10)) = 0"


SQL_SIMPLE = (
    f"coalesce({_plain('a.app_key')} AND {_plain('a.account_id')}"
    " AND (a.last_active IS d.last_active OR a.last_active IS NULL"
    f" OR ({_seconds_text('a.last_active')} AND {_seconds_text('d.last_active')}))"
    " AND (a.activity_kind IS d.activity_kind OR a.activity_kind IS NULL"
    " OR (a.activity_kind <> '' AND substr(a.activity_kind, 1, 1) <> '-'"
    f" AND {_plain('a.activity_kind')})), 0)"
)
"""SQL over ``a`` (the stored version) and ``d`` (its replacement, differing only in activity): true
when ``SQL_LINE`` writes the same line as ``line`` (whole seconds, no tab or line break), so the
daily store builds most lines in SQLite without fetching the rows. Never NULL, so ``NOT`` of it
selects exactly the other rows."""

_DELTA = "(strftime('%s', d.last_active) - strftime('%s', a.last_active))"
SQL_LINE = (
    "a.app_key || char(9) || a.account_id || char(9) || printf('%x', a.since_run) || char(9) ||"
    " CASE WHEN a.last_active IS d.last_active THEN '' WHEN a.last_active IS NULL THEN '-'"
    f" WHEN {_DELTA} < 0 THEN '-' || printf('%x', -{_DELTA}) ELSE printf('%x', {_DELTA}) END ||"
    " CASE WHEN a.activity_kind IS d.activity_kind THEN ''"
    " WHEN a.activity_kind IS NULL THEN char(9) || '-' ELSE char(9) || a.activity_kind END"
)
"""``line`` in SQL, for rows where ``SQL_SIMPLE`` holds."""


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
    (checked by its shape: ``fromisoformat`` then guarantees the digits; an ``isoformat()`` to
    compare would cost more than the rest of the line)."""
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
