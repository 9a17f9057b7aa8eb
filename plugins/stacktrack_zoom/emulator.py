"""An emulator of the Zoom endpoints the ``zoom`` plugin uses (docs/plugins/zoom.md).

* ``POST /oauth/token?grant_type=account_credentials&account_id=...`` with HTTP Basic client
  credentials: a new access token each time (``expires_in`` 3600); wrong credentials get 401
  ``invalid_client``;
* ``GET /users?status=...``: ``page_size`` up to 300 (default 30), ``next_page_token`` (an empty
  string on the last page);
* ``GET /report/users?type=active|inactive&from&to``: ``from`` and ``to`` required, at most one
  month apart, ``from`` within six months of ``ZoomData.today``; a Basic (free) account gets 400
  "Only available for Paid account.";
* ``GET /accounts/me/plans/usage``;
* Bearer tokens it issued; 401 ``{"code": 124, "message": "Invalid access token."}``; 429 with
  no ``Retry-After`` (Zoom documents none).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response


@dataclass
class ZoomData:
    """Objects as the API returns them, plus the per-day host records reports are built from."""

    account_id: str = "acct-0001"
    client_id: str = "zoom-client-id"
    plan: str = "business"
    """``basic`` (free) accounts are refused the reports."""
    today: dt.date | None = None
    """The emulator's date for the six-month report limit (``None``: not checked)."""
    users: list[dict[str, Any]] = field(default_factory=list)
    """User objects, each with its ``status`` (active, inactive, pending)."""
    host_days: list[dict[str, Any]] = field(default_factory=list)
    """``{"user_id", "date": "YYYY-MM-DD", "meetings", "participants", "meeting_minutes"}``."""
    plans: dict[str, Any] | None = None
    """The ``/accounts/me/plans/usage`` body; ``None`` answers 403 (a token without the scope)."""


def _error(status: int, code: int, message: str) -> httpx.Response:
    return json_response({"code": code, "message": message}, status=status)


