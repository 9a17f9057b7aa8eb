"""An emulator of the Segment Public API endpoints the ``segment`` plugin reads.

Faithful to the API as docs/plugins/segment.md describes it: Bearer auth; answers wrapped in ``{"data":
...}`` and errors in ``{"errors": [{"type", "message", "data"}]}``; list endpoints that *require*
``pagination.count`` (1-200 here, the stricter of the two documented ranges) and take an opaque
``pagination.cursor``, answering ``data.pagination = {current, next, previous, totalEntries}``;
``X-RateLimit-*`` headers on every answer, ``X-RateLimit-Reset`` as an RFC 5322 date; and the
documented 429 body with ``msBeforeNext``. Used by the tests and the sandbox.
"""

from __future__ import annotations

import base64
import email.utils
import math
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

LISTS = {"/users": "users", "/sources": "sources", "/destinations": "destinations"}


@dataclass
class SegmentData:
    """One workspace, as the Public API returns it."""

    users: list[dict[str, Any]] = field(default_factory=list)
    """``GET /users`` items (``UserV1``)."""
    sources: list[dict[str, Any]] = field(default_factory=list)
    """``GET /sources`` items (``SourceV1``)."""
    destinations: list[dict[str, Any]] = field(default_factory=list)
    """``GET /destinations`` items (``DestinationV1``), each with its ``sourceId``."""


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
        key = LISTS.get(path)
        if key is None or request.method != "GET":
            return json_response(
                {"errors": [{"type": "not-found", "message": "Resource not found"}]}, status=404
            )
        params = request.url.params
        count_text = params.get("pagination.count")
        if not count_text or not count_text.isdigit() or not 1 <= int(count_text) <= 200:
            return _bad_request("pagination.count is required and must be between 1 and 200")
        cursor = params.get("pagination.cursor")
        offset = _decode(cursor) if cursor else 0
        if offset is None:
            return _bad_request("pagination.cursor is not valid")
        items: list[dict[str, Any]] = getattr(self.data, key)
        size = min(int(count_text), self.page_size)
        chunk = items[offset : offset + size]
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
            {"data": {key: chunk, "pagination": pagination}}, headers=_limit_headers(599, 60.0)
        )


def _bad_request(message: str) -> httpx.Response:
    return json_response({"errors": [{"type": "ValidationError", "message": message}]}, status=400)


def _limit_headers(remaining: int, reset_in: float) -> dict[str, str]:
    return {
        "X-RateLimit-Consumed": str(600 - remaining),
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
