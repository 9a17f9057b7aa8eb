"""An emulator of ``GET /orgs/{org}/copilot/billing/seats``, for the tests and the sandbox.

Bearer auth (a wrong token: 401 ``{"message": "Bad credentials", ...}``); ``page``/``per_page``
paging (``per_page`` at most 100) with RFC 8288 ``Link`` headers (``rel="next"``/``"last"``, absolute
URLs); ``x-ratelimit-*`` headers on every answer; a rate limit answers 429 with ``Retry-After`` (a
secondary limit); an unknown organization answers 404.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response, page_slice

DOCS = "https://docs.github.com/rest/copilot/copilot-user-management"
_SEATS = re.compile(r"^/orgs/([^/]+)/copilot/billing/seats/?$")


@dataclass
class CopilotData:
    """One organization's Copilot seats, as the API lists them."""

    org: str = "acme"
    seats: list[dict[str, Any]] = field(default_factory=list)
    """Seat objects (``assignee``, ``created_at``, ``last_activity_at``, ...), in listing order."""


class GitHubCopilotEmulator(Emulator[CopilotData]):
    vendor = "github_copilot"

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    @classmethod
    def world_settings(cls, *, base_url: str, secret_env: str) -> dict[str, Any]:
        from .world import ORG

        return {"token": {"env": secret_env}, "org": ORG}

    @classmethod
    def world_data(cls, view: WorldView) -> CopilotData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return json_response(
            {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            status=401,
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        return json_response(
            {"message": "You have exceeded a secondary rate limit.", "documentation_url": DOCS},
            status=429,
            headers={**_limits(remaining=0), "Retry-After": str(max(1, math.ceil(wait)))},
        )

    def route(self, request: httpx.Request) -> httpx.Response:
        match = _SEATS.match(self.path(request))
        if request.method != "GET" or match is None:
            return json_response({"message": "Not Found", "documentation_url": DOCS}, status=404)
        if match.group(1).lower() != self.data.org.lower():
            return json_response({"message": "Not Found", "documentation_url": DOCS}, status=404)
        params = request.url.params
        try:
            page = max(1, int(params.get("page", 1)))
            per_page = min(100, max(1, int(params.get("per_page", 50))))
        except ValueError:
            return json_response({"message": "Invalid page"}, status=422)
        size = min(per_page, self.page_size)
        chunk, following = page_slice(self.data.seats, (page - 1) * size, size)
        next_page = page + 1 if following is not None else None
        if self.repeat_cursor and page > 1:
            next_page = page  # the fault: the next link is the one just followed
        path = self.path(request)
        links = []
        if next_page is not None:
            query = urlencode({"per_page": per_page, "page": next_page})
            links.append(f'<{self.url_for(request, path)}?{query}>; rel="next"')
        last = max(1, math.ceil(len(self.data.seats) / size))
        query = urlencode({"per_page": per_page, "page": last})
        links.append(f'<{self.url_for(request, path)}?{query}>; rel="last"')
        return json_response(
            {"total_seats": len(self.data.seats), "seats": chunk},
            headers={**_limits(remaining=4999), "Link": ", ".join(links)},
        )


def _limits(*, remaining: int) -> dict[str, str]:
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(int(time.time()) + 3600),
    }
