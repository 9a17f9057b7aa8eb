"""The sandbox emulators over loopback HTTP (``stacktrack sandbox serve``) or as in-process transports.

One ``ThreadingHTTPServer`` mounts every emulator of the world under ``/<source>`` (the emulator's
``prefix``); each request becomes an ``httpx.Request`` for ``emulator.handle`` and its answer is written
back, after the optional latency, token-bucket rate limit and injected faults of ``faults.py``.
``transports`` is the same thing without sockets, for the demo and tests.

The click commands call ``serve`` (blocking) and ``demo.run_demo``; tests use
``SandboxServer`` directly (``start()`` in a background thread, ``shutdown()``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from stacktrack.sandbox import participants
from stacktrack.sandbox.configfile import config_text
from stacktrack.sandbox.faults import (
    FaultInjector,
    FaultPlan,
    FaultyTransport,
    apply_rate_limits,
    parse_faults,
    parse_rate_limits,
)
from stacktrack.sandbox.world import World
from stacktrack.testing.emulator import Emulator

_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


def transports(
    world: World,
    instant: dt.datetime,
    faults: FaultPlan | str | None = None,
    *,
    idp: str | None = None,
    latency_ms: float = 0.0,
    page_size: int = 1000,
    only: Iterable[str] | None = None,
) -> dict[str, httpx.AsyncBaseTransport]:
    """In-process transports (source name -> transport) serving ``world.at(instant)``; no sockets.

    Each emulator is mounted at ``/<source>`` as in the loopback server, so the config's base URLs
    (``http://<any host>/<source>``) work for both. ``idp`` defaults to ``participants.default_idp()``;
    ``only`` restricts the vendors served (see ``participants.sources_for``).
    """
    plan = (
        faults
        if isinstance(faults, FaultPlan)
        else parse_faults(faults, participants.all_sources())
    )
    sources = participants.sources_for(idp or participants.default_idp(), only)
    emulators = participants.build_emulators(
        world.at(instant), seed=world.seed, sources=sources, page_size=page_size, prefix=True
    )
    _small_pages_for_repeat_cursor(emulators, plan)
    return {
        source: FaultyTransport(
            FaultInjector(emulator, plan.for_vendor(source), seed=world.seed, vendor=source),
            latency_s=latency_ms / 1000,
        )
        for source, emulator in emulators.items()
    }


@dataclass
class ServerInfo:
    """What ``serve`` prints and writes: where each source is and how to authenticate to it."""

    url: str
    config_text: str
    env: dict[str, str]
    """Token variable -> value, for ``export`` lines (sandbox tokens, never real credentials)."""
    base_urls: dict[str, str] = field(default_factory=dict)

    def export_lines(self) -> str:
        return "\n".join(f"export {name}={value}" for name, value in self.env.items())


class SandboxServer:
    """All emulators of one world behind one loopback HTTP server."""

    def __init__(
        self,
        *,
        seed: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        idp: str | None = None,
        latency_ms: float = 0.0,
        rate_limit: str | None = None,
        faults: str | None = None,
        end: dt.datetime | None = None,
        page_size: int = 1000,
        fault_hold_s: float = 2.0,
        only: Iterable[str] | None = None,
    ) -> None:
        idp = idp or participants.default_idp()
        self.sources = participants.sources_for(idp, only)
        self.plan = parse_faults(faults, participants.all_sources())
        limits = parse_rate_limits(rate_limit, self.sources)
        self.world = World.generate(seed, end=end, tools=participants.company_tools(self.sources))
        self.seed = seed
        self.idp = idp
        self.latency_s = latency_ms / 1000
        self.fault_hold_s = fault_hold_s
        """A ``timeout`` fault holds the connection this long; the config's timeout is shorter."""
        view = self.world.at(self.world.end)
        self.emulators: dict[str, Emulator[Any]] = participants.build_emulators(
            view, seed=seed, sources=self.sources, page_size=page_size, prefix=True
        )
        _small_pages_for_repeat_cursor(self.emulators, self.plan)
        apply_rate_limits(self.emulators, limits)
        self.injectors = {
            source: FaultInjector(emulator, self.plan.for_vendor(source), seed=seed, vendor=source)
            for source, emulator in self.emulators.items()
        }
        server_class = _Server6 if ":" in host else _Server
        self._httpd = server_class((host, port), _handler_for(self))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        if ":" in name:  # an IPv6 literal
            name = f"[{name}]"
        return f"http://{name}:{port}"

    def info(self) -> ServerInfo:
        base_urls = {source: f"{self.url}/{source}" for source in self.sources}
        timeout = max(1.0, self.fault_hold_s / 2) if "timeout" in _kinds(self.plan) else None
        header = (
            f"Served by `stacktrack sandbox serve` at {self.url}; the tokens come from the\n"
            "environment (see the export lines it printed)."
        )
        text = config_text(
            self.world, base_urls=base_urls, idp=self.idp, header=header, timeout_seconds=timeout
        )
        env = {participants.env_name(s): participants.token_for(self.seed, s) for s in self.sources}
        return ServerInfo(self.url, text, env, base_urls)

    def start(self) -> ServerInfo:
        """Serve in a daemon thread; returns at once."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="stacktrack-sandbox", daemon=True
        )
        self._thread.start()
        return self.info()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def shutdown(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- one request -----------------------------------------------------------------------

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[str | None, httpx.Response]:
        """(fault kind, response) for one HTTP request; the handler does timeouts and truncation."""
        mount = target.split("?", 1)[0].strip("/").split("/", 1)[0]
        emulator = self.emulators.get(mount)
        host = headers.get("host") or self.url.split("//", 1)[1]
        request = httpx.Request(method, f"http://{host}{target}", headers=headers, content=body)
        if emulator is None:
            return None, httpx.Response(
                404, json={"error": "not_found", "mounts": [f"/{s}" for s in self.sources]}
            )
        if self.latency_s:
            time.sleep(self.latency_s)
        injector = self.injectors[mount]
        kind = injector.decide(request)
        if kind == "timeout":
            return kind, httpx.Response(504)
        return kind, injector.respond(request, kind)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024
    """The listen backlog (the standard library's is 5): a 50-source snapshot opens ~200 connections
    at once, and an overflowing accept queue makes clients wait for SYN retransmission (1 s, 3 s)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client hanging up (after an injected fault, or on shutdown) is not news
        super().handle_error(request, client_address)


REPEAT_CURSOR_PAGE_SIZE = 10


def _small_pages_for_repeat_cursor(emulators: dict[str, Emulator[Any]], plan: FaultPlan) -> None:
    """A repeated cursor needs a cursor: vendors with that fault serve small pages so they page."""
    for source, emulator in emulators.items():
        if plan.for_vendor(source).get("repeat_cursor"):
            emulator.page_size = min(emulator.page_size, REPEAT_CURSOR_PAGE_SIZE)


class _Server6(_Server):
    address_family = socket.AF_INET6


def _kinds(plan: FaultPlan) -> set[str]:
    return {kind for rates in plan.rates.values() for kind, rate in rates.items() if rate}


def _handler_for(sandbox: SandboxServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "stacktrack-sandbox"
        # Headers and body leave in two writes; with Nagle's algorithm the body waits for the
        # client's delayed ACK (~40 ms on Linux), which made every "100 ms" request take ~144 ms.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            kind, response = sandbox.answer(self.command, self.path, headers, body)
            if kind == "timeout":
                time.sleep(sandbox.fault_hold_s)
                self.close_connection = True
                self._drop()
                return
            content = response.content
            self.send_response(response.status_code)
            for key, value in response.headers.multi_items():
                if key.lower() not in _HOP_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            if kind == "truncated":
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(content[: len(content) // 2])
                self.close_connection = True
                self.wfile.flush()
                self._drop()
                return
            self.end_headers()
            self.wfile.write(content)

        def _drop(self) -> None:
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # request lines would show query strings; stay quiet

    return Handler


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    seed: int = 1,
    idp: str | None = None,
    latency_ms: float = 0.0,
    rate_limit: str | None = None,
    faults: str | None = None,
    config_out: Path | None = None,
    ready_callback: Callable[[ServerInfo], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve the sandbox until interrupted (``stacktrack sandbox serve``).

    The world's "today" is the current hour (so a real ``stacktrack snapshot``, whose clock is the wall
    clock, sees recent activity); everything else comes from ``seed``. Once listening it writes the
    config to ``config_out`` (if given) and calls ``ready_callback(info)``: the CLI prints
    ``info.config_text`` and ``info.export_lines()``. ``faults`` and ``rate_limit`` follow the grammar in
    ``stacktrack.sandbox.faults`` (bad specs raise ``UsageError``, exit 2). ``stop`` (an event) ends
    serving when set; otherwise it runs until KeyboardInterrupt.
    """
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    server = SandboxServer(
        seed=seed,
        host=host,
        port=port,
        idp=idp,
        latency_ms=latency_ms,
        rate_limit=rate_limit,
        faults=faults,
        end=now,
    )
    info = server.start()
    try:
        if config_out is not None:
            config_out.parent.mkdir(parents=True, exist_ok=True)
            config_out.write_text(info.config_text, encoding="utf-8")
        if ready_callback is not None:
            ready_callback(info)
        while stop is None or not stop.is_set():
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
