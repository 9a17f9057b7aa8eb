"""Fault, latency and rate-limit injection in front of the emulators (``sandbox serve`` and the demo).

Fault grammar (``--faults SPEC``)::

    SPEC  := ITEM ("," ITEM)*
    ITEM  := VENDOR ":" KIND "=" RATE
    VENDOR:= a source name (okta, salesforce, hubspot, slack, segment, google_workspace) or "*" (all);
             a source the sandbox does not serve (the other identity provider) is ignored
    KIND  := timeout | 500 | 502 | 503 | 504 | 429 | 401 | malformed | truncated | repeat_cursor
    RATE  := a probability in [0, 1] per request (the rates of one vendor add up to at most 1)

e.g. ``okta:timeout=0.1,hubspot:500=0.2,slack:429=0.1,segment:malformed=0.05,salesforce:truncated=0.1``.
``timeout`` never answers (in-process: ``httpx.ReadTimeout``; over HTTP the connection is held past the
client timeout, then closed); ``5xx`` answers that status; ``429`` and ``401`` give the vendor's own
rate-limit and auth answers (the emulator's ``rate_limited``/``unauthorized``); ``malformed`` cuts the
real JSON body in half and appends garbage; ``truncated`` announces the full ``Content-Length`` and
sends half; ``repeat_cursor`` answers with the emulator's repeated-cursor behaviour.

Rate limits (``--rate-limit SPEC``): ``RATE[/BURST]`` for every vendor, or ``VENDOR=RATE[/BURST]``
(or ``VENDOR:RATE[/BURST]``) items separated by commas: a token bucket (``stacktrack.testing.RateLimit``) of
RATE requests per second; past it each emulator answers with its vendor's own rate-limit signal.

Reproducibility: whether the n-th request for a given method and path (query included) of a vendor is
faulted is a pure function of (seed, vendor, method, path, n), so a run's faults do not depend on the
interleaving of concurrent requests, and a retry (n + 1) gets a fresh draw.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from stacktrack.errors import UsageError
from stacktrack.testing.emulator import Emulator, RateLimit, json_response

KINDS = (
    "timeout",
    "500",
    "502",
    "503",
    "504",
    "429",
    "401",
    "malformed",
    "truncated",
    "repeat_cursor",
)
_ALIASES = {"5xx": "500"}


@dataclass(frozen=True)
class FaultPlan:
    """Per-vendor fault rates, parsed from a fault spec."""

    rates: dict[str, dict[str, float]] = field(default_factory=dict)
    """vendor (or "*") -> kind -> probability."""

    def for_vendor(self, vendor: str) -> dict[str, float]:
        merged = dict(self.rates.get("*", {}))
        merged.update(self.rates.get(vendor, {}))
        return merged

    def vendors(self) -> list[str]:
        return sorted(self.rates)

    def __bool__(self) -> bool:
        return any(self.rates.values())


def parse_faults(spec: str | None, vendors: list[str] | None = None) -> FaultPlan:
    """Parse a fault spec; raises ``UsageError`` (exit 2) naming the bad item."""
    rates: dict[str, dict[str, float]] = {}
    for raw in (spec or "").split(","):
        item = raw.strip()
        if not item:
            continue
        vendor, colon, rest = item.partition(":")
        kind, equals, rate_text = rest.partition("=")
        vendor, kind = vendor.strip(), _ALIASES.get(kind.strip(), kind.strip())
        if not colon or not equals or not vendor:
            raise UsageError(f"--faults: {item!r} is not VENDOR:KIND=RATE (e.g. okta:timeout=0.1).")
        if vendors is not None and vendor != "*" and vendor not in vendors:
            raise UsageError(
                f"--faults: no sandbox source named {vendor!r} (sources: {', '.join(vendors)}, or *)."
            )
        if kind not in KINDS:
            raise UsageError(
                f"--faults: unknown fault {kind!r} in {item!r} (known: {', '.join(KINDS)})."
            )
        try:
            rate = float(rate_text)
        except ValueError:
            raise UsageError(f"--faults: {item!r} needs a rate between 0 and 1.") from None
        if not 0 <= rate <= 1:
            raise UsageError(f"--faults: {item!r} needs a rate between 0 and 1.")
        rates.setdefault(vendor, {})[kind] = rate
    plan = FaultPlan(rates)
    for vendor in rates:
        if sum(plan.for_vendor(vendor).values()) > 1 + 1e-9:
            raise UsageError(f"--faults: the rates for {vendor!r} add up to more than 1.")
    return plan


def parse_rate_limits(spec: str | None, vendors: list[str]) -> dict[str, tuple[float, int]]:
    """``"10"``, ``"10/20"`` or ``"okta=5/10,slack=1"`` -> vendor -> (rate per second, burst)."""
    limits: dict[str, tuple[float, int]] = {}
    for raw in (spec or "").split(","):
        item = raw.strip()
        if not item:
            continue
        separator = "=" if "=" in item else ":"  # ``okta=10/20`` or ``okta:10/20``
        vendor, equals, value = item.rpartition(separator)
        targets = [vendor.strip()] if equals else list(vendors)
        if equals and vendor.strip() not in vendors:
            raise UsageError(f"--rate-limit: no sandbox source named {vendor.strip()!r}.")
        rate_text, _, burst_text = value.partition("/")
        try:
            rate = float(rate_text)
            burst = int(burst_text) if burst_text else max(1, round(rate))
        except ValueError:
            raise UsageError(f"--rate-limit: {item!r} is not RATE[/BURST] (e.g. 10/20).") from None
        if rate <= 0 or burst < 1:
            raise UsageError(f"--rate-limit: {item!r} needs a positive rate and burst.")
        for target in targets:
            limits[target] = (rate, burst)
    return limits


def apply_rate_limits(
    emulators: dict[str, Emulator[Any]], limits: dict[str, tuple[float, int]]
) -> None:
    for vendor, (rate, burst) in limits.items():
        if vendor in emulators:
            emulators[vendor].rate_limit = RateLimit(rate, burst)


class FaultInjector:
    """Decides, per request, which fault (if any) one vendor's emulator suffers."""

    def __init__(
        self, emulator: Emulator[Any], rates: dict[str, float], *, seed: int, vendor: str
    ) -> None:
        self.emulator = emulator
        self.rates = [(kind, rates[kind]) for kind in KINDS if rates.get(kind)]
        self.seed = seed
        self.vendor = vendor
        self.injected: Counter[str] = Counter()
        """How many of each fault were injected (tests and the server's summary read it)."""
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._cursor_lock = threading.Lock()

    def decide(self, request: httpx.Request) -> str | None:
        if not self.rates:
            return None
        key = f"{request.method} {request.url.raw_path.decode('ascii', 'replace')}"
        with self._lock:
            self._seen[key] += 1
            occurrence = self._seen[key]
        digest = hashlib.sha256(f"{self.seed}:{self.vendor}:{key}:{occurrence}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        total = 0.0
        for kind, rate in self.rates:
            total += rate
            if draw < total:
                with self._lock:
                    self.injected[kind] += 1
                return kind
        return None

    def respond(self, request: httpx.Request, kind: str | None) -> httpx.Response:
        """The answer for ``request`` given the decided fault (``timeout`` is the caller's job)."""
        emulator = self.emulator
        if kind is None:
            return emulator.handle(request)
        if kind in ("500", "502", "503", "504"):
            return json_response(
                {"error": "sandbox_fault", "message": f"injected HTTP {kind}"}, status=int(kind)
            )
        if kind == "429":
            return emulator.rate_limited(request, 1.0)
        if kind == "401":
            return emulator.unauthorized(request)
        if kind == "repeat_cursor":
            # The flag is emulator-wide: hold it only for this request.
            with self._cursor_lock:
                emulator.repeat_cursor = True
                try:
                    return emulator.handle(request)
                finally:
                    emulator.repeat_cursor = False
        response = emulator.handle(request)
        if kind == "malformed":
            body = response.content
            headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
            return httpx.Response(
                response.status_code, headers=headers, content=body[: len(body) // 2] + b'\x00{"'
            )
        return response  # "truncated": the transport cuts the body


class _TruncatedStream(httpx.AsyncByteStream):
    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        yield self._body[: len(self._body) // 2]
        raise httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body"
        )


class FaultyTransport(httpx.AsyncBaseTransport):
    """An in-process transport over one emulator, with latency and injected faults."""

    def __init__(self, injector: FaultInjector, *, latency_s: float = 0.0) -> None:
        self.injector = injector
        self.latency_s = latency_s

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import asyncio

        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        await request.aread()
        kind = self.injector.decide(request)
        if kind == "timeout":
            raise httpx.ReadTimeout("injected timeout", request=request)
        response = self.injector.respond(request, kind)
        body = response.content
        if kind == "truncated":
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
            headers.append(("content-length", str(len(body))))
            return httpx.Response(
                response.status_code,
                headers=headers,
                stream=_TruncatedStream(body),
                request=request,
            )
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )
