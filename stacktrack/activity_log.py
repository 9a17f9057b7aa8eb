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
kind is empty or starts with ``-``). ``lines`` writes them from the few columns of the daily diff they
need. Reading back gives exactly the strings that were stored
(``Store.account_history`` rebuilds the replacing version first, newest first).
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)


Change = tuple[str, str, int, str | None, str | None, str | None, str | None]
"""A version replaced by a change of activity only: app key, account id, its ``since_run`` and
activity (``last_active``, ``activity_kind``), then its replacement's activity."""


def lines(changes: Iterable[Change]) -> tuple[list[str], list[tuple[str, str]]]:
    """The lines of ``changes``, and the (app key, account id) of those a line cannot hold (a tab
    or line break in its texts, a kind that is empty or starts with ``-``): these are stored as
    ``account_history`` rows instead. One loop for all, because at a third of a million-account
    source changing a day it runs 300,000 times (bench/ingest.py)."""
    written: list[str] = []
    refused: list[tuple[str, str]] = []
    for key, account, since, old_at, old_kind, new_at, new_kind in changes:
        if (
            "\t" in key or "\n" in key or "\t" in account or "\n" in account
            or (old_at is not None and ("\t" in old_at or "\n" in old_at))
            or (
                old_kind is not None and old_kind != new_kind
                and (not old_kind or old_kind[0] == "-" or "\t" in old_kind or "\n" in old_kind)
            )
        ):  # fmt: skip
            refused.append((key, account))
            continue
        at = "" if old_at == new_at else "-" if old_at is None else "=" + old_at
        kind = "" if old_kind == new_kind else "\t-" if old_kind is None else "\t" + old_kind
        written.append(f"{key}\t{account}\t{since:x}\t{at}{kind}")
    return written, refused


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
