"""One rate-limit budget per vendor account, shared by the sources of a snapshot that draw on it.

Sources that call the same origin with the same credentials spend one vendor budget: when each paces
only itself, ten of them hit the limit in step, each burns its own retries, and with a small budget
some fail (docs/benchmarks.md, collect). A ``RateGate`` is that shared budget's view from the client:
every request passes it before it is sent, and it

- closes for the wait a rate-limited answer gives (the vendor's ``Retry-After``/reset, else the
  retrying request's own backoff), so the other requests wait too instead of being refused;
- from the first rate-limited answer on, spaces requests out: the spacing doubles with every further
  rate-limited answer and shrinks a little with every answered one, so the pace settles just under
  the vendor's limit;
- reads the usual budget headers on every answer (``*RateLimit-Remaining``/``*Rate-Limit-Remaining``
  with ``*-Reset``, epoch or delta seconds or an HTTP date, or ``*-Interval-Milliseconds``): when no more requests
  remain than are already in flight, it closes until the reset, before the vendor refuses anything.

Waiting at the gate is not a retry: a request's attempts and its source's time budget count as before.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import time
from collections.abc import Callable, Iterable, Mapping

MIN_SPACING = 0.02
"""Seconds between requests after the first rate-limited answer (50 per second)."""
MAX_SPACING = 10.0
RELAX = 0.97
"""Each answered request shortens the spacing by 3%; below ``MIN_SPACING / 2`` it is dropped."""


class RateGate:
    """The pace of one vendor budget. Not thread-safe: one event loop uses it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._open_at = 0.0
        self._next_slot = 0.0
        self.spacing = 0.0
        """Seconds kept between two requests leaving the gate; 0: no spacing."""
        self._slowed_at = float("-inf")
        """When the spacing last grew: answers to requests sent before it are the same signal."""
        self.in_flight = 0
        self.waited = 0.0
        """Seconds requests spent waiting here, summed (for the logs and tests)."""

    async def enter(self, own_hold: float = 0.0) -> float:
        """Wait for this request's turn, then count it in flight until ``leave``.

        ``own_hold`` is what ``throttled`` returned for this request's previous try: its retry
        already waits that long (the retry policy sleeps it), so only a longer hold stops it.
        Returns when the request left, for ``throttled``."""
        while True:
            now = self._clock()
            open_at = self._open_at if self._open_at > own_hold else 0.0
            slot = max(now, open_at, self._next_slot)
            if self.spacing:
                self._next_slot = slot + self.spacing
            if slot <= now:
                break
            self.waited += slot - now
            await asyncio.sleep(slot - now)
            if self._open_at <= max(own_hold, self._clock()):
                break  # not closed again while this request slept
        self.in_flight += 1
        return self._clock()

    def leave(self, headers: Mapping[str, str] | None) -> None:
        """The request was answered (``headers``), or failed without an answer (``None``)."""
        self.in_flight -= 1
        if headers is None:
            return
        if self.spacing:
            self.spacing *= RELAX
            if self.spacing < MIN_SPACING / 2:
                self.spacing = 0.0
        remaining, reset = budget_headers(headers)
        if remaining is not None and reset is not None and remaining <= self.in_flight:
            self.hold(reset)

    def throttled(self, wait: float, sent_at: float) -> float:
        """A rate-limited answer to a request that left at ``sent_at``: close for ``wait`` seconds
        and, unless the pace was already slowed after that request left (the requests in flight
        when a budget runs out are all refused at once: one signal), slow it down. Returns the
        hold, for the same request's ``enter(own_hold=...)``."""
        self.in_flight -= 1
        if sent_at > self._slowed_at:
            self.spacing = min(max(self.spacing * 2, MIN_SPACING), MAX_SPACING)
            self._slowed_at = self._clock()
        return self.hold(wait)

    def hold(self, seconds: float) -> float:
        self._open_at = max(self._open_at, self._clock() + max(0.0, seconds))
        return self._open_at


def budget_headers(headers: Mapping[str, str]) -> tuple[int | None, float | None]:
    """(requests remaining, seconds until the budget resets) from the usual rate-limit headers."""
    remaining: int | None = None
    reset: float | None = None
    window: float | None = None
    epoch: float | None = None
    date: str | None = None
    for name, value in headers.items():
        key = name.lower().replace("_", "-")
        if key == "date":
            date = value
        if not ("ratelimit-" in key or "rate-limit-" in key):
            continue
        try:
            number = float(value.split(",")[0].strip())
        except ValueError:
            if key.endswith("-reset"):  # an HTTP date, as Segment sends it
                epoch = _http_date(value) or epoch
            continue
        if key.endswith("-remaining"):
            remaining = int(number)
        elif key.endswith("-reset"):
            # a Unix time or, below a year in seconds, a delta (the IETF draft's RateLimit-Reset)
            if number > 365 * 86400:
                epoch = number
            else:
                reset = number
        elif key.endswith("-interval-milliseconds"):
            window = number / 1000
    if epoch is not None:
        reset = epoch - _server_now(date)
    if reset is None:
        reset = window
    return remaining, None if reset is None else max(0.0, reset)


def _server_now(date: str | None) -> float:
    """The server's clock from its ``Date`` header when it sent one (clocks differ), else ours."""
    return (_http_date(date) if date else None) or time.time()


def _http_date(value: str) -> float | None:
    """A Unix time from an RFC 5322 date (``Tue, 01 Dec 2026 10:00:00 GMT``), else ``None``."""
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def gate_key(base_url: str, secrets: Iterable[str]) -> str:
    """Sources share a gate when they call the same origin with the same credentials."""
    digest = hashlib.sha256()
    for secret in sorted(secrets):
        digest.update(secret.encode() + b"\0")
    scheme, _, rest = base_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].lower()} {digest.hexdigest()}"
