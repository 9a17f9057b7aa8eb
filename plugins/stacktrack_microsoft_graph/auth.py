"""App-only client-credentials auth against the Microsoft identity platform.

``ClientCredentialsAuth`` (plugin_api) does the caching and the refresh: one token per source for
its lifetime (less a minute), and when Graph answers 401 anyway (revoked, or expired early) one new
token and one retry of that request. The token request goes through the source's own client
transport, so retries, rate-limit waits and the sandbox's in-process emulator apply to it like to
any other request. This module adds the identity platform's form and its refusal text.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from stacktrack.plugin_api import ClientCredentialsAuth, json_or_none, parse_optional

from .models import TokenError


class ClientCredentials(ClientCredentialsAuth):
    """``Authorization: Bearer`` with a token from ``grant_type=client_credentials``."""

    endpoint = "the identity platform"
    refused_hint = "check tenant, client_id and client_secret"
    default_lifetime = 3599.0  # the platform's usual hour, when an answer omits expires_in

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
        super().__init__(source, clock=clock)
        self._token_url = token_url
        self._form = {
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": scope,
            "grant_type": "client_credentials",
        }
        self._secret = client_secret

    def token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST", self._token_url, data=self._form, headers={"Accept": "application/json"}
        )

    def refusal_detail(self, response: httpx.Response) -> str:
        detail = parse_optional(TokenError, json_or_none(response)) or TokenError()
        reason = detail.error or ""
        lines = (detail.error_description or "").strip().splitlines()
        if lines:  # the first line names the AADSTS code and cause; later ones are trace ids
            reason = f"{reason}: {lines[0][:300]}" if reason else lines[0][:300]
        reason = reason.replace(self._secret, "***") if self._secret else reason
        return f" {reason}" if reason else ""
