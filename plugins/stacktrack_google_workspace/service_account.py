"""Service-account auth with domain-wide delegation, for unattended (cron) runs.

A ready OAuth access token lasts about an hour, so a scheduled snapshot cannot use one. A service
account whose client id an admin authorised for the plugin's scopes (Admin console > Security > API
controls > Domain-wide delegation) can mint one on every run instead: the plugin signs a JWT
assertion with the account's private key (google-auth's RS256 signer), with ``sub`` = the admin it
acts as, and exchanges it at the key's ``token_uri`` (RFC 7523 ``jwt-bearer`` grant). The exchange
goes through the source's own httpx client, so it gets the same retries, timeouts and transport
(the emulator in tests and the sandbox) as every other request.

The key's content never leaves this module: it is not logged, not stored, and no error quotes it
(errors name the file or the environment variable and say what was wrong). The plugin also lists
the private key among its secrets, so the core redacts it from anything it logs.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from stacktrack.plugin_api import AuthenticationError, PluginError

DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME = 3600
"""Google accepts an assertion valid for at most an hour."""
REFRESH_MARGIN = 300
"""Mint a new access token when the current one has less than five minutes left."""


@dataclass(frozen=True)
class ServiceAccountKey:
    """The parts of a service-account JSON key the grant needs."""

    client_email: str
    private_key: str
    private_key_id: str | None
    token_uri: str


def parse_key(text: str, *, source: str, where: str) -> ServiceAccountKey:
    """Read a JSON key; ``where`` names its origin (file or variable) in errors, never its content."""
    try:
        info = json.loads(text)
    except ValueError:
        raise PluginError(source, f"{where} is not a service-account JSON key (not JSON)") from None
    if not isinstance(info, dict):
        raise PluginError(source, f"{where} is not a service-account JSON key (not an object)")
    missing = [k for k in ("client_email", "private_key") if not isinstance(info.get(k), str)]
    if missing:
        raise PluginError(
            source, f"{where} is not a service-account JSON key (no {', '.join(missing)})"
        )
    if info.get("type", "service_account") != "service_account":
        raise PluginError(source, f"{where} is not a service-account key (its type is another)")
    token_uri = info.get("token_uri")
    key_id = info.get("private_key_id")
    return ServiceAccountKey(
        client_email=info["client_email"],
        private_key=info["private_key"],
        private_key_id=key_id if isinstance(key_id, str) else None,
        token_uri=token_uri if isinstance(token_uri, str) and token_uri else DEFAULT_TOKEN_URI,
    )


def signed_assertion(
    key: ServiceAccountKey, *, subject: str, scopes: list[str], now: int, source: str, where: str
) -> str:
    """The RS256-signed JWT grant assertion (google-auth does the signing)."""
    from google.auth import crypt, jwt

    try:
        signer = crypt.RSASigner.from_string(  # type: ignore[no-untyped-call]
            key.private_key, key.private_key_id
        )
    except (ValueError, TypeError, IndexError):
        raise PluginError(
            source, f"{where}: its private_key is not an RSA key in PEM form"
        ) from None
    payload = {
        "iss": key.client_email,
        "sub": subject,
        "aud": key.token_uri,
        "scope": " ".join(scopes),
        "iat": now,
        "exp": now + ASSERTION_LIFETIME,
    }
    token = jwt.encode(signer, payload)  # type: ignore[no-untyped-call]
    return token.decode("ascii") if isinstance(token, bytes) else str(token)


class ServiceAccountAuth(httpx.Auth):
    """Bearer auth whose access token comes from a domain-wide-delegation grant, minted on first use
    and again shortly before it expires. Never shows the key or the token in its repr."""

    requires_response_body = True

    def __init__(
        self,
        source: str,
        load_key: Callable[[], ServiceAccountKey],
        *,
        subject: str,
        scopes: list[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._load_key = load_key
        self._subject = subject
        self._scopes = scopes
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.exchanges = 0
        """How many token exchanges this auth made (tests check a token is reused)."""

    def __repr__(self) -> str:
        return f"<ServiceAccountAuth subject={self._subject!r}>"

    def sync_auth_flow(self, request: httpx.Request) -> Any:
        raise RuntimeError("service-account auth needs the async client")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        async with self._lock:
            if self._token is None or self._clock() > self._expires - REFRESH_MARGIN:
                key = self._load_key()
                now = int(self._clock())
                assertion = signed_assertion(
                    key,
                    subject=self._subject,
                    scopes=self._scopes,
                    now=now,
                    source=self._source,
                    where="the service-account key",
                )
                response = yield httpx.Request(
                    "POST",
                    key.token_uri,
                    data={"grant_type": JWT_BEARER, "assertion": assertion},
                    headers={"Accept": "application/json"},
                )
                self._token, lifetime = self._read_grant(response)
                self._expires = now + lifetime
                self.exchanges += 1
            token = self._token
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def _read_grant(self, response: httpx.Response) -> tuple[str, float]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        if response.status_code != 200:
            code = _printable(body.get("error")) or f"HTTP {response.status_code}"
            hint = {
                "unauthorized_client": (
                    "authorise the service account's client id for these scopes under Admin "
                    "console > Security > API controls > Domain-wide delegation"
                ),
                "invalid_grant": (
                    "check `subject` (an admin of the domain) and the key (revoked or wrong)"
                ),
            }.get(code, "check the key, `subject` and `scopes`")
            raise AuthenticationError(
                self._source,
                f"Google refused the service-account token exchange ({code}, HTTP "
                f"{response.status_code}): {hint}",
            )
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise AuthenticationError(
                self._source, "Google's token exchange answered without an access_token"
            )
        lifetime = body.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
            lifetime = 3600
        return token, float(lifetime)


def _printable(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return "".join(ch for ch in value if ch.isprintable())[:60] or None
