"""An emulator of the Segment Public API endpoints the ``segment`` plugin reads.

Faithful to the API as docs/plugins/segment.md describes it: Bearer auth; answers wrapped in ``{"data":
...}`` and errors in ``{"errors": [{"type", "message", "data"}]}``; list endpoints that *require*
``pagination.count`` (1-200 here, the stricter of the two documented ranges) and take an opaque
``pagination.cursor``, answering ``data.pagination = {current, next, previous, totalEntries}``;
``X-RateLimit-*`` headers on every answer, ``X-RateLimit-Reset`` as an RFC 5322 date; and the
documented 429 body with ``msBeforeNext``. Delivery Overview's ``successful-delivery`` (a beta
endpoint) at ``granularity=DAY`` refuses a window longer than 30 days or starting more than 30 days
ago. The workspace usage endpoints (``/usage/mtu/daily``, ``/usage/api-calls/daily``) need ``period``
(the first day of a usage month, else 422) and ``pagination.count``, and list one row per counted day
of that month with counts cumulative over it, as strings; only the endpoint of the metric the plan is
priced by (``volume_metric``) lists rows, the other answers an empty list (which one answers is not
documented; this is our reading). A Free workspace answers 403 everywhere (the Public API is Team/Business only; the status and
text are constructed). Used by the tests and the sandbox.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

LISTS = {"/users": "users", "/sources": "sources", "/destinations": "destinations"}
USAGE = {
    "/usage/mtu/daily": ("mtu", "dailyWorkspaceMTUUsage"),
    "/usage/api-calls/daily": ("api_calls", "dailyWorkspaceAPICallsUsage"),
}
MTU_CATEGORIES = ("anonymous", "anonymousIdentified", "identified", "neverIdentified")


@dataclass
class SegmentData:
    """One workspace, as the Public API returns it."""

    users: list[dict[str, Any]] = field(default_factory=list)
    """``GET /users`` items (``UserV1``)."""
    sources: list[dict[str, Any]] = field(default_factory=list)
    """``GET /sources`` items (``SourceV1``)."""
    destinations: list[dict[str, Any]] = field(default_factory=list)
    """``GET /destinations`` items (``DestinationV1``), each with its ``sourceId``."""
    deliveries: dict[str, list[tuple[dt.datetime, int]]] = field(default_factory=dict)
    """Destination id -> (day, events delivered successfully) for Delivery Overview; a destination
    not listed delivered nothing."""
    plan: str = "business"
    """``free``: the Public API is for Team and Business plans only: every call answers 403."""
    delivery_overview: bool = True
    """False: Delivery Overview (a beta endpoint) answers 403 for this workspace."""
    now: dt.datetime | None = None
    """The workspace's clock for Delivery Overview's limits; ``None`` = ``endTime``, else now."""
    volume_metric: str | None = "mtu"
    """What the plan is priced by: ``mtu`` or ``api_calls`` lists its usage rows; ``None``: neither."""
    mtu_days: list[tuple[dt.date, dict[str, int]]] = field(default_factory=list)
    """Counted days and each day's MTU categories (``MTU_CATEGORIES``), cumulative over its month."""
    api_call_days: list[tuple[dt.date, int]] = field(default_factory=list)
    """Counted days and each day's API calls, cumulative over its month."""
    usage_status: int | None = None
    """Answer this status (403, 404, ...) on both usage endpoints instead of their rows."""


DAY_WINDOW_DAYS = 30
"""Delivery Overview at ``granularity=DAY``: a window of at most 30 days starting at most 30 days
ago (the SDK's docstrings)."""


