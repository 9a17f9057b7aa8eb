"""An emulator of the Salesforce REST endpoints the ``salesforce`` plugin uses.

* ``POST /services/oauth2/token``: the client-credentials flow (form-encoded), issuing
  ``self.token``;
* ``GET /services/data/vNN.N/query?q=<SOQL>`` and ``GET
  /services/data/vNN.N/query/<locator>-<offset>``: query batches of ``self.page_size`` records with
  ``done`` / ``nextRecordsUrl``.

It is a fake, not a SOQL engine: it reads the ``FROM`` object, projects the selected top-level
fields and honours simple ``WHERE`` conditions joined by ``AND`` (``=``, ``!=``, ``IN``, ``NOT IN``
on dotted field paths, with string, boolean, null and number literals; strings compare
case-insensitively as in SOQL), one ``ORDER BY`` field (``ASC``/``DESC``) and ``LIMIT``. Anything
else answers Salesforce's ``MALFORMED_QUERY``. Edition and permission refusals: an org without API
access answers 403 ``API_DISABLED_FOR_ORG`` to every query; an object the edition lacks answers 400
``INVALID_TYPE``; one the user may not read 403 ``INSUFFICIENT_ACCESS``. Used by the
plugin tests, the conformance suite and the sandbox server (mounted under ``self.prefix``).
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx

from stacktrack.testing import Emulator, ToolSpec, WorldView, json_response, page_slice

TOKEN_PATH = "/services/oauth2/token"
MAX_CURSORS = 1000
"""Open query cursors kept; a long sandbox session must not grow without bound."""


@dataclass
class SalesforceData:
    """Records as the query API returns them: ``attributes``, fields, nested relationships."""

    user_licenses: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    oauth_tokens: list[dict[str, Any]] = field(default_factory=list)
    permission_set_licenses: list[dict[str, Any]] = field(default_factory=list)
    permission_set_license_assigns: list[dict[str, Any]] = field(default_factory=list)
    perm_set_license_metrics: list[dict[str, Any]] = field(default_factory=list)
    """``ActivePermSetLicenseMetric`` rows: one per licence per day (``MetricsDate``)."""
    feature_license_metrics: list[dict[str, Any]] = field(default_factory=list)
    """``ActiveFeatureLicenseMetric`` rows: one per ``FeatureType`` per day."""
    package_licenses: list[dict[str, Any]] = field(default_factory=list)
    user_package_licenses: list[dict[str, Any]] = field(default_factory=list)
    api_enabled: bool = True
    """False: the edition has no API (Professional without the add-on): every query answers 403
    ``API_DISABLED_FOR_ORG``."""
    hidden_objects: frozenset[str] = frozenset()
    """Objects (lower case) this org does not expose: ``INVALID_TYPE``, as for an older edition."""
    denied_objects: frozenset[str] = frozenset()
    """Objects (lower case) the integration user may not read: 403 ``INSUFFICIENT_ACCESS``."""

    def objects(self) -> dict[str, list[dict[str, Any]]]:
        return {
            "userlicense": self.user_licenses,
            "user": self.users,
            "oauthtoken": self.oauth_tokens,
            "permissionsetlicense": self.permission_set_licenses,
            "permissionsetlicenseassign": self.permission_set_license_assigns,
            "activepermsetlicensemetric": self.perm_set_license_metrics,
            "activefeaturelicensemetric": self.feature_license_metrics,
            "packagelicense": self.package_licenses,
            "userpackagelicense": self.user_package_licenses,
        }


def _error(status: int, code: str, message: str) -> httpx.Response:
    # Salesforce REST errors are a JSON list of {message, errorCode}.
    return json_response([{"message": message, "errorCode": code}], status=status)


_QUERY_PATH = re.compile(r"^/services/data/(?P<version>v\d+\.\d+)/query/?$")
_MORE_PATH = re.compile(
    r"^/services/data/(?P<version>v\d+\.\d+)/query/(?P<locator>[\w]+)-(?P<offset>\d+)$"
)
_SOQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>[\w.]+)(?:\s+(?P<direction>ASC|DESC))?)?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_STRING = r"'(?:[^'\\]|\\.)*'"
_LITERAL = rf"{_STRING}|true|false|null|-?\d+(?:\.\d+)?"
_CONDITION = re.compile(
    rf"\s*(?P<field>[\w.]+)\s*(?P<op>!=|=|NOT\s+IN|IN)\s*"
    rf"(?P<value>{_LITERAL}|\(\s*(?:{_LITERAL})(?:\s*,\s*(?:{_LITERAL}))*\s*\))\s*",
    re.IGNORECASE,
)
_AND = re.compile(r"AND\s", re.IGNORECASE)


class SoqlError(ValueError):
    pass


def _literal(text: str) -> Any:
    text = text.strip()
    if text.startswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    return float(text) if "." in text else int(text)


def _values(text: str) -> list[Any]:
    inner = text.strip()[1:-1]
    return [_literal(match.group(0)) for match in re.finditer(_LITERAL, inner, re.IGNORECASE)]


def _lookup(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = next((item for key, item in value.items() if key.lower() == part.lower()), None)
    return value


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, bool) or isinstance(right, bool):
        return left is right
    return bool(left == right)


def parse_where(where: str | None) -> list[tuple[str, str, Any]]:
    """``[(field path, operator, value)]`` for ``a = 1 AND b IN ('x')``; raises ``SoqlError``."""
    if not where:
        return []
    conditions = []
    position = 0
    while True:
        match = _CONDITION.match(where, position)
        if match is None:
            raise SoqlError(f"unexpected token near {where[position : position + 20]!r}")
        op = " ".join(match.group("op").upper().split())
        raw = match.group("value")
        value = _values(raw) if raw.startswith("(") else _literal(raw)
        conditions.append((match.group("field"), op, value))
        position = match.end()
        if position >= len(where):
            return conditions
        joiner = _AND.match(where, position)
        if joiner is None:
            raise SoqlError(f"only AND is supported, near {where[position : position + 20]!r}")
        position = joiner.end()


def _matches(record: dict[str, Any], conditions: list[tuple[str, str, Any]]) -> bool:
    for path, op, expected in conditions:
        actual = _lookup(record, path)
        if op == "=":
            ok = _same(actual, expected)
        elif op == "!=":
            ok = not _same(actual, expected)
        elif op == "IN":
            ok = any(_same(actual, item) for item in expected)
        else:  # NOT IN
            ok = not any(_same(actual, item) for item in expected)
        if not ok:
            return False
    return True


class SalesforceEmulator(Emulator[SalesforceData]):
    vendor: ClassVar[str] = "salesforce"

    @classmethod
    def world_data(cls, view: WorldView) -> SalesforceData:
        from .world import world_data  # the world builders import this module's data class

        return world_data(view)

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        from .world import TOOL

        return (TOOL,)

    def __init__(
        self,
        data: SalesforceData,
        *,
        client_id: str = "test-client-id",
        client_secret: str = "test-client-secret",
        api_limit: int = 15000,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.data: SalesforceData = data
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_limit = api_limit
        """Shown in ``Sforce-Limit-Info`` (``api-usage=<requests>/<limit>``)."""
        self.token_requests = 0
        self.queries: list[str] = []
        """Every SOQL statement received, for tests."""
        self._results: dict[str, list[dict[str, Any]]] = {}
        self._locators = 0

    # -- auth ------------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and self.path(request) == TOKEN_PATH:
            # The token endpoint takes no Bearer token and does not count against the API limit.
            with self._lock:
                self.requests += 1
                self.log.append((request.method, str(request.url.raw_path, "ascii")))
            return self._token(request)
        return super().handle(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.token_requests += 1
        form = urllib.parse.parse_qs(request.content.decode("utf-8", "replace"))
        first = {key: values[0] for key, values in form.items()}
        # OAuth 2.0 error shape (RFC 6749 §5.2); the evidence does not show Salesforce's exact body.
        if first.get("grant_type") != "client_credentials":
            return json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
                status=400,
            )
        if (
            first.get("client_id") != self.client_id
            or first.get("client_secret") != self.client_secret
        ):
            return json_response(
                {"error": "invalid_client", "error_description": "invalid client credentials"},
                status=400,
            )
        instance = self.url_for(request, "")
        return json_response(
            {
                "access_token": self.token,
                "instance_url": instance,
                "id": f"{instance}/id/00Dxx0000000001AAA/005xx0000000001AAA",
                "token_type": "Bearer",
                "issued_at": str(int(time.time() * 1000)),
                "signature": "c3RhY2t0cmFjaw==",
            }
        )

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return _error(401, "INVALID_SESSION_ID", "Session expired or invalid")

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        return _error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")

    # -- query -----------------------------------------------------------------------------------

    def route(self, request: httpx.Request) -> httpx.Response:
        path = self.path(request)
        query, more = _QUERY_PATH.match(path), _MORE_PATH.match(path)
        if query is None and more is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        if request.method != "GET":
            return _error(
                405,
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed. Allowed are GET,HEAD",
            )
        if more is not None:
            response = self._more(
                request, more.group("version"), more.group("locator"), int(more.group("offset"))
            )
        else:
            assert query is not None
            response = self._query(request, query.group("version"), request.url.params.get("q", ""))
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.requests}/{self.api_limit}"
        return response

    def _query(self, request: httpx.Request, version: str, soql: str) -> httpx.Response:
        with self._lock:
            self.queries.append(soql)
        parsed = _SOQL.match(soql)
        if parsed is None:
            return _error(400, "MALFORMED_QUERY", "unexpected token in the query")
        if not self.data.api_enabled:
            return _error(
                403, "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization."
            )
        name = parsed.group("object").lower()
        table = None if name in self.data.hidden_objects else self.data.objects().get(name)
        if name in self.data.denied_objects:
            return _error(
                403,
                "INSUFFICIENT_ACCESS",
                f"insufficient access rights on object {parsed.group('object')}",
            )
        if table is None:
            return _error(
                400, "INVALID_TYPE", f"sObject type '{parsed.group('object')}' is not supported."
            )
        try:
            conditions = parse_where(parsed.group("where"))
        except SoqlError as exc:
            return _error(400, "MALFORMED_QUERY", str(exc))
        fields = [name.strip() for name in parsed.group("fields").split(",") if name.strip()]
        matched = [record for record in table if _matches(record, conditions)]
        if parsed.group("order"):
            # SOQL sorts nulls first ascending and last descending; ISO dates sort as text.
            order, descending = (
                parsed.group("order"),
                (parsed.group("direction") or "").upper() == "DESC",
            )
            present = [r for r in matched if _lookup(r, order) is not None]
            absent = [r for r in matched if _lookup(r, order) is None]
            present.sort(key=lambda r: _lookup(r, order), reverse=descending)
            matched = present + absent if descending else absent + present
        rows = [_project(record, fields) for record in matched]
        if parsed.group("limit"):
            rows = rows[: int(parsed.group("limit"))]
        with self._lock:
            self._locators += 1
            locator = f"01gxx{self._locators:010d}AAA"
            self._results[locator] = rows
            while len(self._results) > MAX_CURSORS:  # like Salesforce, expire the oldest cursors
                del self._results[next(iter(self._results))]
        return self._page(request, version, locator, 0, given=None)

    def _more(
        self, request: httpx.Request, version: str, locator: str, offset: int
    ) -> httpx.Response:
        if locator not in self._results:
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return self._page(request, version, locator, offset, given=request.url.path)

    def _page(
        self, request: httpx.Request, version: str, locator: str, offset: int, given: str | None
    ) -> httpx.Response:
        rows = self._results[locator]
        chunk, following = page_slice(rows, offset, self.page_size)
        body: dict[str, Any] = {"totalSize": len(rows), "done": following is None, "records": chunk}
        if following is not None:
            body["nextRecordsUrl"] = (
                f"{self.prefix}/services/data/{version}/query/{locator}-{following}"
            )
        if self.repeat_cursor and given is not None:
            body["done"] = False
            body["nextRecordsUrl"] = given  # the fault: hand back the very locator we were given
        return json_response(body)


def _project(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The record as a query selecting ``fields`` returns it: attributes plus those keys."""
    row: dict[str, Any] = {"attributes": record.get("attributes", {})}
    for name in fields:
        top = name.split(".")[0]
        key = next((key for key in record if key.lower() == top.lower()), top)
        row[key] = record.get(key)
    return row
