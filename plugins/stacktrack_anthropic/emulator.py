"""An emulator of the Anthropic Admin API endpoints the ``anthropic`` plugin uses.

* ``x-api-key`` plus a required ``anthropic-version`` header; Anthropic's error envelope
  (``{"type": "error", "error": {"type", "message"}}``) for 400, 401, 403, 404 and 429 (with
  ``retry-after``);
* ``/v1/organizations/users`` and ``/v1/organizations/workspaces/{id}/members``: ``limit`` 1 to
  1000 (default 20), cursor ``after_id``, ``first_id``/``last_id``/``has_more``;
* ``/v1/organizations/usage_report/messages``: buckets from ``starting_at`` (RFC 3339, required,
  snapped to the UTC day) to ``ending_at``, ``bucket_width`` 1m/1h/1d with its bucket limit (1d:
  7 by default, at most 31), ``group_by[]`` checked, opaque ``page`` cursor;
* ``/v1/organizations/usage_report/claude_code``: one UTC day (``starting_at=YYYY-MM-DD``, any
  other form is refused), ``limit`` 1 to 1000 (default 20), opaque ``page`` cursor.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

WIDTHS = {"1m": 60, "1h": 3600, "1d": 86_400}
BUCKET_LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}
GROUP_BY = frozenset(
    {
        "api_key_id",
        "workspace_id",
        "model",
        "service_tier",
        "context_window",
        "inference_geo",
        "account_id",
        "service_account_id",
    }
)


@dataclass
class AnthropicData:
    """Objects exactly as the API returns them."""

    users: list[dict[str, Any]] = field(default_factory=list)
    workspace_members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Workspace id -> its ``workspace_member`` objects."""
    messages: list[dict[str, Any]] = field(default_factory=list)
    """Daily buckets (``starting_at``, ``ending_at``, ``results`` grouped by ``account_id``)."""
    claude_code: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """``YYYY-MM-DD`` -> that day's Claude Code records."""
    messages_forbidden: bool = False
    claude_code_forbidden: bool = False


def _error(status: int, kind: str, message: str) -> httpx.Response:
    return json_response(
        {"type": "error", "error": {"type": kind, "message": message}}, status=status
    )


def _bad(message: str) -> httpx.Response:
    return _error(400, "invalid_request_error", message)


def _encode(value: str) -> str:
    return "page_" + base64.urlsafe_b64encode(value.encode()).decode()


def _decode(cursor: str) -> str | None:
    if not cursor.startswith("page_"):
        return None
    try:
        return base64.urlsafe_b64decode(cursor[5:].encode()).decode()
    except ValueError:
        return None


def _parse(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("no offset")
    return parsed.astimezone(dt.UTC)


def rfc3339(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AnthropicEmulator(Emulator[AnthropicData]):
    vendor: ClassVar[str] = "anthropic"

    @classmethod
    def world_data(cls, view: WorldView) -> AnthropicData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    def __init__(self, data: AnthropicData, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.data: AnthropicData = data

    def authorized(self, request: httpx.Request) -> bool:
        return bool(request.headers.get("x-api-key") == self.token)

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _error(401, "authentication_error", "invalid x-api-key")

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        response = _error(
            429, "rate_limit_error", "Number of requests has exceeded your rate limit"
        )
        response.headers["retry-after"] = str(max(1, round(wait)))
        return response

    def route(self, request: httpx.Request) -> httpx.Response:
        if "anthropic-version" not in request.headers:
            return _bad("anthropic-version: header is required")
        if request.method != "GET":
            return _bad(f"{request.method} is not emulated")
        parts = self.path(request).strip("/").split("/")
        if parts[:2] != ["v1", "organizations"]:
            return _error(404, "not_found_error", "Not found")
        rest = parts[2:]
        if rest == ["users"]:
            return self._listing(request, self.data.users)
        if len(rest) == 3 and rest[0] == "workspaces" and rest[2] == "members":
            if rest[1] not in self.data.workspace_members:
                return _error(404, "not_found_error", f"workspace {rest[1]} not found")
            return self._listing(request, self.data.workspace_members[rest[1]], key="user_id")
        if rest == ["usage_report", "messages"]:
            if self.data.messages_forbidden:
                return _error(403, "permission_error", "not allowed to read usage")
            return self._messages(request)
        if rest == ["usage_report", "claude_code"]:
            if self.data.claude_code_forbidden:
                return _error(403, "permission_error", "not allowed to read Claude Code usage")
            return self._claude_code(request)
        return _error(404, "not_found_error", "Not found")

    def _limit(self, request: httpx.Request, default: int, most: int) -> int | None:
        try:
            limit = int(request.url.params.get("limit", default))
        except ValueError:
            return None
        return limit if 1 <= limit <= most else None

    def _listing(
        self, request: httpx.Request, items: list[dict[str, Any]], key: str = "id"
    ) -> httpx.Response:
        limit = self._limit(request, 20, 1000)
        if limit is None:
            return _bad("limit: must be between 1 and 1000")
        after = request.url.params.get("after_id")
        start = 0
        if after is not None:
            ids = [item.get(key) for item in items]
            if after not in ids:
                return _bad(f"after_id: {after} not found")
            start = ids.index(after) + 1
        chunk = items[start : start + min(limit, self.page_size)]
        has_more = start + len(chunk) < len(items)
        last_id = chunk[-1][key] if chunk else None
        if self.repeat_cursor and after is not None:
            has_more, last_id = True, after
        return json_response(
            {
                "data": chunk,
                "first_id": chunk[0][key] if chunk else None,
                "last_id": last_id,
                "has_more": has_more,
            }
        )

    def _messages(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        width_name = params.get("bucket_width", "1d")
        if width_name not in WIDTHS:
            return _bad("bucket_width: must be one of 1d, 1h, 1m")
        width = dt.timedelta(seconds=WIDTHS[width_name])
        try:
            start = _parse(params["starting_at"])
            end = _parse(params["ending_at"]) if "ending_at" in params else None
        except (KeyError, ValueError):
            return _bad("starting_at: required, an RFC 3339 timestamp")
        if width_name == "1d":  # buckets snap to the start of the UTC day
            start = start.replace(hour=0, minute=0, second=0, microsecond=0)
        default, most = BUCKET_LIMITS[width_name]
        limit = self._limit(request, default, most)
        if limit is None:
            return _bad(f"limit: must be between 1 and {most} for bucket_width={width_name}")
        group_by = set(params.get_list("group_by[]")) | set(params.get_list("group_by"))
        if not group_by <= GROUP_BY:
            return _bad(f"group_by: unsupported {sorted(group_by - GROUP_BY)}")
        cursor = params.get("page")
        first = start
        if cursor is not None:
            decoded = _decode(cursor)
            if decoded is None:
                return _bad("page: invalid cursor")
            first = _parse(decoded)
        if end is None:
            end = start + width * default
        starts: list[dt.datetime] = []
        moment = first
        while moment < end and len(starts) < min(limit, self.page_size):
            starts.append(moment)
            moment += width
        data = []
        for bucket_start in starts:
            bucket_end = min(bucket_start + width, end)
            results = [
                dict(result)
                for stored in self.data.messages
                if bucket_start <= _parse(stored["starting_at"]) < bucket_end
                for result in stored.get("results", [])
            ]
            if "account_id" not in group_by:
                for result in results:
                    result["account_id"] = None
            data.append(
                {
                    "starting_at": rfc3339(bucket_start),
                    "ending_at": rfc3339(bucket_end),
                    "results": results,
                }
            )
        has_more = moment < end
        next_page = _encode(rfc3339(moment)) if has_more else None
        if self.repeat_cursor and cursor is not None:
            has_more, next_page = True, cursor
        return json_response({"data": data, "has_more": has_more, "next_page": next_page})

    def _claude_code(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        day = params.get("starting_at", "")
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            return _bad("starting_at: required, a UTC date in YYYY-MM-DD format")
        if len(day) != 10:
            return _bad("starting_at: required, a UTC date in YYYY-MM-DD format")
        limit = self._limit(request, 20, 1000)
        if limit is None:
            return _bad("limit: must be between 1 and 1000")
        records = self.data.claude_code.get(day, [])
        cursor = params.get("page")
        offset = 0
        if cursor is not None:
            decoded = _decode(cursor)
            if decoded is None or not decoded.isdigit():
                return _bad("page: invalid cursor")
            offset = int(decoded)
        chunk = records[offset : offset + min(limit, self.page_size)]
        following = offset + len(chunk)
        has_more = following < len(records)
        next_page = _encode(str(following)) if has_more else None
        if self.repeat_cursor and cursor is not None:
            has_more, next_page = True, cursor
        return json_response({"data": chunk, "has_more": has_more, "next_page": next_page})
