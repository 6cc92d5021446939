"""/healthz, /readyz and /metrics for processes without a web app of their
own (consumers, relays), on their METRICS_PORT.

/readyz answers 503 while the process waits out a database or broker outage,
so the platform routes nothing to it and an operator sees why; /healthz stays
200 because the process is alive and will carry on by itself.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

# Returns (ready, reason) for /readyz.
Readiness = Callable[[], tuple[bool, str | None]]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds are not worth a log line."""


def worker_app(service: str, readiness: Readiness) -> Callable[..., Iterable[bytes]]:
    metrics = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _json(start_response, 200, {"status": "ok", "service": service})
        if path == "/readyz":
            ready, reason = readiness()
            body: dict[str, Any] = {"status": "ready" if ready else "not ready", "service": service}
            if reason:
                body["reason"] = reason
            return _json(start_response, 200 if ready else 503, body)
        return metrics(environ, start_response)  # type: ignore[no-any-return]

    return app


def _json(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    payload = json.dumps(body).encode()
    reason = "OK" if status == 200 else "Service Unavailable"
    start_response(
        f"{status} {reason}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def serve_worker_endpoints(
    port: int | None, addr: object, service: str, readiness: Readiness
) -> WSGIServer | None:
    """Serve the endpoints in a daemon thread; nothing when no port is set."""
    if not port:
        return None
    server = make_server(
        str(addr), port, worker_app(service, readiness), _ThreadingServer, _QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="worker-http", daemon=True).start()
    return server
