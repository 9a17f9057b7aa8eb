"""An emulator of the Microsoft identity platform and the Graph endpoints the plugin reads.

Faithful to docs/plugins/microsoft_graph.md: client-credentials tokens from
``POST /{tenant}/oauth2/v2.0/token`` (``invalid_client`` 401 for a wrong secret, tokens that expire),
Graph's error body (``{"error": {"code", "message", "innerError"}}``), ``@odata.nextLink`` paging with an
opaque ``$skiptoken``, ``$top`` limits, ``429`` + ``Retry-After``, and the vendor's limits:

* ``signInActivity`` and sign-in logs need Entra ID P1/P2 (else 403
  ``Authentication_RequestFromNonPremiumTenantOrB2CTenant``); sign-in logs are kept 7 days (Free) or
  30 days (P1/P2) and nothing older is served, whatever the filter asks;
* usage reports answer ``302`` to a one-time download URL that refuses a request carrying an
  ``Authorization`` header; report data ends ``report_lag_days`` before the clock (activity after
  the refresh date is not in the report yet); concealed names hash every user name in reports;
* a permission the app lacks (``denied``) answers 403 ``Authorization_RequestDenied``.

Used by the tests and the sandbox.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import itertools
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from stacktrack.paging import parse_time
from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response

_TOKEN = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
_MEMBERS = re.compile(r"^/v1\.0/groups/([^/]+)/transitiveMembers$")
_ASSIGNED = re.compile(r"^/v1\.0/servicePrincipals/([^/]+)/appRoleAssignedTo$")
_REPORT = re.compile(r"^/v1\.0/(?:copilot/)?reports/(\w+)\(period='D(\d+)'\)$")
_DOWNLOAD = re.compile(r"^/_reports/download/([\w-]+)\.csv$")
_CREATED = re.compile(r"createdDateTime\s+(ge|le|gt|lt)\s+(\S+)")

OFFICE_COLUMNS = [
    "Report Refresh Date",
    "User Principal Name",
    "Display Name",
    "Is Deleted",
    "Deleted Date",
    "Has Exchange License",
    "Has OneDrive License",
    "Has SharePoint License",
    "Has Skype For Business License",
    "Has Yammer License",
    "Has Teams License",
    "Exchange Last Activity Date",
    "OneDrive Last Activity Date",
    "SharePoint Last Activity Date",
    "Skype For Business Last Activity Date",
    "Yammer Last Activity Date",
    "Teams Last Activity Date",
    "Exchange License Assign Date",
    "OneDrive License Assign Date",
    "SharePoint License Assign Date",
    "Skype For Business License Assign Date",
    "Yammer License Assign Date",
    "Teams License Assign Date",
    "Assigned Products",
]
TEAMS_COLUMNS = [
    "Report Refresh Date",
    "User Id",
    "User Principal Name",
    "Last Activity Date",
    "Is Deleted",
    "Deleted Date",
    "Assigned Products",
    "Team Chat Message Count",
    "Private Chat Message Count",
    "Call Count",
    "Meeting Count",
    "Meetings Organized Count",
    "Meetings Attended Count",
    "Has Other Action",
    "Is Licensed",
    "Report Period",
]
COPILOT_DATES = [
    "lastActivityDate",
    "copilotChatLastActivityDate",
    "microsoftTeamsCopilotLastActivityDate",
    "wordCopilotLastActivityDate",
    "excelCopilotLastActivityDate",
    "powerPointCopilotLastActivityDate",
    "outlookCopilotLastActivityDate",
    "oneNoteCopilotLastActivityDate",
    "loopCopilotLastActivityDate",
]
REPORTS = {
    "getOffice365ActiveUserDetail": "office365_active_users",
    "getTeamsUserActivityUserDetail": "teams_activity",
    "getMicrosoft365CopilotUsageUserDetail": "copilot_usage",
}
PERIODS = {"getMicrosoft365CopilotUsageUserDetail": {7, 30, 90, 180}}
DEFAULT_PERIODS = {7, 30, 90, 180}


@dataclass
class MicrosoftGraphData:
    """One Entra ID tenant with Microsoft 365, as Graph returns it."""

    now: dt.datetime
    """The tenant's clock: sign-in retention and report refresh dates are measured from it."""
    tenant_id: str = "00000000-0000-4000-8000-00000000c0de"
    tenant_domain: str = "contoso.onmicrosoft.com"
    client_id: str = "11111111-2222-4333-8444-555555555555"
    premium: bool = True
    """Entra ID P1/P2: ``signInActivity`` and sign-in logs (30 days) are available."""
    concealed_names: bool = False
    """``admin/reportSettings`` ``displayConcealedNames``: reports hash user names."""
    report_lag_days: int = 2
    denied: set[str] = field(default_factory=set)
    """Paths (``/v1.0/...`` prefixes) the app has no permission for: 403 Authorization_RequestDenied."""
    skus: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    """``users`` items with every property, ``signInActivity`` included (served only when selected)."""
    service_principals: list[dict[str, Any]] = field(default_factory=list)
    app_role_assignments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Service principal id -> ``appRoleAssignedTo`` items."""
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Group id -> ``transitiveMembers`` items (directory objects with ``@odata.type``)."""
    sign_ins: list[dict[str, Any]] = field(default_factory=list)
    grants: list[dict[str, Any]] = field(default_factory=list)
    office365_active_users: list[dict[str, Any]] = field(default_factory=list)
    """Rows of ``getOffice365ActiveUserDetail`` keyed by CSV column (dates as ``YYYY-MM-DD``)."""
    teams_activity: list[dict[str, Any]] = field(default_factory=list)
    """Rows of ``getTeamsUserActivityUserDetail`` keyed by CSV column."""
    copilot_usage: list[dict[str, Any]] = field(default_factory=list)
    """Rows of ``getMicrosoft365CopilotUsageUserDetail`` (JSON field names)."""


