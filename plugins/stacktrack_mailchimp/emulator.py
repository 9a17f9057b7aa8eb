"""An emulator of ``GET /3.0/authorized-apps`` for the ``mailchimp`` plugin.

HTTP Basic auth with the API key as password (any user name) or a Bearer token; Mailchimp's
``application/problem+json`` errors; ``count`` 1 to 1000 (default 10) and ``offset``, with
``total_items``; 429 without rate-limit headers (Mailchimp sends none).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response


@dataclass
class MailchimpData:
    apps: list[dict[str, Any]] = field(default_factory=list)
    """``authorized-apps`` items exactly as the API returns them."""


def _problem(status: int, title: str, detail: str) -> httpx.Response:
    response = json_response(
        {
            "type": "https://mailchimp.com/developer/marketing/docs/errors/",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": "b3ed0d4f-0bd6-4b3b-9d7c-5d3b0b2f9c2a",
        },
        status=status,
    )
    response.headers["Content-Type"] = "application/problem+json"
    return response


class MailchimpEmulator(Emulator[MailchimpData]):
    vendor: ClassVar[str] = "mailchimp"

    @classmethod
    def world_data(cls, view: WorldView) -> MailchimpData:
        from .world import world_data  # the world builder imports this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    def authorized(self, request: httpx.Request) -> bool:
        header = request.headers.get("authorization", "")
        if header == f"Bearer {self.token}":
            return True
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                return False
            return decoded.partition(":")[2] == self.token
        return False

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _problem(
            401,
            "API Key Invalid",
            "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        return _problem(
            429, "Too Many Requests", "You have exceeded the limit of 10 simultaneous connections."
        )

    def route(self, request: httpx.Request) -> httpx.Response:
        if self.path(request) != "/authorized-apps":
            return _problem(404, "Resource Not Found", "The requested resource could not be found.")
        if request.method != "GET":
            return _problem(405, "Method Not Allowed", "The requested method is not allowed.")
        params = request.url.params
        try:
            count = int(params.get("count", 10))
            offset = int(params.get("offset", 0))
        except ValueError:
            return _problem(400, "Invalid Resource", "count and offset must be integers")
        if not 1 <= count <= 1000 or offset < 0:
            return _problem(400, "Invalid Resource", "count must be between 1 and 1000")
        if self.repeat_cursor and offset > 0:
            offset = 0  # fault: every page repeats the first one
        chunk = self.data.apps[offset : offset + min(count, self.page_size)]
        return json_response({"apps": chunk, "total_items": len(self.data.apps), "_links": []})
