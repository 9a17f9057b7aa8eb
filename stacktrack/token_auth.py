"""Bearer auth with an access token from an OAuth 2.0 token endpoint (re-exported by
``stacktrack.plugin_api``).

Vendors whose API keys are client credentials (Zoom's Server-to-Server OAuth, Marketo's LaunchPoint
services) exchange them for a short-lived access token first. ``ClientCredentialsAuth`` does that
once per source: concurrent first requests wait for one token instead of fetching one each, the
token is kept for its ``expires_in`` (less a minute), and when the API says the token is no longer
good (by default a 401) it fetches one new token and replays that request once. The token request
goes through the source's own client, so its retries, rate-limit waits and transport apply.

A plugin subclasses it with the vendor's token request and, where needed, the vendor's way of
saying "token expired" or "refused" (see the Zoom and Marketo plugins).
"""

from __future__ import annotations

import asyncio
import math
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.paging import json_or_none, parse_model, parse_optional

EARLY_REFRESH_SECONDS = 60.0
"""Treat a token as expired this long (at most half its lifetime) before its ``expires_in`` says, so
no request leaves with a token about to lapse."""


class TokenAnswer(BaseModel):
    """The fields of an RFC 6749 §5.1 token answer that the auth reads."""

    model_config = ConfigDict(extra="ignore")

    access_token: str = Field(min_length=1)
    expires_in: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class ClientCredentialsAuth(httpx.Auth, ABC):
    """``Authorization: Bearer <token>`` with a token from ``token_request()``.

    Subclasses implement ``token_request`` and may override ``token_expired`` (the API's way of
    saying the token is no longer good) and ``check_token_answer`` (a 200 that is an error in
    disguise). Secrets stay in the subclass's request and never reach a repr.
    """

    requires_response_body = True

    endpoint: ClassVar[str] = "the token endpoint"
    """How error messages name the token endpoint ("Zoom's token endpoint")."""
    refused_hint: ClassVar[str] = "check the client credentials"
    """What to check when the endpoint refuses the credentials (400/401/403)."""
    default_lifetime: ClassVar[float] = math.inf
    """Seconds a token is kept when the answer has no ``expires_in``."""

    def __init__(self, source: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.source = source
        self._clock = clock
        self._token: str | None = None
        self._expires_at = math.inf
        self._lock: asyncio.Lock | None = None
        self.fetches = 0
        """How many tokens were fetched (tests check the cache)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} ***>"

    @abstractmethod
    def token_request(self) -> httpx.Request:
        """The request that exchanges the credentials for an access token."""

    def token_expired(self, response: httpx.Response) -> bool:
        """Whether an API answer says the token is no longer good (default: HTTP 401)."""
        return response.status_code == 401

    def check_token_answer(self, body: Any) -> None:
        """Raise a ``PluginError`` for a 200 token answer that is an error (default: none is)."""

    def refusal_detail(self, response: httpx.Response) -> str:
        """What a refusal's message quotes after the status (default: its RFC 6749 ``error``
        code, `` invalid_client``). Never the request, and never a secret."""
        refusal = parse_optional(_OAuthError, json_or_none(response))
        return "" if refusal is None else f" {refusal.error}"

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("the client-credentials auth works with the core's async client only")
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
                    token = self._accept((yield self._fetch()))
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if not self.token_expired(response):
            return
        async with lock:
            if self._token in (token, None):  # nobody refreshed it meanwhile
                self._token = None
                token = self._accept((yield self._fetch()))
            else:
                token = self._token
        request.headers["Authorization"] = f"Bearer {token}"
        yield request  # once: a second refusal stands

    def _valid(self) -> str | None:
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        return None

    def _fetch(self) -> httpx.Request:
        self.fetches += 1
        return self.token_request()

    def _accept(self, response: httpx.Response) -> str:
        status = response.status_code
        if status == 429:
            raise RateLimitExhausted(
                self.source, f"{self.endpoint} kept answering 429", status_code=status
            )
        if status in (400, 401, 403):
            raise AuthenticationError(
                self.source,
                f"{self.endpoint} refused the client credentials (HTTP {status}"
                f"{self.refusal_detail(response)}): {self.refused_hint}",
                status_code=status,
            )
        if status != 200:
            raise PluginError(
                self.source, f"{self.endpoint} answered HTTP {status}", status_code=status
            )
        try:
            body = response.json()
        except ValueError:
            raise BadResponse(self.source, f"{self.endpoint} answered invalid JSON") from None
        self.check_token_answer(body)
        answer = parse_model(TokenAnswer, body, source=self.source, what=self.endpoint)
        lifetime = self.default_lifetime if answer.expires_in is None else answer.expires_in
        self._token = answer.access_token
        # Marketo hands out the same token until it lapses, with the seconds it has left: a token
        # with 30 s left is used for 15 s, not refetched on every request.
        self._expires_at = self._clock() + lifetime - min(EARLY_REFRESH_SECONDS, lifetime / 2)
        return answer.access_token


class _OAuthError(BaseModel):
    error: str = Field(pattern=r"^[a-z_]{1,40}$")
    """An RFC 6749 §5.2 code (``invalid_client``): safe to quote, unlike the description."""