class MicrosoftGraphEmulator(Emulator[MicrosoftGraphData]):
    vendor = "microsoft_graph"
    identity_provider = True
    data: MicrosoftGraphData

    # -- the sandbox world -------------------------------------------------------------------

    @classmethod
    def world_data(cls, view: WorldView) -> MicrosoftGraphData:
        from .world import world_data  # the world builder imports this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOLS

        return TOOLS

    @classmethod
    def world_settings(cls, *, base_url: str, secret_env: str) -> dict[str, Any]:
        """Client credentials: the sandbox secret is the app's client secret; the emulator serves
        the token endpoint too, so ``authority_url`` points at it."""
        from .world import CLIENT_ID, TENANT_DOMAIN

        return {
            "tenant": TENANT_DOMAIN,
            "client_id": CLIENT_ID,
            "client_secret": {"env": secret_env},
            "authority_url": base_url,
        }

    token_lifetime = 3599
    download_host = "https://reports.office.test"
    """Where in-process report downloads point: another host than Graph's, as in the real service."""

    def __init__(self, data: MicrosoftGraphData, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self._issued: dict[str, float] = {}
        self._downloads: dict[str, tuple[str, int]] = {}
        self._counter = itertools.count(1)
        self._state = threading.Lock()
        self.tokens_issued = 0
        self.download_requests: list[tuple[str, str | None]] = []
        """(host, Authorization header or None) of every report download, for tests."""

    # -- auth ------------------------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        path = self.path(request)
        if _TOKEN.match(path) or _DOWNLOAD.match(path):
            return True  # checked in their own routes: form credentials, a pre-signed URL
        header = request.headers.get("authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        with self._state:
            expires = self._issued.get(token)
        return expires is not None and time.monotonic() < expires

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _graph_error(
            401,
            "InvalidAuthenticationToken",
            "Access token is empty."
            if "authorization" not in request.headers
            else "Lifetime validation failed, the token is expired.",
            headers={"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
        )

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        return _graph_error(
            429,
            "TooManyRequests",
            "Too many requests.",
            headers={"Retry-After": str(max(1, round(wait)))},
        )

    def expire_tokens(self) -> None:
        """Forget every issued token (as if they lapsed): the next Graph call answers 401."""
        with self._state:
            self._issued.clear()

    # -- routing ---------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        path = self.path(request)
        match = _TOKEN.match(path)
        if match:
            return self._token(request, match.group(1))
        match = _DOWNLOAD.match(path)
        if match:
            return self._download(request, match.group(1))
        if request.method != "GET":
            return _graph_error(405, "Request_BadRequest", "Method not allowed.")
        for prefix in self.data.denied:
            if path.startswith(prefix):
                return _graph_error(
                    403,
                    "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.",
                )
        params = request.url.params
        if path == "/v1.0/subscribedSkus":
            return self._page(request, self.data.skus, 999)
        if path == "/v1.0/users":
            return self._users(request)
        if path == "/v1.0/servicePrincipals":
            return self._page(request, self.data.service_principals, 999)
        match = _ASSIGNED.match(path)
        if match:
            if not any(sp.get("id") == match.group(1) for sp in self.data.service_principals):
                return _graph_error(
                    404, "Request_ResourceNotFound", f"Resource '{match.group(1)}' does not exist."
                )
            return self._page(request, self.data.app_role_assignments.get(match.group(1), []), 999)
        match = _MEMBERS.match(path)
        if match:
            if match.group(1) not in self.data.groups:
                return _graph_error(
                    404, "Request_ResourceNotFound", f"Resource '{match.group(1)}' does not exist."
                )
            return self._page(request, self.data.groups[match.group(1)], 999)
        if path == "/v1.0/auditLogs/signIns":
            return self._sign_ins(request)
        if path == "/v1.0/oauth2PermissionGrants":
            return self._page(request, self.data.grants, 999)
        if path == "/v1.0/admin/reportSettings":
            return json_response(
                {
                    "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#admin/reportSettings/$entity",
                    "id": "reportSettings",
                    "displayConcealedNames": self.data.concealed_names,
                }
            )
        match = _REPORT.match(path)
        if match:
            return self._report(request, match.group(1), int(match.group(2)), params)
        return _graph_error(
            400, "BadRequest", f"Resource not found for the segment '{path.rsplit('/', 1)[-1]}'."
        )

    def _token(self, request: httpx.Request, tenant: str) -> httpx.Response:
        if request.method != "POST":
            return _token_error(
                405, "invalid_request", "AADSTS900561: The endpoint only accepts POST requests."
            )
        form = {key: values[-1] for key, values in parse_qs(request.content.decode()).items()}
        if tenant not in (self.data.tenant_id, self.data.tenant_domain):
            return _token_error(400, "invalid_tenant", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return _token_error(
                400,
                "unsupported_grant_type",
                "AADSTS70003: The app requested an unsupported grant type.",
            )
        if not (form.get("scope") or "").endswith("/.default"):
            return _token_error(
                400,
                "invalid_scope",
                "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
            )
        if form.get("client_id") != self.data.client_id:
            return _token_error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found "
                f"in the directory '{tenant}'.",
            )
        if form.get("client_secret") != self.token:
            return _token_error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                "request is the client secret value, not the client secret ID.",
            )
        token = f"eyJ0eXAiOiJKV1Qi.emulated.{uuid.uuid4().hex}"
        with self._state:
            self._issued[token] = time.monotonic() + self.token_lifetime
            self.tokens_issued += 1
        return json_response(
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            }
        )

    def _users(self, request: httpx.Request) -> httpx.Response:
        select = {
            part.strip()
            for part in (request.url.params.get("$select") or "").split(",")
            if part.strip()
        }
        if "signInActivity" in select and not self.data.premium:
            return _graph_error(
                403,
                "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                "Neither tenant is B2C or tenant doesn't have premium license",
            )
        if "signInActivity" in select and any(
            p in self.data.denied for p in ("/v1.0/auditLogs", "signInActivity")
        ):
            return _graph_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        users = []
        for user in self.data.users:
            if select:
                user = {key: value for key, value in user.items() if key in select}
            elif "signInActivity" in user:
                user = {key: value for key, value in user.items() if key != "signInActivity"}
            users.append(user)
        return self._page(request, users, 999)

    def _sign_ins(self, request: httpx.Request) -> httpx.Response:
        if not self.data.premium:
            return _graph_error(
                403,
                "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                "Neither tenant is B2C or tenant doesn't have premium license",
            )
        kept_since = self.data.now - dt.timedelta(days=30 if self.data.premium else 7)
        bounds = []
        for op, value in _CREATED.findall(request.url.params.get("$filter") or ""):
            try:
                when = parse_time(value)
            except ValueError:
                return _graph_error(400, "BadRequest", f"Invalid filter clause: {value}")
            bounds.append((op, when))
        items = []
        for item in self.data.sign_ins:
            when = parse_time(item.get("createdDateTime"))
            if when is None or when < kept_since or when > self.data.now:
                continue
            if all(_compare(when, op, bound) for op, bound in bounds if bound is not None):
                items.append(item)
        items.sort(key=lambda item: item["createdDateTime"], reverse=True)  # newest first
        return self._page(request, items, 1000)

    # -- reports ---------------------------------------------------------------------------

    def _report(
        self, request: httpx.Request, name: str, days: int, params: httpx.QueryParams
    ) -> httpx.Response:
        kind = REPORTS.get(name)
        if kind is None:
            return _graph_error(400, "BadRequest", f"Resource not found for the segment '{name}'.")
        if days not in PERIODS.get(name, DEFAULT_PERIODS):
            return _graph_error(400, "BadRequest", f"Invalid period 'D{days}'.")
        if "/v1.0/reports" in self.data.denied:
            return _graph_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        rows = self._report_rows(kind)
        if kind == "copilot_usage":
            if (params.get("$format") or "") != "application/json":
                return _graph_error(400, "BadRequest", "Only $format=application/json is emulated.")
            for row in rows:
                row["copilotActivityUserDetailsByPeriod"] = [{"reportPeriod": days}]
            return self._page(
                request,
                rows,
                1000,
                context="https://graph.microsoft.com/v1.0/$metadata#Collection(microsoft.graph.copilotUsageUserDetail)",
            )
        columns = OFFICE_COLUMNS if kind == "office365_active_users" else TEAMS_COLUMNS
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n"
        )
        writer.writeheader()
        for row in rows:
            if kind == "teams_activity":
                row.setdefault("Report Period", str(days))
            writer.writerow(row)
        key = uuid.uuid4().hex
        with self._state:
            self._downloads[key] = ("\ufeff" + buffer.getvalue(), 0)
        if self.prefix:
            # Mounted in the loopback server: the download must come back to this server.
            location = self.url_for(request, f"/_reports/download/{key}.csv")
        else:
            location = f"{self.download_host}/_reports/download/{key}.csv"
        return httpx.Response(302, headers={"Location": location, "Content-Length": "0"})

    def _report_rows(self, kind: str) -> list[dict[str, Any]]:
        refresh = (self.data.now - dt.timedelta(days=self.data.report_lag_days)).date()
        rows = []
        for source in getattr(self.data, kind):
            row = dict(source)
            for key, value in row.items():
                if ("Date" in key and key != "Report Refresh Date") or key in COPILOT_DATES:
                    when = parse_time(value) if value else None
                    if when is not None and when.date() > refresh:
                        row[key] = ""  # not in the report yet: the data ends at the refresh date
            refresh_key = "reportRefreshDate" if kind == "copilot_usage" else "Report Refresh Date"
            row[refresh_key] = refresh.isoformat()
            if self.data.concealed_names:
                upn_key = "userPrincipalName" if kind == "copilot_usage" else "User Principal Name"
                name_key = "displayName" if kind == "copilot_usage" else "Display Name"
                hashed = hashlib.md5(str(row.get(upn_key, "")).encode()).hexdigest().upper()
                row[upn_key] = hashed
                if name_key in row:
                    row[name_key] = hashed
            rows.append(row)
        return rows

    def _download(self, request: httpx.Request, key: str) -> httpx.Response:
        self.download_requests.append((request.url.host, request.headers.get("authorization")))
        if "authorization" in request.headers:
            # A pre-authenticated URL takes no second credential (and must never see the token).
            return httpx.Response(
                403, content=b"AuthenticationFailed: the request carried an Authorization header"
            )
        with self._state:
            found = self._downloads.pop(key, None)  # one use: the URL is short-lived
        if found is None:
            return httpx.Response(404, content=b"BlobNotFound: the download link has expired")
        return httpx.Response(
            200,
            content=found[0].encode("utf-8"),
            headers={"Content-Type": "application/octet-stream"},
        )

    # -- paging ----------------------------------------------------------------------------

    def _page(
        self,
        request: httpx.Request,
        items: list[dict[str, Any]],
        max_top: int,
        *,
        context: str | None = None,
    ) -> httpx.Response:
        params = request.url.params
        try:
            top = int(params.get("$top", max_top))
        except ValueError:
            return _graph_error(400, "BadRequest", "Invalid value for $top.")
        if top < 1 or top > max_top:
            return _graph_error(
                400,
                "Request_UnsupportedQuery",
                f"Invalid page size specified: '{top}'. Must be between 1 and {max_top} inclusive.",
            )
        token = params.get("$skiptoken")
        offset = _decode(token) if token else 0
        if offset is None:
            return _graph_error(
                400,
                "Directory_ExpiredPageToken",
                "The specified page token value has expired and can no longer be included in your request.",
            )
        size = min(top, self.page_size)
        chunk = items[offset : offset + size]
        body: dict[str, Any] = {
            "@odata.context": context
            or f"https://graph.microsoft.com/v1.0/$metadata#{self.path(request).rsplit('/', 1)[-1]}",
            "value": chunk,
        }
        following = offset + size
        next_token = _encode(following) if following < len(items) else None
        if self.repeat_cursor and token:
            next_token = token  # the fault: the link just followed comes back
        if next_token:
            query = [(k, v) for k, v in params.multi_items() if k != "$skiptoken"]
            query.append(("$skiptoken", next_token))
            body["@odata.nextLink"] = (
                self.url_for(request, self.path(request)) + "?" + urlencode(query)
            )
        return json_response(body)


def _compare(when: dt.datetime, op: str, bound: dt.datetime) -> bool:
    return {
        "ge": when >= bound,
        "gt": when > bound,
        "le": when <= bound,
        "lt": when < bound,
    }[op]


def _graph_error(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    request_id = str(uuid.uuid4())
    return json_response(
        {
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": now,
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        },
        status=status,
        headers=headers,
    )


def _token_error(status: int, error: str, description: str) -> httpx.Response:
    trace = str(uuid.uuid4())
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    return json_response(
        {
            "error": error,
            "error_description": f"{description}\r\nTrace ID: {trace}\r\nCorrelation ID: {trace}\r\nTimestamp: {stamp}",
            "error_codes": [int(re.sub(r"\D", "", description.split(":")[0]) or 0)],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": trace,
        },
        status=status,
    )


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"graph:{offset}".encode()).decode().rstrip("=")


def _decode(token: str) -> int | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        prefix, _, number = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return int(number) if prefix == "graph" and int(number) >= 0 else None
    except (ValueError, UnicodeDecodeError):
        return None
