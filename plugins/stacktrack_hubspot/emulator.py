"""An emulator of the HubSpot endpoints the ``hubspot`` plugin uses (docs/plugins/hubspot.md).

* ``GET /settings/v3/users/`` and ``GET /account-info/v3/activity/login``: ``results`` pages of
  ``min(limit, self.page_size)`` items with an opaque ``paging.next.after`` cursor (``userId``
  filter on the login history);
* Bearer auth with HubSpot's error envelope; 429 with ``policyName`` and ``X-HubSpot-RateLimit-*``;
* ``HubSpotData.login_history_forbidden`` answers the login history with 403, as lower tiers do;
* the asset listings ``/marketing/v3/emails/`` (``stats`` only with ``includeStats=true``),
  ``/automation/v4/flows``, ``/marketing/v3/forms/`` and ``/cms/v3/pages/landing-pages`` with the same
  paging, each answering 403 ``MISSING_SCOPES`` when listed in ``forbidden_assets``;
* ``/automation/v4/sequences/`` per owning user: ``userId`` is required (400 without it), the same
  paging, ``"sequences"`` in ``forbidden_assets`` gives 403, ``sequence_errors`` one user's error;
* users carry ``seatNames`` when the data gives them.

Used by the plugin tests, the conformance suite and the sandbox server (mounted under
``self.prefix``).
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response, page_slice

USERS_PATHS = ("/settings/v3/users", "/settings/v3/users/")
LOGINS_PATH = "/account-info/v3/activity/login"
ASSET_PATHS = {
    "/marketing/v3/emails": "marketing_emails",
    "/automation/v4/flows": "flows",
    "/marketing/v3/forms": "forms",
    "/cms/v3/pages/landing-pages": "landing_pages",
}
SEQUENCES_PATH = "/automation/v4/sequences"
MAX_LIMIT = {"users": 100, "logins": 200, "assets": 100}


@dataclass
class HubSpotData:
    """Items exactly as the API returns them inside ``results``."""

    users: list[dict[str, Any]] = field(default_factory=list)
    logins: list[dict[str, Any]] = field(default_factory=list)
    """Successful and failed logins, newest first, as the login history lists them."""
    login_history_forbidden: bool = False
    """Answer the login history with 403 (lower tiers, or a token without the scope)."""
    marketing_emails: list[dict[str, Any]] = field(default_factory=list)
    """``GET /marketing/v3/emails/`` items (``PublicEmail``; ``stats`` only with ``includeStats``)."""
    flows: list[dict[str, Any]] = field(default_factory=list)
    """``GET /automation/v4/flows`` items (``isEnabled``, ``flowType``, ...)."""
    forms: list[dict[str, Any]] = field(default_factory=list)
    landing_pages: list[dict[str, Any]] = field(default_factory=list)
    sequences: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """``GET /automation/v4/sequences/?userId=`` items by owning user id."""
    sequence_errors: dict[str, int] = field(default_factory=dict)
    """User id -> HTTP status the sequences listing answers for that user (400, 404, ...)."""
    forbidden_assets: frozenset[str] = frozenset()
    """Asset listings (``marketing_emails``, ``flows``, ...) answered with 403 ``MISSING_SCOPES``,
    as for a token without the scope or an account whose Hubs lack the feature."""


def _error(status: int, message: str, category: str, **extra: Any) -> httpx.Response:
    # HubSpot's error envelope: status/message/correlationId/category. The evidence confirms only
    # `message` and `policyName` for 429; the rest follows the same envelope [uncertain].
    body = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }
    return json_response(body, status=status)


def _cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def _offset(cursor: str) -> int | None:
    try:
        value = int(base64.b64decode(cursor.encode(), validate=True).decode())
    except ValueError:
        return None
    return value if value >= 0 else None


class HubSpotEmulator(Emulator[HubSpotData]):
    vendor: ClassVar[str] = "hubspot"

    @classmethod
    def world_data(cls, view: WorldView) -> HubSpotData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    def __init__(self, data: HubSpotData, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.data: HubSpotData = data
        self.rate_limit_policy = "SECONDLY"
        """``policyName`` of the 429 answers: ``SECONDLY`` (retryable) or ``DAILY``."""
        self.rate_limit_max = 190  # Professional / Enterprise: 190 per 10 s

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _error(
            401,
            "Authentication credentials not found. This API supports OAuth 2.0 authentication "
            "and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            "INVALID_AUTHENTICATION",
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        daily = self.rate_limit_policy == "DAILY"
        response = _error(
            429,
            "You have reached your daily limit."
            if daily
            else "You have reached your secondly limit.",
            "RATE_LIMITS",
            errorType="RATE_LIMIT",
            policyName=self.rate_limit_policy,
        )
        response.headers.update(self._limit_headers(remaining=0))
        return response

    def _limit_headers(self, remaining: int) -> dict[str, str]:
        # HubSpot's budget is per 10-second window; a configured bucket is reported as the window
        # in which it fills up again, so the headers describe the budget that refuses
        window_ms, most = 10_000, self.rate_limit_max
        if self.rate_limit is not None:
            window_ms = round(self.rate_limit.burst / self.rate_limit.rate * 1000)
            most = self.rate_limit.burst
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(window_ms),
            "X-HubSpot-RateLimit-Max": str(most),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
        }

    def route(self, request: httpx.Request) -> httpx.Response:
        path = self.path(request)
        asset = ASSET_PATHS.get(path.rstrip("/"))
        if asset is not None:
            if asset in self.data.forbidden_assets:
                return _error(
                    403,
                    "This app hasn't been granted all required scopes to make this call.",
                    "MISSING_SCOPES",
                )
            kind, items = "assets", getattr(self.data, asset)
            if asset == "marketing_emails" and request.url.params.get("includeStats") != "true":
                items = [{k: v for k, v in item.items() if k != "stats"} for item in items]
        elif path.rstrip("/") == SEQUENCES_PATH:
            if "sequences" in self.data.forbidden_assets:
                return _error(
                    403,
                    "This app hasn't been granted all required scopes to make this call.",
                    "MISSING_SCOPES",
                )
            owner = request.url.params.get("userId")
            if not owner:
                return _error(400, "userId is required", "VALIDATION_ERROR")
            status = self.data.sequence_errors.get(owner)
            if status is not None:
                return _error(status, f"Cannot list sequences of user {owner}", "VALIDATION_ERROR")
            kind, items = "assets", self.data.sequences.get(owner, [])
        elif path in USERS_PATHS:
            kind, items = "users", self.data.users
        elif path.rstrip("/") == LOGINS_PATH:
            if self.data.login_history_forbidden:
                return _error(
                    403,
                    "This app hasn't been granted all required scopes to make this call.",
                    "MISSING_SCOPES",
                )
            kind, items = "logins", self.data.logins
            user_id = request.url.params.get("userId")
            if user_id is not None:
                items = [item for item in items if str(item.get("userId")) == user_id]
        else:
            return _error(404, f"Resource not found: {path}", "OBJECT_NOT_FOUND")
        if request.method != "GET":
            return _error(405, "Method not allowed", "VALIDATION_ERROR")
        params = request.url.params
        try:
            limit = int(params.get("limit", MAX_LIMIT[kind]))
        except ValueError:
            return _error(400, "limit must be a number", "VALIDATION_ERROR")
        limit = max(1, min(limit, MAX_LIMIT[kind], self.page_size))
        given = params.get("after")
        offset = 0 if given is None else _offset(given)
        if offset is None:
            return _error(400, "Invalid paging cursor", "VALIDATION_ERROR")
        chunk, following = page_slice(items, offset, limit)
        body: dict[str, Any] = {"results": chunk}
        after = (
            given
            if (self.repeat_cursor and given is not None)
            else (None if following is None else _cursor(following))
        )
        if after is not None:
            link = self.url_for(request, f"{path}?after={after}")
            body["paging"] = {"next": {"after": after, "link": link}}
        remaining, _ = self.budget(self.rate_limit_max, 10.0)
        return json_response(body, headers=self._limit_headers(remaining))
