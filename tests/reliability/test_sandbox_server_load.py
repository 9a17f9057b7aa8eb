"""The loopback sandbox server and the HTTP client under the load of a big snapshot (found by
bench/collect.py).

50 sources with up to 4 connections each open ~200 connections at once. With the standard library's
listen backlog of 5, connection attempts overflowed the accept queue and waited for the kernel's SYN
retransmission (1 s, then 3 s): a 50-source snapshot took 4.6 times its critical path.
"""

from __future__ import annotations

import socket

import httpx

from stacktrack.sandbox.server import SandboxServer


def test_a_burst_of_connections_fits_the_listen_backlog() -> None:
    """Before the server accepts anything, 60 clients connect at once: all must complete the TCP
    handshake (backlog 5: only 6 did, the others waited for SYN retransmission)."""
    server = SandboxServer(seed=2)  # bound and listening, not accepting yet
    host, port = server._httpd.server_address[:2]
    connected, sockets = 0, []
    try:
        for _ in range(60):
            try:
                sockets.append(socket.create_connection((host, port), timeout=0.2))
                connected += 1
            except OSError:
                pass
    finally:
        for sock in sockets:
            sock.close()
        server._httpd.server_close()
    assert connected == 60


def test_clients_share_one_tls_context() -> None:
    """bench/collect.py: building a CA-loaded TLS context per source cost 26 ms of CPU each."""
    from pydantic import SecretStr
    from stacktrack_hubspot.plugin import HubSpotPlugin

    from stacktrack.http import build_client

    def client() -> httpx.AsyncClient:
        settings = HubSpotPlugin.settings_model(plugin="hubspot", token=SecretStr("t" * 8))
        return build_client(HubSpotPlugin("hub", settings))

    def ssl_context(c: httpx.AsyncClient) -> object:
        pool = c._transport._inner._pool  # type: ignore[attr-defined]
        return pool._ssl_context

    first, second = client(), client()
    assert ssl_context(first) is ssl_context(second)
    assert ssl_context(first).verify_mode.name == "CERT_REQUIRED"  # type: ignore[attr-defined]
