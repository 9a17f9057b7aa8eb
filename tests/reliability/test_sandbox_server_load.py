"""The loopback sandbox server under the load of a big snapshot (found by bench/collect.py).

50 sources with up to 4 connections each open ~200 connections at once. With the standard library's
listen backlog of 5, connection attempts overflowed the accept queue and waited for the kernel's SYN
retransmission (1 s, then 3 s): a 50-source snapshot took 4.6 times its critical path.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from stacktrack.sandbox.server import SandboxServer


async def _burst(url: str, n: int) -> list[int]:
    # one pool allowed n connections: n requests in flight need n connections at once
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(timeout=10, limits=limits) as client:
        responses = await asyncio.gather(*(client.get(f"{url}/nowhere") for _ in range(n)))
    return [r.status_code for r in responses]


def test_many_simultaneous_connections_are_accepted_at_once() -> None:
    server = SandboxServer(seed=2, latency_ms=300)
    server.start()
    try:
        started = time.monotonic()
        codes = asyncio.run(_burst(server.url, 150))
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
    assert set(codes) == {404}
    # every request waits the 300 ms latency once; a dropped SYN would add a second or more
    assert elapsed < 1.0, f"150 simultaneous requests took {elapsed:.2f}s"
