"""A real HTTP server on 127.0.0.1 that replays recorded API responses, for fetcher tests.

Routes map a path (and optionally required query parameters) to a list of replies served in
order; the last reply repeats. Every request is recorded so tests can check what was asked and
that no secret travelled in a URL.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # bytes/str sent as is; anything else as JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (to trigger client timeouts)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    @property
    def url(self) -> str:
        return self.path + (
            "?" + urllib.parse.urlencode(self.query, doseq=True) if self.query else ""
        )


@dataclass
class _Route:
    path: str
    query: dict[str, str]
    replies: list[Reply]
    served: int = 0


class ReplayServer:
    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                server._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, *replies: Reply | Any, query: dict[str, str] | None = None) -> None:
        wrapped = [r if isinstance(r, Reply) else Reply(body=r) for r in replies]
        # More specific routes (more required parameters) are tried first.
        self._routes.append(_Route(path, query or {}, wrapped))
        self._routes.sort(key=lambda r: -len(r.query))

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        with self._lock:
            self.requests.append(
                Recorded(handler.command, parts.path, query, dict(handler.headers))
            )
            route = next(
                (
                    r
                    for r in self._routes
                    if r.path == parts.path
                    and all(query.get(k, [None])[0] == v for k, v in r.query.items())
                ),
                None,
            )
            if route is None:
                reply = Reply(404, {"error": f"no recorded reply for {parts.path}"})
            else:
                reply = route.replies[min(route.served, len(route.replies) - 1)]
                route.served += 1
        if reply.delay:
            time.sleep(reply.delay)
        body = reply.encoded()
        try:
            handler.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for k, v in headers.items():
                handler.send_header(k, v)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
