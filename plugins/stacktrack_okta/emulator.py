"""An emulator of the Okta Management API endpoints the ``okta`` plugin reads.

Faithful to the API as docs/plugins/okta.md describes it: ``Authorization: SSWS <token>``; Okta's error
envelope (``errorCode``/``errorSummary``/``errorLink``/``errorId``/``errorCauses``) for errors; RFC 8288
``Link`` paging with an opaque ``after`` and ``limit`` (``rel="self"`` and ``rel="next"``, absolute URLs);
``X-Rate-Limit-Limit``/``-Remaining``/``-Reset`` on every answer and, when throttled, HTTP 429 with
``E0000047`` and a ``Date`` header; ``expand=user`` on app users; System Log ``filter`` (``eq`` clauses
joined by ``and``), ``since``/``until`` and ``sortOrder``; the System Log's two limits: a ``since``
more than 180 days back is a 400 ``E0000053``, and events older than 90 days are gone (Okta's
system-log query reference, "Errors" and "Data retention"). Used by the tests and the sandbox.

The 401 body: the evidence gives Okta's envelope only for the 429; the 401 uses the same envelope with
Okta's invalid-token code ``E0000011`` (constructed, not copied from a capture).
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from stacktrack.paging import parse_time
from stacktrack.testing import Emulator, WorldView, json_response

RATE_LIMIT = 600
_FILTER_CLAUSE = re.compile(r'^\s*([A-Za-z_][\w.]*)\s+eq\s+"([^"]*)"\s*$')
_APP_USERS = re.compile(r"^/api/v1/apps/([^/]+)/users/?$")


@dataclass
class OktaData:
    """One Okta org, as the Management API returns it."""

    apps: list[dict[str, Any]] = field(default_factory=list)
    """``GET /api/v1/apps`` items (``Application``), in listing order, inactive ones included."""
    app_users: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """App id -> ``GET /api/v1/apps/{id}/users`` items (``AppUser``), each with its ``_embedded.user``
    (served only with ``expand=user``, as Okta does)."""
    logs: list[dict[str, Any]] = field(default_factory=list)
    """System Log events (``LogEvent``) of every type, oldest first."""
    now: dt.datetime | None = None
    """The org's clock, for the System Log's limits; ``None`` = the request's ``until``, else the
    wall clock (so data built for any instant works without setting it)."""


SINCE_LIMIT_DAYS = 180
"""Okta answers 400 ``E0000053`` to a ``since`` more than 180 days before the current day."""
RETENTION_DAYS = 90
"""Okta keeps 90 days of System Log: older events are never returned."""


class OktaEmulator(Emulator[OktaData]):
    vendor = "okta"
    identity_provider = True

    @classmethod
    def world_data(cls, view: WorldView) -> OktaData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    data: OktaData

    def authorized(self, request: httpx.Request) -> bool:
        return bool(request.headers.get("authorization") == f"SSWS {self.token}")

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _error(401, "E0000011", "Invalid token provided")

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        now = time.time()
        return _error(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            headers=_limit_headers(now, remaining=0, reset=math.ceil(now + wait)),
        )

    def route(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            return _error(405, "E0000022", "The endpoint does not support the provided HTTP method")
        path = self.path(request)
        params = request.url.params
        if path.rstrip("/") == "/api/v1/apps":
            return self._page(request, self.data.apps, max_limit=200, default_limit=-1)
        match = _APP_USERS.match(path)
        if match:
            app_id = match.group(1)
            if not any(app.get("id") == app_id for app in self.data.apps):
                return _error(
                    404, "E0000007", f"Not found: Resource not found: {app_id} (AppInstance)"
                )
            users = self.data.app_users.get(app_id, [])
            if params.get("expand") != "user":
                users = [{k: v for k, v in user.items() if k != "_embedded"} for user in users]
            return self._page(request, users, max_limit=500, default_limit=50)
        if path.rstrip("/") == "/api/v1/logs":
            events = self._filtered_logs(params)
            if isinstance(events, httpx.Response):
                return events
            return self._page(request, events, max_limit=1000, default_limit=100)
        return _error(404, "E0000007", f"Not found: Resource not found: {path}")

    # -- the System Log ----------------------------------------------------------------------

    def _filtered_logs(self, params: httpx.QueryParams) -> list[dict[str, Any]] | httpx.Response:
        try:
            until = parse_time(params.get("until")) if params.get("until") else None
            since = parse_time(params.get("since")) if params.get("since") else None
        except ValueError:
            return _error(400, "E0000001", "Api validation failed: since/until")
        today = self.data.now or until or dt.datetime.now(dt.UTC)
        if since is None:
            # Okta's default: seven days before ``until`` (or before now).
            since = (until or today) - dt.timedelta(days=7)
        elif since < today - dt.timedelta(days=SINCE_LIMIT_DAYS):
            return _error(
                400,
                "E0000053",
                "Invalid value for since parameter: "
                "The since parameter is over 180 days prior to the current day.",
            )
        kept_from = today - dt.timedelta(days=RETENTION_DAYS)
        clauses: list[tuple[str, str]] = []
        text = params.get("filter")
        if text:
            for part in re.split(r"\s+and\s+", text):
                match = _FILTER_CLAUSE.match(part)
                if match is None:
                    return _error(400, "E0000031", "Invalid search criteria.")
                clauses.append((match.group(1), match.group(2)))
        events = [
            event
            for published, event in self._timeline()
            if since <= published
            and kept_from <= published
            and (until is None or published < until)
            and all(_lookup(event, name) == value for name, value in clauses)
        ]
        if (params.get("sortOrder") or "ASCENDING").upper() == "DESCENDING":
            events.reverse()
        return events

    def _timeline(self) -> list[tuple[dt.datetime, dict[str, Any]]]:
        """The log with parsed times, oldest first; cached while the list is the same (each page
        of a large sandbox log would otherwise re-parse every event)."""
        logs = self.data.logs
        key = (id(logs), len(logs))
        cached = getattr(self, "_timeline_cache", None)
        if cached is None or cached[0] != key:
            timeline = []
            for event in logs:
                published = parse_time(event.get("published"))
                if published is not None:
                    timeline.append((published, event))
            timeline.sort(key=lambda item: item[0])
            cached = (key, timeline)
            self._timeline_cache = cached
        return cached[1]

    # -- Link paging ---------------------------------------------------------------------------

    def _page(
        self, request: httpx.Request, items: list[Any], *, max_limit: int, default_limit: int
    ) -> httpx.Response:
        params = request.url.params
        try:
            limit = int(params.get("limit", default_limit))
        except ValueError:
            return _error(400, "E0000001", "Api validation failed: limit")
        if limit > max_limit:
            limit = max_limit
        size = self.page_size if limit <= 0 else min(self.page_size, limit)
        after = params.get("after")
        offset = _decode(after) if after else 0
        if offset is None:
            return _error(400, "E0000001", "Api validation failed: after")
        chunk = items[offset : offset + size]
        following = offset + size
        next_after = _encode(following) if following < len(items) else None
        if self.repeat_cursor and after:
            next_after = after  # the fault: the next link is the one just followed
        path = self.path(request)
        query = {k: v for k, v in params.multi_items() if k != "after"}
        links = [f'<{self.url_for(request, path)}?{urlencode(query)}>; rel="self"']
        if next_after is not None:
            link = self.url_for(request, path) + "?" + urlencode({**query, "after": next_after})
            links.append(f'<{link}>; rel="next"')
        now = time.time()
        remaining, refill = self.budget(RATE_LIMIT, 60.0)
        headers = {
            **_limit_headers(now, remaining=remaining, reset=math.ceil(now + refill)),
            "Link": ", ".join(links),
        }
        return json_response(chunk, headers=headers)


def _lookup(event: dict[str, Any], dotted: str) -> Any:
    value: Any = event
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _limit_headers(now: float, *, remaining: int, reset: int) -> dict[str, str]:
    return {
        "X-Rate-Limit-Limit": str(RATE_LIMIT),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(reset),
        "Date": email.utils.formatdate(now, usegmt=True),
    }


def _error(
    status: int, code: str, summary: str, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae" + uuid.uuid4().hex[:22],
        "errorCauses": [],
    }
    return json_response(body, status=status, headers=headers)


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"okta:{offset}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, _, number = text.partition(":")
        return int(number) if prefix == "okta" and int(number) >= 0 else None
    except (ValueError, UnicodeDecodeError):
        return None
