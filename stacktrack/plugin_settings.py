"""The settings every source takes (``PluginSettings``) and the base-URL check its plugins share.

Re-exported by ``stacktrack.plugin_api``. Plugins' ``settings.py`` modules subclass
``PluginSettings``; the commands that only read the database validate the config with them, so this
module must stay free of httpx: ``check_base_url`` parses with ``urllib.parse`` and refuses what
httpx would refuse when the snapshot builds the client (docs/benchmarks.md, start-up).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class PluginSettings(BaseModel):
    """Settings every source takes (docs/reference.md); plugins subclass to add their own keys."""

    model_config = ConfigDict(extra="forbid")

    plugin: str
    """The plugin name (the entry-point name)."""
    base_url: str | None = None
    """Override the vendor host (regional hosts, proxies, the sandbox). ``https://``; plain
    ``http://`` only to a loopback host, or with ``allow_insecure_http = true``."""
    allow_insecure_http: bool = False
    """Allow a plain ``http://`` base URL to a non-loopback host (the token then travels in
    cleartext: only for a proxy on a network you trust)."""
    token: SecretStr | None = None
    """API token or access token, given as ``{ env = "NAME" }`` in the config."""
    timeout_seconds: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)
    """Per-request timeout."""
    budget_seconds: float = Field(default=600.0, gt=0, le=86400, allow_inf_nan=False)
    """Time budget for the whole source in one snapshot; past it the source fails."""
    max_concurrency: int = Field(default=4, ge=1, le=64)
    """Requests in flight at once for this source."""

    @model_validator(mode="after")
    def _transport_security(self) -> PluginSettings:
        if self.base_url is not None:
            check_base_url(self.base_url, allow_insecure_http=self.allow_insecure_http)
        return self


def check_base_url(url: str, *, allow_insecure_http: bool = False) -> None:
    """Refuse a base URL that would send credentials in cleartext (or is no HTTP URL at all)."""
    scheme, host = _scheme_and_host(url)
    if scheme not in ("http", "https") or not host:
        raise ValueError("base_url must be an https:// URL with a host")
    if scheme == "http" and not allow_insecure_http and not _is_loopback(host):
        raise ValueError(
            f"base_url uses plain http:// to {host}, which would send the token in "
            "cleartext: use https://, or set allow_insecure_http = true for a trusted proxy"
        )


_IPV4_STYLE = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$")


def _scheme_and_host(url: str) -> tuple[str, str]:
    """The URL's lowercased scheme and host, or ``ValueError("base_url is not a valid URL")``.

    A URL with non-ASCII characters (an IDNA host) is parsed by httpx itself, imported only then.
    An ASCII one is split by ``urllib.parse``, refusing what httpx's parser refuses (control
    characters, a malformed IP address; a port must be a number 0-65535, where httpx would only
    fail to connect later), and takes the host after the last ``@`` as httpx does: the host checked
    here is the host the client connects to.
    """
    if not url.isascii():
        return _httpx_scheme_and_host(url)
    invalid = ValueError("base_url is not a valid URL")
    if len(url) > 65536 or not url.isprintable():
        raise invalid
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is no number 0-65535)
    except ValueError:
        raise invalid from None
    host = parts.hostname or ""
    if _IPV4_STYLE.match(host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise invalid from None
    return parts.scheme.lower(), host


def _httpx_scheme_and_host(url: str) -> tuple[str, str]:
    import httpx  # only for the rare non-ASCII URL: the reading commands never import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        raise ValueError("base_url is not a valid URL") from None
    return parsed.scheme, parsed.host


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
