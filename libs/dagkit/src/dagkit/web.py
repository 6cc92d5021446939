"""The HTTP mechanics every service's app factory starts from: JSON logs with
correlation ids, request metrics, /healthz, /readyz and /metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dagkit.health import Check
from dagkit.logging import new_correlation_id, set_correlation_id
from dagkit.metrics import HTTP_REQUEST_SECONDS

log = logging.getLogger(__name__)
CORRELATION_HEADER = "X-Correlation-ID"


def create_service_app(
    service: str, checks: Mapping[str, Check], import_name: str | None = None
) -> Flask:
    app = Flask(import_name or service)
    app.config["SERVICE_NAME"] = service
    app.extensions["dagkit.readiness_checks"] = dict(checks)

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get(CORRELATION_HEADER, "")
        # Only accept a sane id from outside; never echo arbitrary input into logs.
        cid = incoming if 0 < len(incoming) <= 100 and incoming.isprintable() else None
        g.correlation_id = cid or new_correlation_id()
        g.correlation_token = set_correlation_id(g.correlation_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        started = g.get("started")
        if started is not None:
            HTTP_REQUEST_SECONDS.labels(
                service, request.method, request.url_rule.rule if request.url_rule else "unmatched",
                str(response.status_code),
            ).observe(time.perf_counter() - started)
        return response

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", service=service)

    @app.get("/readyz")
    def readyz() -> Any:
        results: dict[str, str] = {}
        ready = True
        for name, check in app.extensions["dagkit.readiness_checks"].items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:
                ready = False
                results[name] = f"unavailable: {type(exc).__name__}"
                log.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
        body = jsonify(status="ready" if ready else "not ready", service=service, checks=results)
        return body, (200 if ready else 503)

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    return app
