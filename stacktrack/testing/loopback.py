"""A minimal loopback HTTP server for tests: emulators mounted under ``/<vendor>`` on 127.0.0.1.

For tests whose point is real HTTP (sockets, headers, connection reuse): each incoming request becomes
an ``httpx.Request`` for ``emulator.handle`` and the ``httpx.Response`` is written back over the
socket. No world, faults or latency (``stacktrack sandbox serve`` adds those). Use it as a context
manager::

    with LoopbackServer({"okta": okta_emulator, ...}) as server:
        base_url = server.url + "/okta"
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx

from stacktrack.testing.emulator import Emulator

_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class LoopbackServer:
    """Serves ``emulators`` (mount name -> emulator) on an ephemeral 127.0.0.1 port."""

    def __init__(self, emulators: dict[str, Emulator[Any]]) -> None:
        self.emulators = emulators
        for mount, emulator in emulators.items():
            emulator.prefix = f"/{mount}"
        self.requests: list[tuple[str, str]] = []
        """(mount, method + path) of every request served, for assertions."""
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="loopback-emulators", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def answer(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        mount = target.split("?", 1)[0].strip("/").split("/", 1)[0]
        with self._lock:
            self.requests.append((mount, f"{method} {target.split('?', 1)[0]}"))
        emulator = self.emulators.get(mount)
        if emulator is None:
            return httpx.Response(404, json={"error": "no emulator mounted here"})
        host = headers.get("host") or self.url.split("//", 1)[1]
        request = httpx.Request(method, f"http://{host}{target}", headers=headers, content=body)
        return emulator.handle(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {key.lower(): value for key, value in self.headers.items()}
                response = server.answer(self.command, self.path, headers, body)
                content = response.content
                self.send_response(response.status_code)
                for key, value in response.headers.multi_items():
                    if key.lower() not in _HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # query strings may carry cursors; keep test output quiet

        return Handler
