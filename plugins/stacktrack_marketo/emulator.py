"""An emulator of the Marketo endpoints the ``marketo`` plugin uses (docs/plugins/marketo.md).

* ``/identity/oauth/token?grant_type=client_credentials&client_id&client_secret``: a new token
  (``expires_in`` 3599); wrong credentials get 401 ``unauthorized``;
* User Management (``/userservice/management/v1/...``): no ``success`` flag, a bare array from
  ``allusers.json`` (``pageSize`` up to 200, default 20; ``pageOffset`` an item offset), 404
  with ``errors`` for an unknown user; the token only in the header;
* ``/rest/v1/stats/usage.json`` and ``usage/last7days.json``: ``{requestId, success, result}``;
* the daily quota (``MarketoData.daily_quota``): every API call counts (token requests do not);
  past the quota every call answers HTTP 200 with ``success: false`` and error ``607``; the rate
  limit answers HTTP 200 with ``606``; an expired token (``expire_tokens()``) gets ``602`` on
  ``/rest`` paths and 401 on User Management.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

USERS_PREFIX = "/userservice/management/v1/users/"


@dataclass
class MarketoData:
    """Objects exactly as the API returns them."""

    client_id: str = "mkto-client-id"
    users: list[dict[str, Any]] = field(default_factory=list)
    """``allusers.json`` rows."""
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``userid`` -> its ``user.json`` body."""
    usage: list[dict[str, Any]] = field(default_factory=list)
    """Daily usage entries (``date``, ``total``, ``users``), oldest first; the last one is today."""
    daily_quota: int = 50_000


def _request_id() -> str:
    return f"{uuid.uuid4().hex[:4]}#{uuid.uuid4().hex[:11]}"


def _failure(code: str, message: str) -> httpx.Response:
    return json_response(
        {
            "requestId": _request_id(),
            "success": False,
            "errors": [{"code": code, "message": message}],
        }
    )


class MarketoEmulator(Emulator[MarketoData]):
    vendor: ClassVar[str] = "marketo"

    @classmethod
    def world_data(cls, view: WorldView) -> MarketoData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    @classmethod
    def world_settings(cls, *, base_url: str, secret_env: str) -> dict[str, Any]:
        """A LaunchPoint custom service's client id and secret (the Identity URL is derived)."""
        return {
            "client_id": MarketoData().client_id,
            "client_secret": {"env": secret_env},
        }

    def __init__(self, data: MarketoData, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.data: MarketoData = data
        self.issued: set[str] = set()
        self.expired: set[str] = set()
        self.calls = 0
        """API calls counted against the quota (token requests are free)."""

    def expire_tokens(self) -> None:
        self.expired |= self.issued
        self.issued = set()

    # -- auth --------------------------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        if self.path(request) == "/identity/oauth/token":
            params = request.url.params
            return bool(
                params.get("client_id") == self.data.client_id
                and params.get("client_secret") == self.token
            )
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        return token in self.issued or token in self.expired

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        if self.path(request) == "/identity/oauth/token":
            return json_response(
                {"error": "unauthorized", "error_description": "Bad client credentials"},
                status=401,
            )
        if self.path(request).startswith("/rest/"):
            return _failure("601", "Access token invalid")
        return json_response(
            {"errors": [{"code": 601, "message": "Access token invalid"}]}, status=401
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        return _failure("606", "Max rate limit '100' exceeded with in '20' secs")

    # -- routes ------------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        path = self.path(request)
        if path == "/identity/oauth/token":
            if request.method not in ("GET", "POST"):
                return json_response({"error": "invalid_request"}, status=405)
            if request.url.params.get("grant_type") != "client_credentials":
                return json_response({"error": "unsupported_grant_type"}, status=400)
            token = f"{uuid.uuid4()}:ab"
            self.issued.add(token)
            return json_response(
                {
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": 3599,
                    "scope": "api@acme.test",
                }
            )
        token = request.headers.get("authorization", "")[7:]
        if token in self.expired:
            if path.startswith("/rest/"):
                return _failure("602", "Access token expired")
            return json_response(
                {"errors": [{"code": 602, "message": "Access token expired"}]}, status=401
            )
        if self.calls >= self.data.daily_quota:
            return _failure("607", "Daily quota reached")
        self.calls += 1
        if request.method != "GET":
            return json_response(
                {"errors": [{"code": 405, "message": "Method not allowed"}]}, status=405
            )
        if path == USERS_PREFIX + "allusers.json":
            return self._all_users(request)
        if path.startswith(USERS_PREFIX) and path.endswith("/user.json"):
            userid = unquote(path[len(USERS_PREFIX) : -len("/user.json")])
            if userid not in self.data.details:
                return json_response(
                    {"errors": [{"code": 404, "message": f"User {userid} not found"}]}, status=404
                )
            return json_response(self.data.details[userid])
        if path == "/rest/v1/stats/usage.json":
            return self._usage(self._days()[-1:])
        if path == "/rest/v1/stats/usage/last7days.json":
            return self._usage(self._days()[-7:])
        return json_response({"errors": [{"code": 404, "message": "Not found"}]}, status=404)

    def _days(self) -> list[dict[str, Any]]:
        """The usage entries, today's total including the calls made to this emulator."""
        days = [dict(day) for day in self.data.usage] or [
            {"date": dt.datetime.now(dt.UTC).date().isoformat(), "total": 0, "users": []}
        ]
        days[-1]["total"] = int(days[-1].get("total", 0)) + self.calls
        return days

    def _usage(self, days: list[dict[str, Any]]) -> httpx.Response:
        return json_response({"requestId": _request_id(), "success": True, "result": days})

    def _all_users(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        try:
            size = int(params.get("pageSize", 20))
            offset = int(params.get("pageOffset", 0))
        except ValueError:
            return json_response(
                {"errors": [{"code": 400, "message": "Invalid paging"}]}, status=400
            )
        if not 1 <= size <= 200 or offset < 0:
            return json_response(
                {"errors": [{"code": 400, "message": "pageSize must be 1 to 200"}]}, status=400
            )
        if self.repeat_cursor and offset > 0:
            offset = 0  # fault: every page repeats the first one
        return json_response(self.data.users[offset : offset + min(size, self.page_size)])


def marketo_time(when: dt.datetime) -> str:
    """Marketo's date form: ``2020-02-05T01:02:23.000t+0000``."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000t+0000")


__all__ = ["MarketoData", "MarketoEmulator", "marketo_time"]
