"""Schemathesis against the search API on the national read model: every
answer to generated valid and invalid requests has a documented status, and
its headers and body match the OpenAPI document; no request gives a 5xx;
invalid requests are refused; a 405 names the allowed methods.

Bounded (MAX_EXAMPLES per operation and mode, DEADLINE per request,
derandomised, so every run sends the same requests): about 10 s.

Two operations refuse some schema-valid requests by design, with their
documented 422: /v1/geocode when q names no place, and /v1/search when it has
neither lat and lon nor q, or lat without lon (OpenAPI cannot state that one
parameter needs another), a q that names no place, or a cursor this service
did not give out. For those two, a 422 to a valid request is accepted when it
is exactly such a refusal, and for no other reason.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

MAX_EXAMPLES = 25
DEADLINE = timedelta(seconds=5)
SEMANTIC_REFUSALS = {"/v1/geocode", "/v1/search"}
POINT_RULES = {"give lat and lon, or q", "lat and lon go together"}


@pytest.fixture(scope="module")
def schema(
    national_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Any:
    # Hypothesis would otherwise keep its cache in ./.hypothesis.
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    from search.app import create_app
    from search.bootstrap import context
    from search.config import load_settings

    app = create_app(
        load_settings(
            {
                "DATABASE_URL": national_url,
                "DATA_DIR": str(tmp_path_factory.mktemp("data")),
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "REDIS_URL": redis_url,
                "LOG_LEVEL": "ERROR",
            }
        )
    )
    yield schemathesis.openapi.from_wsgi("/openapi.json", app)
    context(app).close()
    set_hypothesis_home_dir(None)


def _only_documented_refusals(ctx: Any, response: Any, case: Any) -> None:
    """A valid request to geocode or search may be refused only because q
    names no place, or the point is incomplete."""
    if response.status_code != 422:
        return
    body = response.json()
    errors = body.get("errors")
    if errors is None:
        assert "suggestions" in body, body  # a geocoding refusal
        return
    assert set(errors) == {"query"}, body
    for parameter, reasons in errors["query"].items():
        if parameter == "cursor":  # not one this service gave out: no schema can say so
            assert all(reason.startswith("The cursor") for reason in reasons), body
        else:
            assert set(reasons) <= POINT_RULES, body


def _operations() -> list[Any]:
    import json

    from search.testing.events import SERVICE_ROOT

    document = json.loads((SERVICE_ROOT / "openapi.json").read_text())
    return [
        pytest.param(method.upper(), path, id=f"{method.upper()} {path}")
        for path, item in sorted(document["paths"].items())
        for method in sorted(item)
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _fuzz(operation: Any, mode: GenerationMode, path: str) -> str | None:
    semantic = path in SEMANTIC_REFUSALS and mode == GenerationMode.POSITIVE

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=DEADLINE,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if semantic:
            case.call_and_validate(
                excluded_checks=[positive_data_acceptance],
                additional_checks=[_only_documented_refusals],
            )
        else:
            case.call_and_validate()

    try:
        run()
    except Unsatisfiable:
        return None  # nothing to make invalid: no parameters
    except (Exception, BaseExceptionGroup) as exc:
        return f"--- {mode.value} requests:\n{exc}"
    return None


@pytest.mark.parametrize(("method", "path"), _operations())
def test_api(schema: Any, method: str, path: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    operation = schema[path][method]
    failures = [f for mode in GenerationMode if (f := _fuzz(operation, mode, path))]
    if failures:
        pytest.fail(f"{method} {path}:\n" + "\n".join(failures), pytrace=False)
