"""An emulator of the Slack Web API methods the ``slack`` plugin reads.

Faithful to the API as docs/plugins/slack.md describes it: ``https://slack.com/api/{method}`` with GET
query parameters or a POST form; Bearer auth; logical errors as HTTP 200 ``{"ok": false, "error":
...}`` (including a bad token: ``invalid_auth``, a missing one: ``not_authed``); ``missing_scope``
with ``needed``/``provided``; cursor paging (``response_metadata.next_cursor``) for ``users.list``
and ``team.billableInfo``; page/count paging (``paging.pages``) for ``team.accessLogs`` and
``team.integrationLogs``; rate limiting as HTTP 429 + ``Retry-After``. ``team.accessLogs`` refuses a
``page`` past 100 or a ``count`` past 1000 with ``over_pagination_limit`` (Slack's method page and
spec error list) and lists rows newest first (by ``date_first``, which is also what ``before`` is
compared with here: the project's assumption). ``admin.analytics.getFile`` (``type=member``,
``date``) answers with a gzip NDJSON file on Enterprise Grid (``SlackData.grid``), needs
``admin.analytics:read`` (which a workspace below Grid cannot grant: ``missing_scope``), keeps 13
months, and has no file yet for the last ``analytics_lag_days`` (the error code and the lag are the
project's assumptions). Used by the tests and the sandbox.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import math
from dataclasses import dataclass, field
from typing import Any

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

ALL_SCOPES = ("users:read", "users:read.email", "admin")

METHOD_SCOPES = {
    "users.list": "users:read",
    "team.billableInfo": "admin",
    "team.accessLogs": "admin",
    "team.integrationLogs": "admin",
    "admin.analytics.getFile": "admin.analytics:read",
}
ANALYTICS_KEPT_DAYS = 395
"""A rolling 13 months of member analytics."""


MAX_PAGE = 100
MAX_COUNT = 1000


@dataclass
class SlackData:
    """One workspace, as the Web API returns it."""

    members: list[dict[str, Any]] = field(default_factory=list)
    """``users.list`` members, bots and deleted ones included."""
    billable_info: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``team.billableInfo``'s ``billable_info`` map: user id -> ``{"billing_active": bool}``."""
    logins: list[dict[str, Any]] = field(default_factory=list)
    """``team.accessLogs`` rows, in the order the API gives them."""
    integration_logs: list[dict[str, Any]] = field(default_factory=list)
    """``team.integrationLogs`` rows, in the order the API gives them."""
    plan: str = "std"
    """``team.billing.info`` plan; on ``free`` the access logs answer ``paid_only``."""
    scopes: tuple[str, ...] = ALL_SCOPES
    """Scopes the token was granted; methods needing another answer ``missing_scope``."""
    grid: bool = False
    """An Enterprise Grid org: ``admin.analytics.getFile`` serves member files (else a token that
    holds the scope anyway is ``not_allowed_token_type``)."""
    member_analytics: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Date (``YYYY-MM-DD``) -> that day's member lines; a day not listed is an empty file."""
    analytics_today: str | None = None
    """The org's current date for the lag and the 13 months (``None``: the real clock's)."""
    analytics_lag_days: int = 1
    """Days before today without a file yet (``file_not_yet_available``)."""
    analytics_errors: dict[str, str] = field(default_factory=dict)
    """Date -> the ``ok: false`` code Slack answers for that day."""


