"""``check_base_url`` parses with ``urllib.parse`` (no httpx on the reading commands' path), yet must
see each URL as httpx, which sends the requests, sees it: the same host, the same verdict.

The reference below is the check as it was written with ``httpx.URL``; httpx is the oracle.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys

import httpx
import pytest

from stacktrack.plugin_api import check_base_url


def _httpx_verdict(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "invalid"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return "no https host"
    if parsed.scheme == "http":
        host = parsed.host
        try:
            loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            loopback = host == "localhost" or host.endswith(".localhost")
        if not loopback:
            return f"cleartext to {host}"
    return "ok"


def _verdict(url: str) -> str:
    try:
        check_base_url(url)
    except ValueError as exc:
        message = str(exc)
        if "not a valid URL" in message:
            return "invalid"
        if "with a host" in message:
            return "no https host"
        return "cleartext to " + message.split("plain http:// to ")[1].split(", which")[0]
    return "ok"


SAME_AS_HTTPX = [
    "http://127.0.0.1:8765/okta", "http://localhost:9000", "http://[::1]:81/x", "HTTP://LOCALHOST",
    "https://api.hubspot.com:443/x?y=1#f", "HtTpS://Example.COM", "http://x.localhost",
    "http://proxy.corp.example:3128", "http://LOCALHOST.", "http://127.0.0.1.", "http://0.0.0.0",
    "http://[::2]", "http://[::ffff:127.0.0.1]", "http://127.1", "http://0x7f.0.0.1",
    "http://2130706433", "https://[::1]", "http://-h-.com",
    # the host httpx connects to is the one after the last "@"
    "http://evil.com@127.0.0.1/", "http://127.0.0.1@evil.com/", "http://a@b@127.0.0.1",
    "http://user:pw@127.0.0.1/x", "http://127.0.0.1:80@evil.com", "http://localhost\\@evil.com",
    "http://localhost#@evil.com", "http://localhost?@evil.com",
    # no URL, no host, another scheme
    "", "x", "http://", "https://", "http:///path", "http://:80", "ftp://x", "mailto:a@b.c",
    "file:///etc/passwd", "http:/127.0.0.1", "//127.0.0.1", "http:\\\\127.0.0.1",
    # refused as invalid by both
    "http://127.0.0.999", "https://127.0.0.999", "http://[::1", "http://[zz]/", "https://h:abc",
    "https://h:8080:90", "http://localhost:80abc", "http://127.0.0.1\t/x", "http://127.0.0.1\n",
    "https://" + "a" * 70_000,
    # non-ASCII: parsed by httpx itself
    "https://bücher.example", "http://bücher.example", "http://bücher.localhost",
]  # fmt: skip


@pytest.mark.parametrize("url", SAME_AS_HTTPX)
def test_the_check_sees_a_url_as_httpx_does(url: str) -> None:
    assert _verdict(url) == _httpx_verdict(url)


@pytest.mark.parametrize("url", ["https://h:99999", "https://h:65536", "https://h:+80"])
def test_a_port_beyond_65535_or_with_a_sign_is_refused_at_once(url: str) -> None:
    # httpx takes these and fails only when it connects; the config check refuses them up front
    assert _httpx_verdict(url) == "ok"
    assert _verdict(url) == "invalid"


def test_a_space_in_the_host_is_refused_naming_the_host() -> None:
    with pytest.raises(ValueError, match=re.escape("plain http:// to 127.0.0.1 ,")):
        check_base_url("http://127.0.0.1 /x")


def test_the_check_needs_no_httpx_for_an_ascii_url() -> None:
    code = (
        "import sys; from stacktrack.plugin_api import check_base_url; "
        "check_base_url('http://127.0.0.1:8765/okta'); print('httpx' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