class SegmentEmulator(Emulator[SegmentData]):
    vendor = "segment"

    @classmethod
    def world_data(cls, view: WorldView) -> SegmentData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    data: SegmentData

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        # The evidence gives the error envelope, not the 401's exact text: this body is constructed.
        return json_response(
            {"errors": [{"type": "unauthorized", "message": "Unauthorized"}]}, status=401
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        ms = max(1, math.ceil(wait * 1000))
        body = {
            "errors": [
                {
                    "type": "RequestError",
                    "message": "Too many requests",
                    "data": {"remainingPoints": 0, "msBeforeNext": ms, "consumedPoints": 21},
                }
            ]
        }
        return json_response(body, status=429, headers=_limit_headers(0, ms / 1000))

    def route(self, request: httpx.Request) -> httpx.Response:
        path = self.path(request).rstrip("/") or "/"
        if self.data.plan == "free":
            # The docs say only that Free has no Public API; the status and text are constructed.
            return json_response(
                {
                    "errors": [
                        {
                            "type": "forbidden",
                            "message": "The Public API is available to Team and Business plans",
                        }
                    ]
                },
                status=403,
            )
        if path == "/delivery-overview/successful-delivery" and request.method == "GET":
            return self._delivered(request.url.params)
        if path in USAGE and request.method == "GET":
            return self._usage(path, request.url.params)
        key = LISTS.get(path)
        if key is None or request.method != "GET":
            return json_response(
                {"errors": [{"type": "not-found", "message": "Resource not found"}]}, status=404
            )
        return self._page(request.url.params, key, getattr(self.data, key))

    def _page(
        self, params: httpx.QueryParams, key: str, items: list[dict[str, Any]]
    ) -> httpx.Response:
        """One page of ``items`` under ``data.<key>``, by Segment's ``pagination.count`` (1-200,
        required) and opaque ``pagination.cursor``."""
        count_text = params.get("pagination.count")
        if not count_text or not count_text.isdigit() or not 1 <= int(count_text) <= 200:
            return _bad_request("pagination.count is required and must be between 1 and 200")
        cursor = params.get("pagination.cursor")
        offset = _decode(cursor) if cursor else 0
        if offset is None:
            return _bad_request("pagination.cursor is not valid")
        size = min(int(count_text), self.page_size)
        following = offset + size
        next_cursor = _encode(following) if following < len(items) else None
        if self.repeat_cursor and cursor:
            next_cursor = cursor
        pagination = {
            "current": _encode(offset),
            "next": next_cursor,
            "previous": _encode(max(0, offset - size)) if offset else None,
            "totalEntries": len(items),
        }
        return json_response(
            {"data": {key: items[offset:following], "pagination": pagination}},
            headers=_limit_headers(*self.budget(600, 60.0)),
        )

    def _delivered(self, params: httpx.QueryParams) -> httpx.Response:
        if not self.data.delivery_overview:
            return json_response(
                {"errors": [{"type": "forbidden", "message": "Delivery Overview is not enabled"}]},
                status=403,
            )
        if not params.get("sourceId") or not params.get("destinationConfigId"):
            return _bad_request("sourceId and destinationConfigId are required")
        try:
            start = dt.datetime.fromisoformat(params.get("startTime", "").replace("Z", "+00:00"))
            end = dt.datetime.fromisoformat(params.get("endTime", "").replace("Z", "+00:00"))
        except ValueError:
            return _bad_request("startTime and endTime must be ISO 8601 date-times")
        if params.get("granularity") != "DAY":
            return _bad_request("this emulator serves granularity DAY only")
        today = self.data.now or end
        limit = dt.timedelta(days=DAY_WINDOW_DAYS)
        if end - start > limit or start < today - limit or start >= end:
            return _bad_request(
                "granularity DAY allows a window of at most 30 days starting at most 30 days ago"
            )
        destination = params["destinationConfigId"]
        known = {d.get("id"): d for d in self.data.destinations}
        if destination not in known or known[destination].get("sourceId") != params["sourceId"]:
            return json_response(
                {"errors": [{"type": "not-found", "message": "Destination not found"}]}, status=404
            )
        series = [
            {"time": day.strftime("%Y-%m-%dT00:00:00Z"), "count": count}
            for day, count in self.data.deliveries.get(destination, [])
            if start <= day < end and count
        ]
        total = sum(
            count for day, count in self.data.deliveries.get(destination, []) if start <= day < end
        )
        dataset = [{"total": total, "series": series}] if series else []
        return json_response(
            {"data": {"total": total, "dataset": dataset, "pagination": {"current": "MA=="}}},
            headers=_limit_headers(*self.budget(600, 60.0)),
        )

    def _usage(self, path: str, params: httpx.QueryParams) -> httpx.Response:
        metric, key = USAGE[path]
        if self.data.usage_status is not None:
            return json_response(
                {"errors": [{"type": "forbidden", "message": "Usage is not available"}]},
                status=self.data.usage_status,
            )
        try:
            month = dt.date.fromisoformat(params.get("period", ""))
        except ValueError:
            month = None
        if month is None or month.day != 1:
            return json_response(
                {"errors": [{"type": "ValidationError", "message": "period: the start of the "
                             "usage month, formatted as YYYY-MM-01"}]},
                status=422,
            )  # fmt: skip
        rows = self._usage_rows(metric, month) if self.data.volume_metric == metric else []
        return self._page(params, key, rows)

    def _usage_rows(self, metric: str, month: dt.date) -> list[dict[str, Any]]:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        # periodStart/periodEnd are numbers in the SDK with no unit said: epoch seconds here.
        bounds = {
            "periodStart": _epoch(month),
            "periodEnd": _epoch(following) - 1,
        }
        if metric == "mtu":
            return [
                {**bounds, **{c: str(counts.get(c, 0)) for c in MTU_CATEGORIES},
                 "timestamp": f"{day.isoformat()}T00:00:00Z"}
                for day, counts in sorted(self.data.mtu_days)
                if month <= day < following
            ]  # fmt: skip
        return [
            {"apiCalls": str(calls), "timestamp": f"{day.isoformat()}T00:00:00Z"}
            for day, calls in sorted(self.data.api_call_days)
            if month <= day < following
        ]


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _bad_request(message: str) -> httpx.Response:
    return json_response({"errors": [{"type": "ValidationError", "message": message}]}, status=400)


def _limit_headers(remaining: int, reset_in: float) -> dict[str, str]:
    return {
        "X-RateLimit-Consumed": str(max(0, 600 - remaining)),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": email.utils.formatdate(time.time() + reset_in, usegmt=True),
    }


def _encode(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()  # "MA==" is offset 0, as in the docs


def _decode(cursor: str) -> int | None:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        return int(text) if text.isdigit() else None
    except (ValueError, UnicodeDecodeError):
        return None
