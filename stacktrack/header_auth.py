"""An httpx auth that sets one header (re-exported by ``stacktrack.plugin_api`` as ``header_auth``)."""

from __future__ import annotations

import httpx


class _HeaderAuth(httpx.Auth):
    """Sets one header. Kept private so the secret never appears in a repr."""

    def __init__(self, header: str, value: str) -> None:
        self._header = header
        self._value = value

    def auth_flow(self, request: httpx.Request):  # type: ignore[no-untyped-def]
        request.headers[self._header] = self._value
        yield request

    def __repr__(self) -> str:
        return f"<HeaderAuth {self._header}: ***>"


def header_auth(header: str, value: str) -> httpx.Auth:
    """An auth that sets ``header: value`` (e.g. Okta's ``Authorization: SSWS <token>``)."""
    return _HeaderAuth(header, value)
