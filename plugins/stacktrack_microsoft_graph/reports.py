"""Microsoft 365 usage reports: ask Graph, follow its 302 without credentials, read CSV or JSON.

A report call (``/v1.0/reports/getOffice365ActiveUserDetail(period='D30')``) answers ``302 Found``
with a pre-authenticated download URL on another host, valid for minutes. The download must not
carry our ``Authorization`` header: the bearer token is for Graph alone, and a storage host that
authenticates by the URL rejects a request that brings a second credential. So the redirect is
followed here, by hand, with the client's auth switched off for that one request. The JSON form of
the Copilot report may also answer 200 directly; both shapes are read.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx

from stacktrack.plugin_api import (
    AuthenticationError,
    BadResponse,
    PluginError,
    RateLimitExhausted,
    json_or_none,
)

REDIRECTS = frozenset({301, 302, 303, 307, 308})


MAX_PAGES = 10_000


async def fetch_report(
    client: httpx.AsyncClient, url: str, *, source: str, what: str
) -> list[dict[str, Any]]:
    """The report's rows: CSV rows keyed by column header, or the JSON ``value`` items of every
    page (JSON reports page with ``@odata.nextLink``; a repeated link is a loop)."""
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    following: str | None = url
    for _ in range(MAX_PAGES):
        if following is None:
            return rows
        page, following = await _page(client, following, source=source, what=what)
        rows.extend(page)
        if following is not None:
            if following in seen:
                raise BadResponse(source, f"pagination loop: {what} repeated a next link")
            seen.add(following)
    raise BadResponse(source, f"{what} returned more than {MAX_PAGES} pages")


async def _page(
    client: httpx.AsyncClient, url: str, *, source: str, what: str
) -> tuple[list[dict[str, Any]], str | None]:
    response = await _send(client, url, source=source, what=what, auth=True)
    if response.status_code in REDIRECTS:
        location = response.headers.get("location")
        if not location:
            raise BadResponse(source, f"{what} answered a redirect without a Location")
        target = response.request.url.join(location)
        response = await _send(client, str(target), source=source, what=f"{what} download")
        if response.status_code in REDIRECTS:
            raise BadResponse(source, f"{what} download redirected again")
    if not 200 <= response.status_code < 300:
        raise _error(response, source=source, what=what)
    return parse_rows(response, source=source, what=what)


def parse_rows(
    response: httpx.Response, *, source: str, what: str
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of one report answer and, for paged JSON, the next page's link."""
    content = response.content
    kind = response.headers.get("content-type", "").lower()
    text_start = content.lstrip(b"\xef\xbb\xbf \r\n\t")[:1]
    if "json" in kind or text_start in (b"{", b"["):
        try:
            body = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            raise BadResponse(source, f"{what} is not valid JSON") from None
        rows = body.get("value") if isinstance(body, dict) else body
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise BadResponse(source, f"{what} returned an unexpected shape (at value)")
        following = body.get("@odata.nextLink") if isinstance(body, dict) else None
        return rows, following if isinstance(following, str) and following else None
    try:
        text = content.decode("utf-8-sig")  # Graph's CSV files start with a byte-order mark
    except UnicodeDecodeError:
        raise BadResponse(source, f"{what} is not UTF-8 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        return [], None
    return [
        {key.strip(): (value or "").strip() for key, value in row.items() if key is not None}
        for row in reader
    ], None


async def _send(
    client: httpx.AsyncClient, url: str, *, source: str, what: str, auth: bool = False
) -> httpx.Response:
    where = httpx.URL(url).path
    try:
        if auth:
            return await client.get(url)
        # ``auth=None`` switches the client's auth off for this request: no Authorization header.
        return await client.get(url, auth=None)
    except httpx.TimeoutException:
        raise PluginError(source, f"timed out waiting for {what} ({where})") from None
    except httpx.TransportError as exc:
        raise PluginError(
            source, f"network error reading {what} ({where}): {type(exc).__name__}"
        ) from None


def _error(response: httpx.Response, *, source: str, what: str) -> PluginError:
    status = response.status_code
    body = json_or_none(response)
    message = f"{what} answered HTTP {status}"
    if status == 401:
        return AuthenticationError(source, message, status_code=status, body=body)
    if status == 403:
        return AuthenticationError(source, message, status_code=status, body=body)
    if status == 429:
        return RateLimitExhausted(
            source, f"still rate-limited by {what}", status_code=status, body=body
        )
    return PluginError(source, message, status_code=status, body=body)
