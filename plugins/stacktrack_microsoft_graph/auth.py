"""App-only client-credentials auth against the Microsoft identity platform.

One ``httpx.Auth`` per source: it asks the token endpoint for a token on the first request, caches it
for its lifetime (less a minute, so a request never leaves with a token about to lapse), and when
Graph answers 401 anyway (revoked, or expired early) fetches a new one and retries that request
once. The token request goes through the source's own client transport, so retries, rate-limit
waits and the sandbox's in-process emulator apply to it like to any other request.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, Callable, Generator

import httpx
from pydantic import ValidationError

from stacktrack.plugin_api import AuthenticationError, BadResponse, PluginError, RateLimitExhausted

from .models import TokenError, TokenResponse

EARLY_REFRESH_SECONDS = 60.0
"""Treat a token as expired this long before the identity platform says it is."""


class ClientCredentials(httpx.Auth):
    """``Authorization: Bearer`` with a token from ``grant_type=client_credentials``."""

    requires_response_body = True

    def __init__(
        self,
        *,
        source: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._token_url = token_url
        self._form = {
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": scope,
            "grant_type": "client_credentials",
        }
        self._secret = client_secret
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock: asyncio.Lock | None = None
        self.fetched = 0
        """How many tokens this source asked for (tests check the cache)."""

    def __repr__(self) -> str:
        return "<ClientCredentials ***>"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("the microsoft_graph plugin uses an async client")
        yield request  # pragma: no cover - makes this a generator

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        lock = self._lock = self._lock or asyncio.Lock()
        token = self._valid()
        if token is None:
            async with lock:  # concurrent first requests wait for one token, not fetch one each
                token = self._valid()
                if token is None:
                    response = yield self._token_request()
                    token = self._accept(response)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        async with lock:
            if self._token in (token, None):  # nobody else refreshed it meanwhile
                self._token = None
                response = yield self._token_request()
                self._accept(response)
            token = self._token or ""
        request.headers["Authorization"] = f"Bearer {token}"
        yield request  # once: a second 401 stands and becomes an AuthenticationError

    def _valid(self) -> str | None:
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        return None

    def _token_request(self) -> httpx.Request:
        self.fetched += 1
        return httpx.Request(
            "POST",
            self._token_url,
            data=self._form,
            headers={"Accept": "application/json"},
        )

    def _accept(self, response: httpx.Response) -> str:
        status = response.status_code
        if status != 200:
            raise self._refusal(response)
        try:
            body = TokenResponse.model_validate_json(response.content)
        except ValidationError:
            raise BadResponse(
                self._source, "the token endpoint answered 200 without an access_token"
            ) from None
        lifetime = float(body.expires_in) if body.expires_in else 3599.0
        self._token = body.access_token
        self._expires_at = self._clock() + max(0.0, lifetime - EARLY_REFRESH_SECONDS)
        return body.access_token

    def _refusal(self, response: httpx.Response) -> PluginError:
        status = response.status_code
        try:
            detail = TokenError.model_validate(json.loads(response.content))
        except (ValueError, UnicodeDecodeError, ValidationError):
            detail = TokenError()
        reason = detail.error or f"HTTP {status}"
        if detail.error_description:
            # The first line names the AADSTS code and cause; later lines are trace ids.
            first = detail.error_description.strip().splitlines()[0][:300]
            reason = f"{reason}: {first}"
        reason = reason.replace(self._secret, "***") if self._secret else reason
        where = httpx.URL(self._token_url).path
        if status == 429:
            return RateLimitExhausted(
                self._source, f"still rate-limited by the token endpoint {where}", status_code=429
            )
        if status in (400, 401, 403):
            return AuthenticationError(
                self._source,
                f"the identity platform refused the client credentials ({reason}): check tenant, "
                "client_id and client_secret",
                status_code=status,
            )
        return PluginError(
            self._source, f"the token endpoint {where} answered HTTP {status}", status_code=status
        )
