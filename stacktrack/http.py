"""Builds the one ``httpx.AsyncClient`` each source gets: base URL, auth, timeouts, retries, limits.

Retries live in a transport wrapper so that every request a plugin makes, including each page of a
listing, is retried the same way: exponential backoff with jitter (stamina) on connect errors,
timeouts, truncated bodies, 5xx and rate limits, honouring the vendor's own wait signal through
``Plugin.rate_limit_wait``. A single wait and the total waiting are both capped, so a vendor that asks
for an hour makes the source fail with a clear reason instead of hanging a cron job.

Bodies are read here too, decoded and counted as they arrive: one response and all of a source's
responses together have a size cap (``SizeLimits``), so a gzip bomb or an endless chunked body ends as
a bad response naming the source and the cap, not as a process that eats the machine's memory.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import stamina

from stacktrack import __version__
from stacktrack.errors import BadResponse, PluginError
from stacktrack.pacing import RateGate, gate_key
from stacktrack.paging import reset_epoch_seconds, retry_after_seconds
from stacktrack.plugin_api import Plugin
from stacktrack.redaction import RedactingFilter, redact

__all__ = [
    "RedactingFilter",
    "RetryPolicy",
    "SizeLimits",
    "build_client",
    "redact",
    "reset_epoch_seconds",
    "retry_after_seconds",
]

log = logging.getLogger("stacktrack.http")

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    wait_initial: float = 0.5
    wait_max: float = 30.0
    """Cap on a single wait, whatever the vendor asks."""
    total_wait_max: float = 90.0
    """Cap on all waiting for one request; past it the last response or error stands."""
    budget_seconds: float | None = None
    """The source's time budget: a wait the vendor asks for (Slack's ``Retry-After`` of a minute) is
    honoured in full, past both caps above, while it still fits in what is left of the budget."""


MIB = 1024 * 1024


@dataclass(frozen=True)
class SizeLimits:
    """Caps on decoded (decompressed) response bytes. The largest real listing we know, a page of
    1,000 Okta System Log events, is under 5 MiB; a 1M-user directory is about 1 GiB in all."""

    response_bytes: int = 64 * MIB
    """One response body."""
    source_bytes: int = 4096 * MIB
    """Every response of one source in one snapshot, retries included."""


class _RetryableResponse(Exception):
    def __init__(self, response: httpx.Response, wait: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.wait = wait


class RetryingTransport(httpx.AsyncBaseTransport):
    """Wraps a transport with retries, vendor-signalled waits and a concurrency limit."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        rate_limit_wait: Callable[[httpx.Response], float | None],
        policy: RetryPolicy,
        max_concurrency: int,
        on_retry: Callable[[str], None] | None = None,
        source: str = "source",
        limits: SizeLimits | None = None,
        gate: RateGate | None = None,
    ) -> None:
        self._inner = inner
        self._gate = gate or RateGate()
        """The vendor budget this source shares with others of the run (``stacktrack.pacing``)."""
        self._source = source
        self._limits = limits or SizeLimits()
        self.received = 0
        """Decoded bytes of every body read so far (the per-source cap counts this)."""
        self._rate_limit_wait = rate_limit_wait
        self._policy = policy
        self._limit = asyncio.Semaphore(max_concurrency)
        self._on_retry = on_retry or (lambda _msg: None)
        self.retries = 0
        self.waited = 0.0
        self._started = time.monotonic()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._limit:
            return await self._send_with_retries(request)

    async def _send_with_retries(self, request: httpx.Request) -> httpx.Response:
        policy = self._policy
        waited = 0.0
        attempt_number = 0
        own_hold = 0.0  # the shared gate's hold this request's last rate-limited answer set

        def backoff(exc: Exception) -> bool | float:
            nonlocal waited, attempt_number
            if isinstance(exc, _RetryableResponse) and exc.wait and self._fits_budget(exc.wait):
                attempt_number += 1
                self.retries += 1
                self.waited += exc.wait
                self._on_retry(f"retrying {request.url.path} in {exc.wait:.1f}s (vendor's wait)")
                return exc.wait
            if isinstance(exc, _RetryableResponse) and exc.wait:
                wait = min(exc.wait, policy.wait_max)  # the vendor said how long: no jitter
            elif isinstance(exc, (_RetryableResponse, *RETRYABLE_ERRORS)):
                # exponential backoff with up to 25% jitter, so parallel sources do not retry in step
                wait = policy.wait_initial * 2 ** min(attempt_number, 10)
                wait = min(wait * (1 + 0.25 * random.random()), policy.wait_max)
            else:
                return False
            attempt_number += 1
            if waited + wait > policy.total_wait_max:
                return False  # give up now rather than sleep past the cap
            waited += wait
            self.retries += 1
            self.waited += wait
            self._on_retry(f"retrying {request.url.path} in {wait:.1f}s ({_describe(exc)})")
            return wait

        try:
            async for attempt in stamina.retry_context(
                on=backoff, attempts=policy.attempts, timeout=None, wait_jitter=0.0
            ):
                with attempt:
                    response, sent_at = await self._attempt(request, own_hold)
                    wait = self._rate_limit_wait(response)
                    if wait is not None:
                        # the others sharing the budget wait as long as this request will
                        backoff_wait = policy.wait_initial * 2 ** min(attempt_number, 10)
                        own_hold = self._gate.throttled(
                            wait or min(backoff_wait, policy.wait_max), sent_at
                        )
                    else:
                        self._gate.leave(response.headers)
                    if wait is not None or response.status_code in RETRYABLE_STATUS:
                        raise _RetryableResponse(response, wait)
                    return response
        except _RetryableResponse as exc:
            return exc.response
        raise AssertionError("stamina ended the retry loop without a result")

    async def _attempt(
        self, request: httpx.Request, own_hold: float
    ) -> tuple[httpx.Response, float]:
        """One try, sent when the shared budget allows (and when it left); the body read within
        the caps (a truncated body raises here, inside the retry)."""
        sent_at = await self._gate.enter(own_hold)
        try:
            response = await self._inner.handle_async_request(request)
            await self._read(response, request)
        except BaseException:
            self._gate.leave(None)
            raise
        return response, sent_at

    def _fits_budget(self, wait: float) -> bool:
        """A vendor-asked wait longer than ``wait_max`` that still leaves the source time to finish."""
        budget = self._policy.budget_seconds
        if budget is None or wait <= self._policy.wait_max:
            return False
        return time.monotonic() - self._started + wait < budget

    async def _read(self, response: httpx.Response, request: httpx.Request) -> None:
        """Read and decode the body within the caps; past one, close it and fail the source."""
        limits = self._limits
        parts: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limits.response_bytes:
                await response.aclose()
                raise BadResponse(
                    self._source,
                    f"a response from {request.url.path} exceeded the cap of "
                    f"{limits.response_bytes // MIB} MiB per response (decoded)",
                )
            if self.received + size > limits.source_bytes:
                await response.aclose()
                raise BadResponse(
                    self._source,
                    f"the source's responses exceeded the cap of {limits.source_bytes // MIB} MiB "
                    "per source and snapshot (decoded)",
                )
            parts.append(chunk)
        self.received += size
        # What ``Response.aread`` would have stored: later reads return it without the stream.
        response._content = b"".join(parts)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _describe(exc: Exception) -> str:
    if isinstance(exc, _RetryableResponse):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every source's client (the same one httpx would build).

    Loading the CA bundle costs ~26 ms of CPU; per client, that was 1.3 s of a 50-source snapshot's
    single event-loop thread (bench/collect.py).
    """
    return httpx.create_ssl_context()


def build_client(
    plugin: Plugin,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    policy: RetryPolicy | None = None,
    on_retry: Callable[[str], None] | None = None,
    limits: SizeLimits | None = None,
    gates: dict[str, RateGate] | None = None,
) -> httpx.AsyncClient:
    """The client for one source. ``transport`` lets tests and the sandbox use an emulator in-process.

    ``gates`` (one per snapshot) holds the rate-limit budgets by vendor account: sources calling the
    same origin with the same credentials share one (``stacktrack.pacing``); without it the source
    paces only itself."""
    settings = plugin.settings
    base_url = settings.base_url or plugin.default_base_url
    if not base_url:
        raise PluginError(plugin.source, "no base_url is configured and the plugin has no default")
    retrying = RetryingTransport(
        transport or httpx.AsyncHTTPTransport(verify=_ssl_context()),
        rate_limit_wait=plugin.rate_limit_wait,
        policy=policy or RetryPolicy(budget_seconds=settings.budget_seconds),
        max_concurrency=settings.max_concurrency,
        on_retry=on_retry,
        source=plugin.source,
        limits=limits,
        gate=None
        if gates is None
        else gates.setdefault(gate_key(base_url, plugin.secrets()), RateGate()),
    )
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        auth=plugin.auth(),
        timeout=httpx.Timeout(settings.timeout_seconds),
        headers={"User-Agent": f"stacktrack/{__version__} (+https://github.com/stacktrack)"},
        transport=retrying,
        follow_redirects=False,
    )
