"""Response parsing and paginators for plugins (re-exported by ``stacktrack.plugin_api``).

Retries and rate-limit waits happen below this layer, in the client's transport (``http.py``): by the
time a response reaches these helpers, a 429 or 5xx means the retries were exhausted. These helpers
turn what is left into typed plugin errors and walk the vendors' real pagination mechanisms, each
guarded against a token that repeats (a vendor bug or an emulator fault would otherwise loop forever).

Every link a paginator follows must have the origin (scheme, host, port) of the request that returned
it: the client attaches the source's credentials to every request, so a ``Link`` header or a
``nextRecordsUrl`` pointing elsewhere would hand the token to that host (docs/security.md).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted

MAX_PAGES = 100_000
"""A hard stop for any paginator; no vendor we know needs more pages for one listing."""


async def request_json(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    source: str,
    params: Mapping[str, Any] | None = None,
    json_body: Any = None,
    data: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    parse: Callable[[bytes], Any] | None = None,
) -> tuple[httpx.Response, Any]:
    """Send one request and return ``(response, parsed JSON)``; raise a typed error otherwise.

    ``parse`` replaces ``json.loads`` for a 2xx body: a pydantic ``TypeAdapter(...).validate_json``
    parses and validates in one pass, skipping the fields the plugin ignores (the big listings'
    hot path). Its ``ValidationError`` becomes ``BadResponse`` naming where the shape was wrong.

    401/403 -> ``AuthenticationError``; 429 -> ``RateLimitExhausted``; other non-2xx -> ``PluginError``;
    invalid JSON -> ``BadResponse``. Each error carries ``status_code`` and the parsed ``body`` so a
    plugin can recognise a vendor's own code (Salesforce ``REQUEST_LIMIT_EXCEEDED``, say).
    """
    try:
        response = await client.request(
            method, url, params=params, json=json_body, data=data, headers=headers
        )
    except httpx.TimeoutException:
        raise PluginError(source, f"timed out waiting for {_where(url)}") from None
    except httpx.TransportError as exc:
        raise PluginError(
            source, f"network error talking to {_where(url)}: {type(exc).__name__}"
        ) from None
    status = response.status_code
    if parse is not None and 200 <= status < 300:
        return response, _parse_with(parse, response, source, url)
    body = _parse(response, source)
    if 200 <= status < 300:
        if body is _INVALID:
            raise BadResponse(
                source, f"{_where(url)} answered {status} with a body that is not valid JSON"
            )
        return response, body
    error_body = None if body is _INVALID else body
    if status == 401:
        raise AuthenticationError(
            source,
            "the credentials were rejected (HTTP 401): check the token",
            status_code=status,
            body=error_body,
        )
    if status == 403:
        raise AuthenticationError(
            source,
            f"access to {_where(url)} was refused (HTTP 403): the token lacks a scope or permission",
            status_code=status,
            body=error_body,
        )
    if status == 429:
        raise RateLimitExhausted(
            source,
            f"still rate-limited by {_where(url)} after retrying",
            status_code=status,
            body=error_body,
        )
    raise PluginError(
        source, f"{_where(url)} answered HTTP {status}", status_code=status, body=error_body
    )


async def get_json(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    params: Mapping[str, Any] | None = None,
    parse: Callable[[bytes], Any] | None = None,
) -> Any:
    """``GET`` and return the parsed JSON body (see ``request_json`` for errors and ``parse``)."""
    _, body = await request_json(client, "GET", url, source=source, params=params, parse=parse)
    return body


async def paginate_link_header(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    params: Mapping[str, Any] | None = None,
    parse: Callable[[bytes], Any] | None = None,
) -> AsyncIterator[Any]:
    """Yield each page's JSON following RFC 8288 ``Link: <...>; rel="next"`` (Okta, GitHub style).

    ``parse``: see ``request_json``."""
    seen: set[str] = set()
    next_url: str | None = url
    next_params = params
    for _ in range(MAX_PAGES):
        if next_url is None:
            return
        response, body = await request_json(
            client, "GET", next_url, source=source, params=next_params, parse=parse
        )
        yield body
        link = response.links.get("next", {}).get("url")
        if link is None:
            return
        if link in seen:
            raise BadResponse(source, f"pagination loop: {_where(url)} repeated a next link")
        seen.add(link)
        _require_same_origin(response, link, source=source, url=url)
        next_url, next_params = link, None  # the link carries its own query
    raise BadResponse(source, f"{_where(url)} returned more than {MAX_PAGES} pages")


async def paginate_body_cursor(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    cursor_param: str,
    next_cursor: Callable[[Any], str | None],
    params: Mapping[str, Any] | None = None,
    parse: Callable[[bytes], Any] | None = None,
) -> AsyncIterator[Any]:
    """Yield pages while ``next_cursor(body)`` gives a token, sent back as ``cursor_param``.

    Covers Slack ``response_metadata.next_cursor``, HubSpot ``paging.next.after``, Google
    ``nextPageToken``, Segment ``pagination.next``. An empty-string cursor ends the listing.
    ``parse``: see ``request_json`` (``next_cursor`` then reads what it returns).
    """
    seen: set[str] = set()
    query = dict(params or {})
    for _ in range(MAX_PAGES):
        body = await get_json(client, url, source=source, params=query, parse=parse)
        yield body
        try:
            cursor = next_cursor(body)
        except (KeyError, TypeError, AttributeError):
            raise BadResponse(
                source, f"{_where(url)} returned a page without the expected cursor field"
            ) from None
        if not cursor:
            return
        if cursor in seen:
            raise BadResponse(source, f"pagination loop: {_where(url)} repeated cursor")
        seen.add(cursor)
        query[cursor_param] = cursor
    raise BadResponse(source, f"{_where(url)} returned more than {MAX_PAGES} pages")


def has_more_cursor(field: str) -> Callable[[Any], str | None]:
    """A ``next_cursor`` for bodies that say ``has_more`` and name the next cursor in ``field``
    (``last_id`` or ``next_page``, as OpenAI's and Anthropic's admin APIs do)."""

    def next_cursor(body: Any) -> str | None:
        if not body.get("has_more"):  # a non-object body raises AttributeError -> BadResponse
            return None
        value = body.get(field)
        return str(value) if value else None

    return next_cursor


async def paginate_next_url(
    client: httpx.AsyncClient,
    url: str,
    *,
    source: str,
    next_url: Callable[[Any], str | None],
    params: Mapping[str, Any] | None = None,
    parse: Callable[[bytes], Any] | None = None,
) -> AsyncIterator[Any]:
    """Yield pages while ``next_url(body)`` gives a URL or path (Salesforce ``nextRecordsUrl``).

    ``parse``: see ``request_json`` (``next_url`` then reads what it returns)."""
    seen: set[str] = set()
    current: str | None = url
    query = params
    for _ in range(MAX_PAGES):
        if current is None:
            return
        response, body = await request_json(
            client, "GET", current, source=source, params=query, parse=parse
        )
        yield body
        try:
            following = next_url(body)
        except (KeyError, TypeError, AttributeError):
            raise BadResponse(
                source, f"{_where(url)} returned a page without the expected next field"
            ) from None
        if not following:
            return
        if following in seen:
            raise BadResponse(source, f"pagination loop: {_where(url)} repeated a next URL")
        seen.add(following)
        _require_same_origin(response, following, source=source, url=url)
        current, query = following, None
    raise BadResponse(source, f"{_where(url)} returned more than {MAX_PAGES} pages")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def _require_same_origin(response: httpx.Response, link: str, *, source: str, url: str) -> None:
    """Refuse a followed link whose origin differs from the request that returned it.

    A relative link (``/next?page=2``) resolves against that request, so it always passes; an
    absolute one must keep scheme, host and port. One rule for every paginator and every plugin.
    """
    try:
        target = response.request.url.join(link)
    except (httpx.InvalidURL, ValueError):
        raise BadResponse(source, f"{_where(url)} returned a next link that is not a URL") from None
    if _origin(target) != _origin(response.request.url):
        raise BadResponse(
            source,
            f"{_where(url)} returned a next link to another host ({target.scheme}://{target.host}):"
            " not followed, the credentials would go there",
        )


def parse_time(value: Any) -> dt.datetime | None:
    """Parse a vendor timestamp into an aware UTC datetime; ``None``/empty -> ``None``.

    Accepts ISO 8601 with ``Z``, ``+00:00`` or Salesforce's ``+0000``, a bare date, and Unix epoch
    seconds (int/float or digit string; values above 1e11 are taken as milliseconds).
    Raises ``ValueError`` for anything else, so callers can turn it into ``BadResponse``.
    """
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            seconds = float(value)
            if seconds > 1e11:
                seconds /= 1000
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            # a 400-digit number, inf, NaN: out of any calendar's range, so not a timestamp
            raise ValueError("not a timestamp: a number out of range") from None
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {type(value).__name__}")
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # Salesforce: +0000 -> +00:00
    try:
        parsed = dt.datetime.fromisoformat(text)
    except (OverflowError, OSError):
        raise ValueError("not a timestamp: out of range") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, OSError):  # year 1 or 9999 shifted past the calendar's edge
        raise ValueError("not a timestamp: out of range") from None


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def reset_epoch_seconds(value: str | None, now: float | None = None) -> float | None:
    """A reset-style header holding a Unix time (Okta ``X-Rate-Limit-Reset``) as seconds from now."""
    if value is None:
        return None
    try:
        reset = float(value)
    except ValueError:
        return None
    return max(0.0, reset - (time.time() if now is None else now))


_M = TypeVar("_M", bound=BaseModel)


def parse_model(model: type[_M], body: Any, *, source: str, what: str) -> _M:
    """Validate a vendor payload; a wrong shape becomes ``BadResponse`` naming where it was wrong."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.errors()[0]["loc"]) or "body"
        raise BadResponse(source, f"{what} returned an unexpected shape (at {where})") from None


