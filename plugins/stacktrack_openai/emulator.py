"""An emulator of the OpenAI Admin API endpoints the ``openai`` plugin uses (docs/plugins/openai.md).

* ``/organization/users``, ``/organization/projects``, ``…/projects/{id}/api_keys`` and
  ``…/service_accounts``: lists of ``min(limit, page_size)`` objects, ``limit`` 1 to 100, cursor
  ``after`` = an object id, ``has_more``/``first_id``/``last_id``;
* ``/organization/usage/<capability>``: time buckets from ``start_time`` (required) to
  ``end_time``, ``bucket_width`` 1m, 1h or 1d with its bucket limit (1d: 7 by default, at most 31),
  ``group_by`` checked against what each endpoint supports, opaque ``page`` cursor;
* ``/organization/costs``: the same with ``bucket_width=1d`` only and at most 180 buckets;
* Bearer auth with OpenAI's error body; 429 with ``Retry-After``; 403 on the usage or costs
  endpoints when ``OpenAIData.usage_forbidden`` / ``costs_forbidden`` (a key without that access).
"""

from __future__ import annotations

import base64
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

WIDTHS = {"1m": 60, "1h": 3600, "1d": 86_400}
BUCKET_LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}
"""bucket_width -> (default, maximum) buckets per page."""
GROUP_BY: dict[str, frozenset[str]] = {
    "completions": frozenset(
        {"project_id", "user_id", "api_key_id", "model", "batch", "service_tier"}
    ),
    "embeddings": frozenset({"project_id", "user_id", "api_key_id", "model"}),
    "moderations": frozenset({"project_id", "user_id", "api_key_id", "model"}),
    "images": frozenset({"project_id", "user_id", "api_key_id", "model", "size", "source"}),
    "audio_speeches": frozenset({"project_id", "user_id", "api_key_id", "model"}),
    "audio_transcriptions": frozenset({"project_id", "user_id", "api_key_id", "model"}),
    "file_search_calls": frozenset({"project_id", "user_id", "api_key_id", "vector_store_id"}),
    "web_search_calls": frozenset(
        {"project_id", "user_id", "api_key_id", "model", "context_level"}
    ),
    "code_interpreter_sessions": frozenset({"project_id"}),
    "vector_stores": frozenset({"project_id"}),
}
COST_GROUP_BY = frozenset({"project_id", "line_item", "api_key_id"})
COUNT_FIELDS = ("num_model_requests", "num_requests", "input_tokens", "output_tokens", "images")


