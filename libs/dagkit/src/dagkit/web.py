"""The HTTP mechanics every service's app factory starts from: JSON logs with
correlation ids, request metrics, an OpenAPI document generated from code, and
/healthz, /readyz and /metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from dagkit.context import DatabaseContext
from dagkit.faults import TRANSIENT_TYPES
from dagkit.health import Check, database_check, kafka_check
from dagkit.logging import configure_logging, new_correlation_id, set_correlation_id
from dagkit.metrics import HTTP_REQUEST_SECONDS

log = logging.getLogger(__name__)
CORRELATION_HEADER = "X-Correlation-ID"
CONTEXT_KEY = "dagkit.context"
T = TypeVar("T")


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})
    service = fields.String(required=True)


class ReadinessSchema(HealthSchema):
    checks = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "each dependency and whether it answers"},
    )


operations = Blueprint(
    "operations", __name__, description="Liveness, readiness and metrics for the platform"
)


@operations.route("/healthz")
class Liveness(MethodView):
    @operations.response(200, HealthSchema)  # type: ignore[untyped-decorator]
    def get(self) -> dict[str, str]:
        """The process is alive (it does not look at its dependencies)."""
        from flask import current_app

        return {"status": "ok", "service": current_app.config["SERVICE_NAME"]}


@operations.route("/readyz")
class Readiness(MethodView):
    @operations.response(200, ReadinessSchema)  # type: ignore[untyped-decorator]
    @operations.alt_response(  # type: ignore[untyped-decorator]
        503, schema=ReadinessSchema, description="A dependency is down"
    )
    def get(self) -> tuple[dict[str, Any], int]:
        """Every dependency the service needs (database, Kafka, Redis) answers."""
        from flask import current_app

        results: dict[str, str] = {}
        ready = True
        for name, check in current_app.extensions["dagkit.readiness_checks"].items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:
                ready = False
                results[name] = f"unavailable: {type(exc).__name__}"
                log.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
        body = {
            "status": "ready" if ready else "not ready",
            "service": current_app.config["SERVICE_NAME"],
            "checks": results,
        }
        return body, (200 if ready else 503)


def create_service_app(
    service: str,
    checks: Mapping[str, Check],
    *,
    title: str,
    version: str = "1.0.0",
    description: str = "",
    import_name: str | None = None,
    error_keys: Sequence[str] = (),
) -> tuple[Flask, Api]:
    """A Flask app with the platform's mechanics; the service adds its blueprints
    to the returned ``Api`` so they land in its OpenAPI document."""
    app = Flask(import_name or service)
    app.config.update(
        SERVICE_NAME=service,
        API_TITLE=title,
        API_VERSION=version,
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"info": {"description": description}},
        JSON_SORT_KEYS=False,
    )
    app.extensions["dagkit.readiness_checks"] = dict(checks)

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get(CORRELATION_HEADER, "")
        # Only accept a sane id from outside; never carry arbitrary input into logs.
        ok = 0 < len(incoming) <= 100 and incoming.replace("-", "").isalnum()
        g.correlation_id = incoming if ok else new_correlation_id()
        set_correlation_id(g.correlation_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        started = g.get("started")
        if started is not None:
            rule = request.url_rule.rule if request.url_rule else "unmatched"
            HTTP_REQUEST_SECONDS.labels(
                service, request.method, rule, str(response.status_code)
            ).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    api = Api(app)
    api.register_blueprint(operations)
    app.register_error_handler(HTTPException, http_error_handler(api, error_keys))
    for kind in TRANSIENT_TYPES:
        app.register_error_handler(kind, _store_away)
    app.extensions["dagkit.api"] = api
    return app, api


# How long a caller is asked to wait when a store or the broker is away.
STORE_AWAY_RETRY_AFTER_S = 2


def _store_away(exc: Exception) -> Any:
    """A database or the broker away is no fault of the request: 503 with
    Retry-After, in the app's own error shape, so a client waits and tries
    again instead of reporting a server error. ``/readyz`` says not ready
    meanwhile."""
    log.warning("a store is away", extra={"error": type(exc).__name__, "path": request.path})
    return current_app.handle_http_exception(
        ServiceUnavailable(retry_after=STORE_AWAY_RETRY_AFTER_S)
    )


def create_database_app(
    service: str,
    settings: Mapping[str, Any],
    blueprints: Iterable[Blueprint],
    *,
    checks: Mapping[str, Check] | None = None,
    **options: Any,
) -> Flask:
    """The app of a service whose views need only its settings and database
    (a ``DatabaseContext``): ready once the database and Kafka, which its relay
    publishes to, answer, and every one of ``checks``. ``options`` are
    ``create_service_app``'s (title, description, ...)."""
    configure_logging(service, settings["log_level"])
    context = DatabaseContext.from_settings(service, settings)
    readiness = {
        "database": database_check(context.engine),
        "kafka": kafka_check(settings["kafka_bootstrap_servers"]),
        **(checks or {}),
    }
    app, api = create_service_app(service, readiness, **options)
    install_context(app, context)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app


def http_error_handler(
    api: Api, extra_keys: Sequence[str] = ()
) -> Callable[[HTTPException], tuple[dict[str, Any], int, Headers]]:
    """flask-smorest's JSON error answer, keeping the headers HTTP asks for
    (``Allow`` on 405, ``WWW-Authenticate`` on 401), which it drops, and the
    ``extra_keys`` an abort() carried (e.g. a message in Danish)."""

    def handle(error: HTTPException) -> tuple[dict[str, Any], int, Headers]:
        payload, code, headers = api.handle_http_exception(error)
        data = getattr(error, "data", None) or {}
        payload.update({key: data[key] for key in extra_keys if key in data})
        merged = Headers([(k, v) for k, v in error.get_headers() if k.lower() != "content-type"])
        for key, value in (headers or {}).items():
            merged[key] = value
        return payload, code, merged

    return handle


def install_context(app: Flask, context: object) -> None:
    """Hand the app what its service's bootstrap composed (one object, the
    service's context); views reach it through ``current_context``."""
    app.extensions[CONTEXT_KEY] = context


def current_context(kind: type[T], app: Flask | None = None) -> T:
    """The context of the current app (or ``app``), typed. Each service wraps
    this once, as ``bootstrap.context()``."""
    value = (app or current_app).extensions[CONTEXT_KEY]
    if not isinstance(value, kind):
        raise TypeError(f"the app's context is a {type(value).__name__}, not a {kind.__name__}")
    return value


def close_context(app: Flask) -> None:
    """Release what the app's context holds (engine, clients): its ``close()``,
    where it has one. For tests and tools that build many apps."""
    close = getattr(app.extensions.get(CONTEXT_KEY), "close", None)
    if close is not None:
        close()


def openapi_document(api: Api) -> dict[str, Any]:
    spec: dict[str, Any] = api.spec.to_dict()
    return spec