def parse_vendor_time(value: Any, *, source: str, what: str) -> dt.datetime | None:
    """``parse_time`` for vendor data: a value that is no timestamp becomes ``BadResponse``."""
    try:
        return parse_time(value)
    except (ValueError, OverflowError, OSError, TypeError):
        raise BadResponse(source, f"{what} is not a timestamp") from None


def parse_items(model: type[_M], items: Any, *, source: str, what: str) -> list[_M]:
    """Validate every record of a listing (``what`` names the listing: "the user list"); a wrong
    record becomes ``BadResponse`` naming its position and field ("the user list returned an
    unexpected shape (at 3.email)"), and so does ``items`` that is no list."""
    if not isinstance(items, list):
        raise BadResponse(source, f"{what} returned an unexpected shape (not a list)")
    parsed = []
    for index, item in enumerate(items):
        try:
            parsed.append(model.model_validate(item))
        except ValidationError as exc:
            where = ".".join(str(part) for part in (index, *exc.errors()[0]["loc"]))
            raise BadResponse(source, f"{what} returned an unexpected shape (at {where})") from None
    return parsed


async def parse_pages(
    model: type[_M],
    pages: AsyncIterator[Any],
    *,
    source: str,
    what: str,
    progress: Callable[[str], None] | None = None,
) -> AsyncIterator[_M]:
    """Each page a paginator yields, as ``model`` (``parse_model``: a wrong shape is ``BadResponse``
    naming ``what`` and the field); ``progress`` hears "<what> page <n>" (``ctx.progress``)."""
    number = 0
    async for body in pages:
        number += 1
        if progress is not None:
            progress(f"{what} page {number}")
        yield parse_model(model, body, source=source, what=f"the {what}")


