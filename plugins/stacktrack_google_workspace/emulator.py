"""An emulator of the Google Admin SDK endpoints the ``google_workspace`` plugin reads.

Faithful to the API as docs/plugins/google_workspace.md describes it: Bearer access token; Directory
``GET /admin/directory/v1/users`` (``customer``, ``maxResults`` up to 500), Reports
``GET /admin/reports/v1/activity/users/all/applications/{saml|token}`` (``eventName``, ``startTime``,
``endTime``, ``maxResults`` up to 1000, newest first) and License Manager
``GET /apps/licensing/v1/product/{productId}/sku/{skuId}/users`` (``customerId`` required), all paged
with ``pageToken``/``nextPageToken``. The License Manager lives on another host in reality; here both
are served by one emulator (the plugin's ``licensing_base_url`` points at it).

Error bodies use Google's standard envelope ``{"error": {"code", "message", "errors": [{"reason"}],
"status"}}`` (documented: standard, UNCERTAIN for this API). The rate-limit answer is the documented 403 with
reason ``rateLimitExceeded`` by default; set ``rate_limit_status`` to 429 or 503 for the other two.

``POST /token`` is Google's OAuth token endpoint for the service-account (RFC 7523 jwt-bearer)
grant: it verifies the assertion's RS256 signature against the account's public key, that ``sub``
is an admin of the Directory and that every scope asked for was authorised for the account
(else ``unauthorized_client``); the body shapes are RFC 6749's.

``GET /admin/reports/v1/usage/users/{all|email}/dates/{YYYY-MM-DD}`` (``userUsageReport``): the
dates are Pacific time; the last ``usage_lag_days`` dates answer no reports and Google's "not
available right now" warning (the lag is about 2-3 days); ``parameters`` filters the
``app:name`` parameters; ``maxResults`` 1-1000 with ``pageToken``. Gemini activity is the
``gemini_in_workspace_apps`` activity application.

Reports keeps 180 days: an older ``startTime`` is a 400 (third-party evidence for the status; the
discovery document states the 180 days) and older activities are never returned.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import unquote

import httpx

from stacktrack.paging import parse_time
from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

_ACTIVITY = re.compile(r"^/admin/reports/v1/activity/users/([^/]+)/applications/([^/]+)/?$")
_LICENSES = re.compile(r"^/apps/licensing/v1/product/([^/]+)/sku/([^/]+)/users/?$")
_APPLICATIONS = ("saml", "token", "login", "admin", "drive", "gemini_in_workspace_apps")
_USAGE = re.compile(r"^/admin/reports/v1/usage/users/([^/]+)/dates/([^/]+)/?$")


@dataclass
class GoogleWorkspaceData:
    """One Google Workspace customer, as the Admin SDK returns it."""

    customer_id: str = "C03az79cb"
    users: list[dict[str, Any]] = field(default_factory=list)
    """Directory ``users.list`` items (``User``), suspended and archived ones included."""
    saml_activities: list[dict[str, Any]] = field(default_factory=list)
    """Reports ``saml`` activities (``Activity``; ``login_success``/``login_failure`` events)."""
    token_activities: list[dict[str, Any]] = field(default_factory=list)
    """Reports ``token`` activities (``authorize``/``revoke``/``activity`` events)."""
    license_assignments: list[dict[str, Any]] = field(default_factory=list)
    """License Manager ``licenseAssignment`` items of every product and SKU."""
    now: dt.datetime | None = None
    """The customer's clock, for the Reports API's 180 days; ``None`` = the request's ``endTime``,
    else the wall clock."""
    service_accounts: dict[str, str] = field(default_factory=dict)
    """Service-account e-mail -> its public key (PEM): whose signed assertions ``POST /token`` takes."""
    delegated_scopes: dict[str, list[str]] = field(default_factory=dict)
    """Service-account e-mail -> the scopes an admin authorised for it (domain-wide delegation)."""
    gemini_activities: list[dict[str, Any]] = field(default_factory=list)
    """Reports ``gemini_in_workspace_apps`` activities (``feature_utilization`` events)."""
    usage_reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """``YYYY-MM-DD`` -> ``userUsageReport`` items (``usageReports[]``) of that day."""
    usage_lag_days: int = 2
    """Days (before ``now``'s date) whose usage data is not ready yet: those dates answer no
    reports and a "not available right now" warning, as Google does for about 2-3 days."""
    usage_forbidden: bool = False
    """True: the usage reports answer 403 (the usage scope was not granted)."""


REPORTS_RETENTION_DAYS = 180
"""Reports keeps 180 days of activity and answers 400 to a ``startTime`` older than that."""


class GoogleWorkspaceEmulator(Emulator[GoogleWorkspaceData]):
    vendor = "google_workspace"
    identity_provider = True

    @classmethod
    def world_data(cls, view: WorldView) -> GoogleWorkspaceData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    data: GoogleWorkspaceData
    rate_limit_status: int = 403
    """The throttling answer: 403 ``rateLimitExceeded`` (default), 429 or 503."""

    def __init__(self, data: Any, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.issued: dict[str, str] = {}
        """Access tokens minted by ``POST /token`` -> the admin they act as."""
        self.grants: list[dict[str, Any]] = []
        """The verified claims of every accepted assertion (tests read them)."""

    def authorized(self, request: httpx.Request) -> bool:
        if request.method == "POST" and self.path(request).rstrip("/") == "/token":
            return True  # the token endpoint authenticates the assertion, not a header
        header = request.headers.get("authorization") or ""
        token = header.removeprefix("Bearer ")
        return header == f"Bearer {self.token}" or token in self.issued

    _STATUS_TEXT: ClassVar[dict[int, str]] = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        503: "UNAVAILABLE",
    }

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return self._error(
            401,
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
            "cookie or other valid authentication credential.",
            "authError",
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        status = self.rate_limit_status
        if status == 503:
            return self._error(503, "The service is currently unavailable.", "backendError")
        if status == 429:
            return self._error(
                429, "Quota exceeded for quota metric 'Queries'.", "rateLimitExceeded"
            )
        return self._error(403, "Rate Limit Exceeded", "rateLimitExceeded")

    def route(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and self.path(request).rstrip("/") == "/token":
            return self._token(request)
        if request.method != "GET":
            return self._error(405, "Method not allowed.", "methodNotAllowed")
        path = self.path(request)
        params = request.url.params
        if path.rstrip("/") == "/admin/directory/v1/users":
            customer = params.get("customer")
            if not customer and not params.get("domain"):
                return self._error(400, "Bad Request", "badRequest")
            if customer not in (None, "my_customer", self.data.customer_id):
                return self._error(404, "Resource Not Found: customer", "notFound")
            return self._page(
                params, self.data.users, "users", 500, 100, {"kind": "admin#directory#users"}
            )
        match = _USAGE.match(path)
        if match:
            return self._usage(unquote(match.group(1)), unquote(match.group(2)), params)
        match = _ACTIVITY.match(path)
        if match:
            user_key, application = unquote(match.group(1)), unquote(match.group(2))
            if application not in _APPLICATIONS:
                return self._error(400, f"Invalid value '{application}'.", "invalid")
            items = self._activities(application, user_key, params)
            if isinstance(items, httpx.Response):
                return items
            return self._page(
                params, items, "items", 1000, 1000, {"kind": "admin#reports#activities"}
            )
        match = _LICENSES.match(path)
        if match:
            product, sku = unquote(match.group(1)), unquote(match.group(2))
            if params.get("customerId") not in ("my_customer", self.data.customer_id):
                return self._error(400, "Invalid customerId.", "invalid")
            items = [
                item
                for item in self.data.license_assignments
                if item.get("productId") == product and item.get("skuId") == sku
            ]
            extra = {"kind": "licensing#licenseAssignmentList", "etag": '"emulated"'}
            return self._page(params, items, "items", 1000, 100, extra)
        return self._error(404, "Not Found", "notFound")

    # -- userUsageReport ----------------------------------------------------------------------

    def _usage(self, user_key: str, date: str, params: httpx.QueryParams) -> httpx.Response:
        if self.data.usage_forbidden:
            return self._error(
                403, "Caller does not have access to the customers reporting data.", "forbidden"
            )
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            return self._error(400, f"Invalid value '{date}'.", "invalid")
        # Dates are Pacific time; "today" is the customer's clock shifted to UTC-8.
        today = ((self.data.now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=8)).date()
        if day > today:
            return self._error(
                400, "Start date can not be later than " + today.isoformat(), "invalid"
            )
        if day > today - dt.timedelta(days=self.data.usage_lag_days):
            warning = {
                "code": "PARTIAL_DATA_AVAILABLE",
                "message": f'Data for date {date} for application "gmail" is not available '
                "right now, please try again after a few hours.",
                "data": [{"key": "application", "value": "gmail"}],
            }
            return json_response({"kind": "admin#reports#usageReports", "warnings": [warning]})
        reports = self.data.usage_reports.get(date, [])
        if user_key != "all":
            reports = [r for r in reports if (r.get("entity") or {}).get("userEmail") == user_key]
        wanted = params.get("parameters")
        if wanted:
            names = {name.strip() for name in wanted.split(",")}
            reports = [
                {**r, "parameters": [p for p in r.get("parameters", []) if p.get("name") in names]}
                for r in reports
            ]
        return self._page(
            params, reports, "usageReports", 1000, 1000, {"kind": "admin#reports#usageReports"}
        )

    # -- the OAuth token endpoint (oauth2.googleapis.com/token) --------------------------------

    def _token(self, request: httpx.Request) -> httpx.Response:
        """RFC 7523 jwt-bearer grant: verify the assertion's signature, then the delegation."""
        from google.auth import jwt

        form = httpx.QueryParams(request.content.decode("utf-8", "replace"))
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return _oauth_error("unsupported_grant_type", "Invalid grant_type.")
        assertion = form.get("assertion") or ""
        try:
            unverified = jwt.decode(assertion, verify=False)  # type: ignore[no-untyped-call]
            issuer = str(unverified.get("iss"))
            public_key = self.data.service_accounts.get(issuer)
            if public_key is None:
                return _oauth_error("invalid_client", "The OAuth client was not found.", 401)
            claims = jwt.decode(  # type: ignore[no-untyped-call]
                assertion, certs=public_key, clock_skew_in_seconds=60
            )
        except (ValueError, TypeError):
            return _oauth_error("invalid_grant", "Invalid JWT Signature.")
        subject = str(claims.get("sub") or "")
        admins = {
            str(user.get("primaryEmail", "")).lower()
            for user in self.data.users
            if user.get("isAdmin") and not user.get("suspended")
        }
        if subject.lower() not in admins:
            return _oauth_error("invalid_grant", "Invalid email or User ID")
        asked = str(claims.get("scope") or "").split()
        allowed = set(self.data.delegated_scopes.get(issuer, []))
        if not asked or not set(asked) <= allowed:
            return _oauth_error(
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client "
                "not authorized for any of the scopes requested.",
            )
        access = f"ya29.emulated-{len(self.issued) + 1}"
        self.issued[access] = subject
        self.grants.append(claims)
        return json_response({"access_token": access, "expires_in": 3599, "token_type": "Bearer"})

    def _activities(
        self, application: str, user_key: str, params: httpx.QueryParams
    ) -> list[dict[str, Any]] | httpx.Response:
        source = {
            "saml": self.data.saml_activities,
            "token": self.data.token_activities,
            "gemini_in_workspace_apps": self.data.gemini_activities,
        }.get(application, [])
        try:
            start = parse_time(params.get("startTime")) if params.get("startTime") else None
            end = parse_time(params.get("endTime")) if params.get("endTime") else None
        except ValueError:
            return self._error(400, "Invalid value for startTime/endTime.", "invalid")
        today = self.data.now or end or dt.datetime.now(dt.UTC)
        kept_from = today - dt.timedelta(days=REPORTS_RETENTION_DAYS)
        if start is not None and start < kept_from:
            # The status is third-party evidence; the wording is constructed.
            return self._error(400, "Start time is more than 180 days in the past.", "invalid")
        wanted = params.get("eventName")
        items = []
        for item in source:
            when = parse_time((item.get("id") or {}).get("time"))
            if (
                when is None
                or when < kept_from
                or (start is not None and when < start)
                or (end is not None and when > end)
            ):
                continue
            if user_key != "all" and (item.get("actor") or {}).get("email") != user_key:
                continue
            if wanted:
                events = [event for event in item.get("events", []) if event.get("name") == wanted]
                if not events:
                    continue
                item = {**item, "events": events}
            items.append(item)
        # Reports lists newest first.
        items.sort(
            key=lambda item: (
                parse_time(item["id"]["time"]) or dt.datetime.min.replace(tzinfo=dt.UTC)
            ),
            reverse=True,
        )
        return items

    def _page(
        self,
        params: httpx.QueryParams,
        items: list[Any],
        key: str,
        max_results: int,
        default: int,
        extra: dict[str, Any],
    ) -> httpx.Response:
        try:
            limit = int(params.get("maxResults", default))
        except ValueError:
            return self._error(400, "Invalid value for maxResults.", "invalid")
        if limit < 1 or limit > max_results:
            return self._error(
                400,
                f"Invalid value '{limit}'. Values must be within the range: [1, {max_results}]",
                "invalid",
            )
        token = params.get("pageToken")
        offset = _decode(token) if token else 0
        if offset is None:
            return self._error(400, "Invalid page token.", "invalid")
        size = min(self.page_size, limit)
        chunk = items[offset : offset + size]
        following = offset + size
        body: dict[str, Any] = {**extra}
        if chunk or key != "items":
            body[key] = chunk  # Google leaves ``items`` out of an empty activity page
        next_token = _encode(following) if following < len(items) else None
        if self.repeat_cursor and token:
            next_token = token  # the fault: the token just sent comes back
        if next_token:
            body["nextPageToken"] = next_token
        return json_response(body)

    def _error(
        self, status: int, message: str, reason: str, *, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": "global", "reason": reason}],
                "status": self._STATUS_TEXT.get(status, "UNKNOWN"),
            }
        }
        return json_response(body, status=status, headers=headers)


def _oauth_error(code: str, description: str, status: int = 400) -> httpx.Response:
    """The OAuth token endpoint's error body (RFC 6749 section 5.2)."""
    return json_response({"error": code, "error_description": description}, status=status)


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"gws:{offset}".encode()).decode().rstrip("=")


def _decode(token: str) -> int | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        prefix, _, number = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return int(number) if prefix == "gws" and int(number) >= 0 else None
    except (ValueError, UnicodeDecodeError):
        return None