class SlackEmulator(Emulator[SlackData]):
    vendor = "slack"

    @classmethod
    def world_data(cls, view: WorldView) -> SlackData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    data: SlackData

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        # Slack answers a bad or missing token with HTTP 200, like every logical error.
        error = "not_authed" if not request.headers.get("authorization") else "invalid_auth"
        return json_response({"ok": False, "error": error})

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        return json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )

    def route(self, request: httpx.Request) -> httpx.Response:
        # ``/api/users.list`` on slack.com; ``/users.list`` when mounted with base_url at the mount.
        method = self.path(request).rstrip("/").rsplit("/", 1)[-1]
        if method not in METHOD_SCOPES or request.method not in ("GET", "POST"):
            return json_response({"ok": False, "error": "unknown_method"}, status=404)
        needed = METHOD_SCOPES[method]
        if needed not in self.data.scopes:
            return json_response(
                {
                    "ok": False,
                    "error": "missing_scope",
                    "needed": needed,
                    "provided": ",".join(self.data.scopes),
                }
            )
        params = _params(request)
        if method == "admin.analytics.getFile":
            return self._member_file(params)
        if method == "users.list":
            return self._cursor_page(params, self.data.members, "members")
        if method == "team.billableInfo":
            items = list(self.data.billable_info.items())
            return self._cursor_page(params, items, "billable_info")
        if method == "team.accessLogs":
            if self.data.plan == "free":
                return json_response({"ok": False, "error": "paid_only"})
            if _int(params.get("page"), 1) > MAX_PAGE or _int(params.get("count"), 100) > MAX_COUNT:
                return json_response({"ok": False, "error": "over_pagination_limit"})
            rows = self.data.logins
            before = params.get("before")
            if before:
                if not before.isdigit():
                    return json_response({"ok": False, "error": "invalid_arg_name"})
                # The evidence does not say which date ``before`` compares: rows that began by then.
                rows = [row for row in rows if int(row.get("date_first") or 0) <= int(before)]
            rows = sorted(rows, key=lambda row: int(row.get("date_first") or 0), reverse=True)
            return self._numbered_page(params, rows, "logins")
        return self._numbered_page(params, self.data.integration_logs, "logs")

    def _member_file(self, params: dict[str, str]) -> httpx.Response:
        if not self.data.grid:
            return json_response({"ok": False, "error": "not_allowed_token_type"})
        if params.get("type") != "member":
            return json_response({"ok": False, "error": "invalid_type"})
        try:
            day = dt.date.fromisoformat(params.get("date") or "")
        except ValueError:
            return json_response({"ok": False, "error": "invalid_date"})
        today = (
            dt.date.fromisoformat(self.data.analytics_today)
            if self.data.analytics_today
            else dt.datetime.now(dt.UTC).date()
        )
        error = self.data.analytics_errors.get(day.isoformat())
        if error is None and day > today - dt.timedelta(days=self.data.analytics_lag_days):
            error = "file_not_yet_available"
        if error is None and day < today - dt.timedelta(days=ANALYTICS_KEPT_DAYS):
            error = "data_not_available"
        if error is not None:
            return json_response({"ok": False, "error": error})
        lines = self.data.member_analytics.get(day.isoformat(), [])
        text = "".join(json.dumps(line) + "\n" for line in lines)
        return httpx.Response(
            200,
            content=gzip.compress(text.encode(), mtime=0),
            headers={"Content-Type": "application/gzip"},
        )

    def _cursor_page(self, params: dict[str, str], items: list[Any], key: str) -> httpx.Response:
        cursor = params.get("cursor") or ""
        offset = _decode(cursor) if cursor else 0
        if offset is None:
            return json_response({"ok": False, "error": "invalid_cursor"})
        size = min(self.page_size, _int(params.get("limit"), 100))
        chunk = items[offset : offset + size]
        following = offset + size
        next_cursor = _encode(following) if following < len(items) else ""
        if self.repeat_cursor and cursor:
            next_cursor = cursor
        body: dict[str, Any] = {"ok": True}
        body[key] = dict(chunk) if key == "billable_info" else chunk
        body["response_metadata"] = {"next_cursor": next_cursor}
        return json_response(body)

    def _numbered_page(self, params: dict[str, str], rows: list[Any], key: str) -> httpx.Response:
        count = min(self.page_size, _int(params.get("count"), 100))
        page = _int(params.get("page"), 1)
        if self.repeat_cursor:
            page = 1  # the fault: whatever page is asked for, the first one comes back
        pages = max(1, math.ceil(len(rows) / count))
        chunk = rows[(page - 1) * count : page * count]
        return json_response(
            {
                "ok": True,
                key: chunk,
                "paging": {"count": count, "total": len(rows), "page": page, "pages": pages},
            }
        )


def _params(request: httpx.Request) -> dict[str, str]:
    params = dict(request.url.params)
    if request.method == "POST" and request.content:
        form = httpx.QueryParams(request.content.decode("utf-8", "replace"))
        params.update(dict(form))
    return params


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


def _encode(offset: int) -> str:
    return base64.b64encode(f"user:{offset}".encode()).decode()


def _decode(cursor: str) -> int | None:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, number = text.partition(":")
        return int(number) if prefix == "user" else None
    except (ValueError, UnicodeDecodeError):
        return None
