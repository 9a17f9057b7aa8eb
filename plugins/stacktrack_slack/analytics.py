"""Enterprise Grid member analytics (``admin.analytics.getFile?type=member``), read and tallied.

Slack serves one file per day: gzip-compressed NDJSON, one line per member (docs/plugins/slack.md).
The columns are confirmed in Slack's SDK types, but no real file was read, so every value is parsed
defensively: a column whose value is missing or of another type says nothing about that member
(never "did not use it"), and a column no line carries is not reported at all.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from stacktrack.plugin_api import FeatureUsage

GZIP_MAGIC = b"\x1f\x8b"
MAX_FILE_BYTES = 256 * 1024 * 1024
"""A day's member file decompresses to about 1 KB per member; refuse anything past 256 MB (a
compressed bomb) rather than exhaust memory."""

FLAG_COLUMNS = ("is_active_workflows", "is_active_apps", "is_active_slack_connect")
"""Yes/no columns: the member used the feature that day."""
COUNT_COLUMNS = (
    "messages_posted_count",
    "slack_huddles_count",
    "slack_calls_count",
    "search_count",
)
"""Counts per member per day: used when above 0; their sum over the days read is ``events``."""


@dataclass(frozen=True)
class MemberDay:
    """One member's line of one day's file: only the columns that show feature use."""

    member: str
    """Lowercased e-mail, else the Slack user id."""
    flags: dict[str, bool]
    counts: dict[str, int]


@dataclass(frozen=True)
class MemberFile:
    rows: list[MemberDay]


@dataclass(frozen=True)
class Unreadable:
    """A 200 answer that is neither Slack's JSON envelope nor a readable member file."""

    reason: str


def read_member_file(content: bytes) -> MemberFile | Unreadable | Any:
    """The ``parse`` hook of the request: a gzip file becomes a ``MemberFile``; anything else is
    read as JSON (Slack's ``ok: false`` envelope; an ``ok: true`` one with ``file_data`` rows, as
    one SDK types it, is read too)."""
    if content[:2] == GZIP_MAGIC:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            text = inflater.decompress(content, MAX_FILE_BYTES + 1)
        except zlib.error:
            return Unreadable("a gzip file that does not decompress")
        if len(text) > MAX_FILE_BYTES or inflater.unconsumed_tail:
            return Unreadable(f"a member file larger than {MAX_FILE_BYTES // 2**20} MB")
        lines = text.splitlines()
        rows = []
        for line in lines:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except (ValueError, RecursionError):
                return Unreadable("a member file line that is not JSON")
            row = _row(item)
            if row is not None:
                rows.append(row)
        return MemberFile(rows)
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return Unreadable("neither a gzip file nor JSON")
    if (
        isinstance(body, dict)
        and body.get("ok") is True
        and isinstance(body.get("file_data"), list)
    ):
        return MemberFile([row for item in body["file_data"] if (row := _row(item)) is not None])
    return body


def _row(item: Any) -> MemberDay | None:
    if not isinstance(item, dict):
        return None
    email = item.get("email_address")
    user = item.get("user_id")
    if isinstance(email, str) and email.strip():
        member = email.strip().lower()
    elif isinstance(user, str) and user.strip():
        member = user.strip()
    else:
        return None  # nobody to count
    flags = {c: flag for c in FLAG_COLUMNS if (flag := _flag(item.get(c))) is not None}
    counts = {c: n for c in COUNT_COLUMNS if (n := _count(item.get(c))) is not None}
    return MemberDay(member, flags, counts)


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


@dataclass
class _Column:
    users: set[str] = field(default_factory=set)
    events: int = 0
    last: dt.date | None = None


@dataclass
class MemberTally:
    """Feature use over the days read: who used each column's feature, how often, when last."""

    columns: dict[str, _Column] = field(default_factory=dict)

    def add(self, day: dt.date, rows: list[MemberDay]) -> None:
        for row in rows:
            for column, used in row.flags.items():
                self._use(column, day, row.member, used, 0)
            for column, count in row.counts.items():
                self._use(column, day, row.member, count > 0, count)

    def _use(self, column: str, day: dt.date, member: str, used: bool, events: int) -> None:
        seen = self.columns.setdefault(column, _Column())
        seen.events += events
        if used:
            seen.users.add(member)
            seen.last = day if seen.last is None or day > seen.last else seen.last

    def features(self, *, window_days: int, every_user: bool | None) -> list[FeatureUsage]:
        """One feature per column some line carried, under Slack's column name (the catalog
        translates it)."""
        return [
            FeatureUsage(
                feature=column,
                name=column,
                active_users=len(seen.users),
                events=seen.events if column in COUNT_COLUMNS else None,
                last_used=None
                if seen.last is None
                else dt.datetime.combine(seen.last, dt.time(), dt.UTC),
                window_days=window_days,
                users=sorted(seen.users),
                every_user=every_user,
            )
            for column, seen in sorted(self.columns.items())
        ]
