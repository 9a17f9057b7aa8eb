"""Base for vendor emulators: each plugin's ``emulator.py`` subclasses ``Emulator``.

An emulator is a plain request handler, ``httpx.Request -> httpx.Response``, over data the caller
supplies. The same object serves in-process (``emulator.transport()``, an ``httpx.MockTransport``)
and over loopback HTTP (the sandbox server mounts ``handle`` under a path prefix). Subclasses
implement the vendor's real auth check, 401 body, pagination, rate-limit signal and error bodies;
this base adds the bookkeeping tests and benchmarks read: request and throttle counts, a forced
rate limit ("the next N requests get the vendor's 429"), and an optional requests-per-second budget.

An emulator joins the sandbox company (``stacktrack demo``, ``stacktrack sandbox serve``) by
implementing ``world_data`` (the sandbox world, ``WorldView``, in its vendor's shapes); it may bring its
own tools into the company (``world_tools``) and, if its vendor is a directory people sign in through,
offer to be the company's identity provider (``identity_provider = True``, chosen with ``--idp``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Self, TypeVar

import httpx

from stacktrack.testing.world import ToolSpec, WorldView

DataT = TypeVar("DataT")


class RateLimit:
    """A token bucket: ``rate`` requests per second with bursts of ``burst``."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def take(self) -> float | None:
        """Take a token; ``None`` if allowed, else seconds until one is available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            return (1 - self._tokens) / self.rate

    def state(self) -> tuple[int, float]:
        """(whole requests left now, seconds until the bucket is full again), for the budget
        headers a vendor sends on every answer."""
        with self._lock:
            tokens = min(self.burst, self._tokens + (self._clock() - self._stamp) * self.rate)
            return int(tokens), (self.burst - tokens) / self.rate


class Emulator(Generic[DataT]):
    """Subclass and implement ``route`` (and the vendor-specific hooks below).

    ``DataT`` is the emulator's data class: vendor-shaped JSON dicts exactly as the API returns them.
    """

    vendor: ClassVar[str]
    """The plugin name this emulator serves, e.g. ``"okta"``."""
    identity_provider: ClassVar[bool] = False
    """True: the sandbox company may use this vendor as its identity provider (``--idp <vendor>``);
    it then serves every app behind SSO, not only the tools of ``world_tools``."""

    def __init__(
        self,
        data: DataT,
        *,
        token: str = "test-token",
        page_size: int = 2,
        rate_limit: RateLimit | None = None,
        prefix: str = "",
    ) -> None:
        self.data = data
        """Vendor-shaped data supplied by the caller (each emulator defines its own type)."""
        self.token = token
        self.page_size = page_size
        self.rate_limit = rate_limit
        self.requests = 0
        self.throttled = 0
        """How many rate-limit answers this emulator gave (benchmarks assert it stays 0)."""
        self.force_throttle = 0
        """The next N authorised requests get the vendor's rate-limit answer."""
        self.prefix = prefix.rstrip("/")
        """Mount point in the loopback server (e.g. ``/okta``); links the emulator makes include it."""
        self.repeat_cursor = False
        """Fault: every page answers with the cursor/link it was given, so the plugin must detect a loop."""
        self.log: list[tuple[str, str]] = []
        """(method, path with query) of every request, for tests."""
        self._lock = threading.Lock()

    # -- the sandbox world -------------------------------------------------------------------

    @classmethod
    def world_tools(cls) -> tuple[ToolSpec, ...]:
        """Tools this vendor brings into the sandbox company (its contract, who holds seats).

        A tool with the id of one already in the company replaces it. ``vendor`` may be left ``None``:
        the sandbox sets it to this emulator's ``vendor``. Default: none.
        """
        return ()

    @classmethod
    def world_data(cls, view: WorldView) -> DataT:
        """The sandbox world as of ``view.instant``, in this vendor's shapes.

        Implement it to join the sandbox; the default means "not in the sandbox".
        """
        raise NotImplementedError(f"{cls.__name__} does not serve the sandbox world")

    @classmethod
    def world_settings(cls, *, base_url: str, secret_env: str) -> dict[str, Any]:
        """The source's settings in the sandbox config, besides ``plugin`` and ``base_url``.

        ``secret_env`` names the environment variable holding this source's sandbox secret; a value
        ``{"env": NAME}`` is written as a secret reference. Default: ``token = { env = ... }``. A
        vendor with other credentials (client id and secret, a token endpoint) overrides it.
        """
        return {"token": {"env": secret_env}}

    @classmethod
    def joins_world(cls) -> bool:
        """True when this emulator implements ``world_data``."""
        return any("world_data" in vars(klass) for klass in cls.__mro__ if klass is not Emulator)

    @classmethod
    def from_world(
        cls, view: WorldView, *, token: str, page_size: int = 1000, prefix: str = ""
    ) -> Self:
        """An emulator serving ``view`` (what the sandbox server and the demo mount)."""
        return cls(cls.world_data(view), token=token, page_size=page_size, prefix=prefix)

    # -- the handler -------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests += 1
            self.log.append((request.method, str(request.url.raw_path, "ascii")))
        if not self.authorized(request):
            return self.unauthorized(request)
        wait = self._throttle_wait()
        if wait is not None:
            with self._lock:
                self.throttled += 1
            return self.rate_limited(request, wait)
        return self.route(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _throttle_wait(self) -> float | None:
        with self._lock:
            if self.force_throttle > 0:
                self.force_throttle -= 1
                return 0.01
        return self.rate_limit.take() if self.rate_limit else None

    def budget(self, limit: int, window_s: float) -> tuple[int, float]:
        """(requests left, seconds until the budget is whole again) for the budget headers a vendor
        sends on every answer: what is really left of the configured bucket, so a client that paces
        itself on those headers meets the same budget that refuses it; without a bucket, the vendor's
        own budget with this request spent."""
        if self.rate_limit is None:
            return limit - 1, window_s
        return self.rate_limit.state()

    # -- vendor-specific hooks ---------------------------------------------------------------

    def authorized(self, request: httpx.Request) -> bool:
        """Default: ``Authorization: Bearer <token>``."""
        return bool(request.headers.get("authorization") == f"Bearer {self.token}")

    def unauthorized(self, request: httpx.Request) -> httpx.Response:
        return json_response({"error": "unauthorized"}, status=401)

    def rate_limited(self, request: httpx.Request, wait: float) -> httpx.Response:
        """Default: 429 with ``Retry-After`` in whole seconds (at least 1, as HTTP requires)."""
        return json_response(
            {"error": "rate_limited"}, status=429, headers={"Retry-After": str(max(1, round(wait)))}
        )

    def route(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def path(self, request: httpx.Request) -> str:
        """The request path with the mount prefix stripped: what ``route`` dispatches on."""
        path = request.url.path
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix) :] or "/"
        return path

    def url_for(self, request: httpx.Request, path: str) -> str:
        """An absolute URL on the same host and mount as ``request`` (for Link headers)."""
        return f"{request.url.scheme}://{request.url.netloc.decode()}{self.prefix}{path}"

    def not_found(self, request: httpx.Request) -> httpx.Response:
        return json_response({"error": "not_found", "path": request.url.path}, status=404)


def json_response(
    body: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status,
        content=json.dumps(body, default=str).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def page_slice(items: list[Any], offset: int, size: int) -> tuple[list[Any], int | None]:
    """One page of ``items`` and the next offset (``None`` at the end)."""
    chunk = items[offset : offset + size]
    following = offset + size
    return chunk, (following if following < len(items) else None)