@dataclass
class OpenAIData:
    """Objects exactly as the API returns them."""

    users: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    api_keys: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Project id -> its API keys."""
    service_accounts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Project id -> its service accounts."""
    usage: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Capability -> daily ``bucket`` objects whose ``results`` are grouped by ``user_id``."""
    costs: list[dict[str, Any]] = field(default_factory=list)
    """Daily ``bucket`` objects of ``organization.costs.result`` results."""
    usage_forbidden: bool = False
    costs_forbidden: bool = False


def _error(status: int, message: str, kind: str, code: str | None) -> httpx.Response:
    return json_response(
        {"error": {"message": message, "type": kind, "param": None, "code": code}}, status=status
    )


def _bad(message: str) -> httpx.Response:
    return _error(400, message, "invalid_request_error", None)


def _encode(value: int) -> str:
    return "page_" + base64.urlsafe_b64encode(str(value).encode()).decode()


def _decode(cursor: str) -> int | None:
    if not cursor.startswith("page_"):
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor[5:].encode()).decode())
    except ValueError:
        return None


def _list_values(params: httpx.QueryParams, name: str) -> list[str]:
    return [*params.get_list(name), *params.get_list(f"{name}[]")]


class OpenAIEmulator(Emulator[OpenAIData]):
    vendor: ClassVar[str] = "openai"

    @classmethod
    def world_data(cls, view: WorldView) -> OpenAIData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    def __init__(self, data: OpenAIData, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.data: OpenAIData = data

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _error(
            401,
            "Incorrect API key provided. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "invalid_request_error",
            "invalid_api_key",
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        response = _error(429, "Rate limit reached for requests", "requests", "rate_limit_exceeded")
        response.headers["Retry-After"] = str(max(1, round(wait)))
        return response

    def route(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return _bad(f"{request.method} is not emulated")
        parts = self.path(request).strip("/").split("/")
        if parts[:1] != ["organization"]:
            return self.not_found(request)
        rest = parts[1:]
        params = request.url.params
        if rest == ["users"]:
            return self._listing(request, self.data.users)
        if rest == ["projects"]:
            archived = params.get("include_archived") == "true"
            items = [p for p in self.data.projects if archived or p.get("status") != "archived"]
            return self._listing(request, items)
        if len(rest) == 3 and rest[0] == "projects" and rest[2] in ("api_keys", "service_accounts"):
            if not any(p.get("id") == rest[1] for p in self.data.projects):
                return _error(404, f"No such project: {rest[1]}", "invalid_request_error", None)
            table = self.data.api_keys if rest[2] == "api_keys" else self.data.service_accounts
            return self._listing(request, table.get(rest[1], []))
        if len(rest) == 2 and rest[0] == "usage" and rest[1] in GROUP_BY:
            if self.data.usage_forbidden:
                return self._forbidden()
            return self._buckets(
                request, self.data.usage.get(rest[1], []), GROUP_BY[rest[1]], rest[1]
            )
        if rest == ["costs"]:
            if self.data.costs_forbidden:
                return self._forbidden()
            if params.get("bucket_width", "1d") != "1d":
                return _bad("bucket_width must be 1d for costs")
            return self._buckets(request, self.data.costs, COST_GROUP_BY, None)
        return self.not_found(request)

    def _forbidden(self) -> httpx.Response:
        return _error(
            403,
            "You have insufficient permissions for this operation.",
            "invalid_request_error",
            "insufficient_permissions",
        )

    # -- cursor lists ------------------------------------------------------------------------

    def _listing(self, request: httpx.Request, items: list[dict[str, Any]]) -> httpx.Response:
        params = request.url.params
        try:
            limit = int(params.get("limit", 20))
        except ValueError:
            return _bad("limit must be an integer")
        if not 1 <= limit <= 100:
            return _bad("limit must be between 1 and 100")
        after = params.get("after")
        start = 0
        if after is not None:
            ids = [item.get("id") for item in items]
            if after not in ids:
                return _bad(f"after: no object with id {after}")
            start = ids.index(after) + 1
        chunk = items[start : start + min(limit, self.page_size)]
        has_more = start + len(chunk) < len(items)
        last_id = chunk[-1]["id"] if chunk else None
        if self.repeat_cursor and after is not None:
            has_more, last_id = True, after
        return json_response(
            {
                "object": "list",
                "data": chunk,
                "first_id": chunk[0]["id"] if chunk else None,
                "last_id": last_id,
                "has_more": has_more,
            }
        )

    # -- time buckets ------------------------------------------------------------------------

    def _buckets(
        self,
        request: httpx.Request,
        stored: list[dict[str, Any]],
        allowed: frozenset[str],
        capability: str | None,
    ) -> httpx.Response:
        params = request.url.params
        try:
            start = int(params["start_time"])
        except (KeyError, ValueError):
            return _bad("start_time is required (Unix seconds)")
        width_name = params.get("bucket_width", "1d")
        if width_name not in WIDTHS:
            return _bad("bucket_width must be one of 1m, 1h, 1d")
        width = WIDTHS[width_name]
        default, most = BUCKET_LIMITS[width_name] if capability else (7, 180)
        try:
            limit = int(params.get("limit", default))
            end = int(params["end_time"]) if "end_time" in params else None
        except ValueError:
            return _bad("limit and end_time must be integers")
        if not 1 <= limit <= most:
            return _bad(f"limit must be between 1 and {most} for bucket_width={width_name}")
        group_by = set(_list_values(params, "group_by"))
        if not group_by <= allowed:
            return _bad(f"group_by: unsupported field(s) {sorted(group_by - allowed)}")
        cursor = params.get("page")
        first = start
        if cursor is not None:
            decoded = _decode(cursor)
            if decoded is None or decoded < start:
                return _bad("page: invalid cursor")
            first = decoded
        if end is None:
            end = max(
                [start + width, *(int(b["start_time"]) + width for b in stored)],
            )
        count = min(limit, self.page_size)
        starts = [s for s in range(first, end, width)][:count]
        following = starts[-1] + width if starts else end
        data = [self._bucket(s, min(s + width, end), stored, group_by) for s in starts]
        has_more = following < end
        next_page = _encode(following) if has_more else None
        if self.repeat_cursor and cursor is not None:
            has_more, next_page = True, cursor
        return json_response(
            {"object": "page", "data": data, "has_more": has_more, "next_page": next_page}
        )

    def _bucket(
        self, start: int, end: int, stored: list[dict[str, Any]], group_by: set[str]
    ) -> dict[str, Any]:
        results = [
            result
            for bucket in stored
            if start <= int(bucket["start_time"]) < end
            for result in bucket.get("results", [])
        ]
        if "user_id" not in group_by:
            results = _merged(results)
        return {"object": "bucket", "start_time": start, "end_time": end, "results": results}


def _merged(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Results summed over users, as the API answers without ``group_by=user_id``."""
    if not results:
        return []
    totals: dict[str, Any] = defaultdict(int)
    merged: dict[str, Any] = {"object": results[0].get("object")}
    for result in results:
        for name in COUNT_FIELDS:
            if isinstance(result.get(name), int):
                totals[name] += result[name]
        amount = result.get("amount")
        if isinstance(amount, dict):
            money = merged.setdefault("amount", {"value": 0.0, "currency": amount["currency"]})
            money["value"] += amount["value"]
    merged.update(totals)
    for name in ("project_id", "user_id", "api_key_id", "model", "line_item"):
        if name in results[0]:
            merged[name] = None
    return [merged]


def day_start(when: dt.datetime) -> int:
    """Unix seconds of the UTC midnight that starts ``when``'s day (bucket boundaries)."""
    return int(
        when.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    )