def _months_after(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class ZoomEmulator(Emulator[ZoomData]):
    vendor: ClassVar[str] = "zoom"

    @classmethod
    def world_data(cls, view: WorldView) -> ZoomData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    @classmethod
    def world_settings(cls, *, base_url: str, secret_env: str) -> dict[str, Any]:
        """Server-to-Server OAuth credentials, and the token endpoint under the same mount."""
        defaults = ZoomData()
        return {
            "account_id": defaults.account_id,
            "client_id": defaults.client_id,
            "client_secret": {"env": secret_env},
            "oauth_url": f"{base_url.rstrip('/')}/oauth/token",
        }

    def __init__(self, data: ZoomData, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.data: ZoomData = data
        self.issued: set[str] = set()
        self.tokens_issued = 0

    # -- auth --------------------------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        if self.path(request) == "/oauth/token":
            expected = f"{self.data.client_id}:{self.token}".encode()
            return bool(
                request.headers.get("authorization")
                == "Basic " + base64.b64encode(expected).decode()
            )
        header = request.headers.get("authorization", "")
        return header.startswith("Bearer ") and header[7:] in self.issued

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        if self.path(request) == "/oauth/token":
            return json_response(
                {"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
                status=401,
            )
        return _error(401, 124, "Invalid access token.")

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        return _error(429, 429, "You have reached the maximum per-second rate limit for this API.")

    def expire_tokens(self) -> None:
        """Forget every issued token (an hour has passed)."""
        self.issued.clear()

    # -- routes ------------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        path = self.path(request)
        params = request.url.params
        if path == "/oauth/token":
            if request.method != "POST":
                return _error(405, 405, "Method not allowed")
            if params.get("grant_type") != "account_credentials":
                return json_response(
                    {"reason": "Unsupported grant type", "error": "unsupported_grant_type"},
                    status=400,
                )
            if params.get("account_id") != self.data.account_id:
                return json_response(
                    {"reason": "Invalid account_id", "error": "invalid_request"}, status=400
                )
            token = secrets.token_urlsafe(24)
            self.issued.add(token)
            self.tokens_issued += 1
            return json_response(
                {
                    "access_token": token,
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "scope": "user:read:admin report:read:admin account:read:admin",
                }
            )
        if request.method != "GET":
            return _error(405, 405, "Method not allowed")
        if path == "/users":
            status = params.get("status", "active")
            items = [u for u in self.data.users if u.get("status", "active") == status]
            return self._paged(request, items, "users", {})
        if path == "/accounts/me/plans/usage":
            if self.data.plans is None:
                return _error(
                    403, 4711, "Invalid access token, does not contain scopes:[account:read:admin]."
                )
            return json_response(self.data.plans)
        if path == "/report/users":
            return self._report(request)
        return _error(404, 404, f"No API route for {path}")

    def _paged(
        self, request: httpx.Request, items: list[dict[str, Any]], key: str, extra: dict[str, Any]
    ) -> httpx.Response:
        params = request.url.params
        try:
            size = min(int(params.get("page_size", 30)), 300)
        except ValueError:
            return _error(400, 300, "Invalid field: page_size")
        size = max(1, min(size, self.page_size))
        given = params.get("next_page_token") or None
        offset = 0
        if given is not None:
            try:
                offset = int(base64.urlsafe_b64decode(given.encode()).decode())
            except ValueError:
                return _error(400, 300, "The next page token is invalid or expired.")
        chunk = items[offset : offset + size]
        following = offset + size
        token = (
            base64.urlsafe_b64encode(str(following).encode()).decode()
            if following < len(items)
            else ""
        )
        if self.repeat_cursor and given is not None:
            token = given
        return json_response(
            {
                **extra,
                "page_size": size,
                "total_records": len(items),
                "next_page_token": token,
                key: chunk,
            }
        )

    def _report(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if self.data.plan == "basic":
            return _error(400, 200, "Only available for Paid account.")
        kind = params.get("type", "active")
        try:
            start = dt.date.fromisoformat(params["from"])
            end = dt.date.fromisoformat(params["to"])
        except (KeyError, ValueError):
            return _error(400, 300, "Invalid field: from and to are required (yyyy-mm-dd).")
        if end < start or end > _months_after(start, 1):
            return _error(400, 300, "The date range must be within one month.")
        today = self.data.today
        if today is not None and start < _months_after(today, -6):
            return _error(400, 300, "The date range must be within the last six months.")
        totals: dict[str, dict[str, int]] = defaultdict(
            lambda: {"meetings": 0, "participants": 0, "meeting_minutes": 0}
        )
        for record in self.data.host_days:
            if start <= dt.date.fromisoformat(record["date"]) <= end:
                for name in ("meetings", "participants", "meeting_minutes"):
                    totals[record["user_id"]][name] += int(record.get(name, 0))
        users = {user["id"]: user for user in self.data.users}
        rows = []
        for uid, user in users.items():
            hosted = uid in totals and totals[uid]["meetings"] > 0
            if (kind == "active") != hosted:
                continue
            rows.append(
                {
                    "id": uid,
                    "email": user.get("email"),
                    "user_name": f"{user.get('first_name', '')} {user.get('last_name', '')}".strip(),
                    "type": user.get("type"),
                    "dept": user.get("dept", ""),
                    "create_time": user.get("created_at"),
                    "last_login_time": user.get("last_login_time"),
                    "last_client_version": user.get("last_client_version"),
                    **(
                        totals[uid]
                        if hosted
                        else {"meetings": 0, "participants": 0, "meeting_minutes": 0}
                    ),
                }
            )
        extra = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "total_meetings": sum(row["meetings"] for row in rows),
            "total_participants": sum(row["participants"] for row in rows),
            "total_meeting_minutes": sum(row["meeting_minutes"] for row in rows),
        }
        return self._paged(request, rows, "users", extra)
