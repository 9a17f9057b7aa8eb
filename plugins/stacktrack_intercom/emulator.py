"""An emulator of the Intercom endpoints the ``intercom`` plugin uses (docs/plugins/intercom.md).

* ``GET /admins``: every admin in one ``admin.list`` (no paging);
* ``GET /admins/activity_logs``: ``created_at_after`` required (404 ``parameter_not_found``
  without it, as Intercom answers), ``created_at_before`` optional, newest first, ``per_page``
  entries per page; ``pages.next`` is a URL (``IntercomData.next_style = "url"``, the older
  documentation) or ``{"per_page", "starting_after"}`` (``"cursor"``, newer SDKs); a workspace
  whose plan lacks the log gets 403 ``api_plan_restricted``;
* Bearer auth with Intercom's ``error.list`` body (no rate-limit headers on a 401, as documented);
  429 ``rate_limit_exceeded`` with ``X-RateLimit-Limit/Remaining/Reset`` (Unix time).
"""

from __future__ import annotations

import base64
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

RATE_LIMIT = 167  # per 10-second window (10,000 a minute spread evenly)


@dataclass
class IntercomData:
    """Objects exactly as the API returns them."""

    admins: list[dict[str, Any]] = field(default_factory=list)
    activity_logs: list[dict[str, Any]] = field(default_factory=list)
    """Newest first, as the log lists them."""
    next_style: Literal["url", "cursor"] = "url"
    logs_restricted: bool = False
    """Answer the activity log with 403 ``api_plan_restricted``."""


def _errors(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {
        "type": "error.list",
        "request_id": str(uuid.uuid4()),
        "errors": [{"code": code, "message": message}],
    }
    return json_response(body, status=status, headers=headers)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:
        return None
    return int(text[7:]) if text.startswith("offset:") and text[7:].isdigit() else None


class IntercomEmulator(Emulator[IntercomData]):
    vendor: ClassVar[str] = "intercom"

    @classmethod
    def world_data(cls, view: WorldView) -> IntercomData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _errors(401, "unauthorized", "Access Token Invalid")

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        reset = int(time.time() + max(1.0, wait))
        return _errors(
            429,
            "rate_limit_exceeded",
            f"Exceeded rate limit of {RATE_LIMIT} in 10_seconds",
            headers=self._limit_headers(0, reset),
        )

    def _limit_headers(self, remaining: int, reset: int | None = None) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset or int(time.time()) + 10),
        }

    def route(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return _errors(405, "method_not_allowed", "Method not allowed")
        path = self.path(request)
        if path == "/admins":
            response = json_response({"type": "admin.list", "admins": self.data.admins})
        elif path == "/admins/activity_logs":
            response = self._logs(request)
        else:
            return _errors(404, "not_found", "Resource Not Found")
        remaining, refill = self.budget(RATE_LIMIT, 10.0)
        response.headers.update(self._limit_headers(remaining, math.ceil(time.time() + refill)))
        return response

    def _logs(self, request: httpx.Request) -> httpx.Response:
        if self.data.logs_restricted:
            return _errors(403, "api_plan_restricted", "Active subscription needed.")
        params = request.url.params
        try:
            after = int(params["created_at_after"])
            before = int(params["created_at_before"]) if "created_at_before" in params else None
        except KeyError:
            return _errors(404, "parameter_not_found", "created_at_after parameter is required")
        except ValueError:
            return _errors(
                400,
                "parameter_invalid",
                "created_at_after and created_at_before must be Unix timestamps",
            )
        items = [
            log
            for log in self.data.activity_logs
            if log["created_at"] >= after and (before is None or log["created_at"] <= before)
        ]
        given = params.get("starting_after")
        offset = 0
        if given is not None:
            decoded = _offset(given)
            if decoded is None:
                return _errors(400, "parameter_invalid", "starting_after is invalid")
            offset = decoded
        size = self.page_size
        chunk = items[offset : offset + size]
        following = offset + size
        cursor = _cursor(following) if following < len(items) else None
        if self.repeat_cursor and given is not None:
            cursor = given
        total_pages = max(1, -(-len(items) // size))
        pointer: Any = None
        if cursor is not None:
            if self.data.next_style == "cursor":
                pointer = {"per_page": size, "starting_after": cursor}
            else:
                query = httpx.QueryParams({**dict(params), "starting_after": cursor})
                pointer = self.url_for(request, f"/admins/activity_logs?{query}")
        return json_response(
            {
                "type": "activity_log.list",
                "pages": {
                    "type": "pages",
                    "next": pointer,
                    "page": offset // size + 1,
                    "per_page": size,
                    "total_pages": total_pages,
                },
                "activity_logs": chunk,
            }
        )