def parse_optional(model: type[_M], body: Any) -> _M | None:
    """``body`` as ``model`` when it has that shape, else ``None``; never raises.

    For bodies read for a hint, not for data: an error answer's code, a rate-limit body that may be
    a proxy's HTML. Data the plugin relies on goes through ``parse_model``, which names the field."""
    try:
        return model.model_validate(body)
    except ValidationError:
        return None


def json_or_none(response: httpx.Response) -> Any:
    """A response's JSON body, or ``None`` when it is empty or not JSON; never raises (for
    ``rate_limit_wait`` hooks and refusals, whose bodies are often HTML or empty)."""
    body = _parse(response, "")
    return None if body is _INVALID else body


_INVALID = object()


def _parse_with(
    parse: Callable[[bytes], Any], response: httpx.Response, source: str, url: str
) -> Any:
    try:
        return parse(response.content)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        if first["type"] == "json_invalid":
            raise BadResponse(
                source,
                f"{_where(url)} answered {response.status_code} with a body that is not valid JSON",
            ) from None
        where = ".".join(str(part) for part in first["loc"]) or "the top level"
        raise BadResponse(
            source, f"{_where(url)} returned an unexpected shape (at {where})"
        ) from None


def _parse(response: httpx.Response, source: str) -> Any:
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: JSON nested thousands deep, which no vendor sends; treat it as garbage
        return _INVALID


def _where(url: str) -> str:
    """The path of a URL without its query: enough to locate a failure, never a token in a query."""
    return httpx.URL(url).path or url
