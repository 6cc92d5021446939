from __future__ import annotations

import json
import logging

import pytest

from dagkit.logging import configure_logging, correlation
from dagkit.web import create_service_app, openapi_document


def failing() -> None:
    raise ConnectionError("down")


def test_liveness_readiness_metrics_and_openapi() -> None:
    app, _api = create_service_app("demo", {"ok": lambda: None}, title="Demo")
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "service": "demo"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"ok": "ok"}
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'http_request_duration_seconds_count{endpoint="/readyz"' in metrics
    paths = openapi_document(_api)["paths"]
    assert {"/healthz", "/readyz"} <= set(paths)


def test_a_wrong_method_is_a_json_405_that_says_which_methods_there_are() -> None:
    # flask-smorest's error answer drops werkzeug's Allow header on its own.
    app, _ = create_service_app("demo", {}, title="Demo")
    response = app.test_client().post("/healthz")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    assert response.get_json()["code"] == 405


def test_readiness_fails_when_a_dependency_is_down() -> None:
    app, _ = create_service_app("demo", {"ok": lambda: None, "db": failing}, title="Demo")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {"ok": "ok", "db": "unavailable: ConnectionError"}


def test_correlation_id_is_echoed_or_made(capsys: pytest.CaptureFixture[str]) -> None:
    app, _ = create_service_app("demo", {}, title="Demo")
    client = app.test_client()
    given = client.get("/healthz", headers={"X-Correlation-ID": "abc-123"})
    assert given.headers["X-Correlation-ID"] == "abc-123"
    hostile = client.get("/healthz", headers={"X-Correlation-ID": 'x" forged="log line'})
    assert "forged" not in hostile.headers["X-Correlation-ID"]
    assert len(hostile.headers["X-Correlation-ID"]) == 36


def test_logs_are_json_lines_with_the_correlation_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("demo", "INFO")
    with correlation("corr-7"):
        logging.getLogger("demo.test").info("imported", extra={"rows": 12})
    line = capsys.readouterr().out.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "imported"
    assert record["correlation_id"] == "corr-7"
    assert record["service"] == "demo"
    assert record["rows"] == 12
    assert record["level"] == "INFO"
