"""Schemathesis against every service's HTTP API, in process (WSGI, no server).

For each operation in the OpenAPI document the app serves, Schemathesis
generates valid and invalid requests and runs all its checks on the answers:
no 5xx, the status code, content type, headers and body documented, invalid
input refused with 4xx, valid input not refused. Each operation is its own
test (``test_api[search GET /v1/search]``), listed from the committed
services/*/openapi.json, and each failure says what was sent and a curl line
that repeats it. (Schemathesis' own pytest integration, from_fixture, does
not run on pytest 9.2, so the operations are driven here with its public
strategy and check API.)

The run is bounded: MAX_EXAMPLES per operation and generation mode,
DEADLINE per request, derandomised so every run sends the same requests.
Apps run on real PostgreSQL, Kafka and Redis; ingest with an upload token.
Search has its own schemathesis suite on the national read model
(services/search/tests/test_api_schemathesis.py).
"""

from __future__ import annotations

import atexit
import json
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, assume, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from dagkit.migrations import upgrade
from dagkit.testing.tokens import TokenMint
from dagkit.tokens import install_token_verifier
from dagkit.web import close_context
from tests.tools.services import SERVICES, ServiceInfo

MAX_EXAMPLES = 100
DEADLINE = timedelta(seconds=5)
# auth's keys for the fuzzed ingest app, which verifies the tokens it is sent with it.
MINT = TokenMint()
# Sent with every request: ingest's imports need a dst or admin token; auth
# refuses it (not its signature), the others ignore it. Good for longer than a
# run takes.
HEADERS = {"Authorization": f"Bearer {MINT.access_token(role='dst', expires_in=24 * 3600)}"}
BY_NAME = {s.name: s for s in SERVICES}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
# Hypothesis keeps caches in ./.hypothesis otherwise, a folder pytest (with this
# repository's norecursedirs) then refuses to collect around. Set again before
# every run (_fuzz), since another module may have put the setting back.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)


@pytest.fixture
def make_app(
    postgres_url: str,
    kafka_bootstrap: str,
    redis_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> Iterator[Callable[[ServiceInfo, str | None], Flask]]:
    caplog.set_level(logging.CRITICAL, logger="kafka")
    apps: list[Flask] = []

    def make(service: ServiceInfo, database_url: str | None) -> Flask:
        env = {
            "DATA_DIR": str(tmp_path),
            "LOG_LEVEL": "ERROR",
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "REDIS_URL": redis_url,
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        app: Flask = service.create_app(env)
        if service.name in ("ingest", "profiles"):  # verify auth's tokens: here, the mint's
            install_token_verifier(app, MINT.verifier())
        apps.append(app)
        return app

    yield make
    for app in apps:
        close_context(app)


def _operations() -> list[Any]:
    """(service, method, path) of every operation in the committed documents,
    which test_openapi_document_is_generated_and_committed keeps equal to the
    served ones."""
    slow = {"ingest"}
    params = []
    for service in SERVICES:
        if service.name == "search":
            # Search runs its own schemathesis suite
            # (services/search/tests/test_api_schemathesis.py), which also knows
            # the two refusals of schema-valid requests its API makes by design.
            continue
        document = json.loads(service.openapi_path.read_text())
        for path, item in sorted(document["paths"].items()):
            for method in sorted(m for m in item if m in METHODS):
                params.append(
                    pytest.param(
                        service.name,
                        method.upper(),
                        path,
                        id=f"{service.name} {method.upper()} {path}",
                        marks=[pytest.mark.slow] if service.name in slow else [],
                    )
                )
    return params


def _schema_for(request: pytest.FixtureRequest, service: ServiceInfo) -> Any:
    make_app = request.getfixturevalue("make_app")
    database_url: str | None = None
    if service.has_database:
        database_url = request.getfixturevalue("pg_database")
        upgrade(service.root, database_url)
    return schemathesis.openapi.from_wsgi("/openapi.json", make_app(service, database_url))


def _sends_an_empty_form_field(case: schemathesis.Case[Any]) -> bool:
    form = case.media_type in ("multipart/form-data", "application/x-www-form-urlencoded")
    return form and isinstance(case.body, dict) and any(v == [] for v in case.body.values())


def _fuzz(operation: Any, mode: GenerationMode) -> str | None:
    """Runs one generation mode against one operation; what failed, or None."""
    set_hypothesis_home_dir(_HYPOTHESIS_HOME)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=DEADLINE,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case[Any]) -> None:
        # A form field whose generated value is an empty list goes out as no
        # field at all: on the wire that is a valid request, not an invalid one.
        assume(not _sends_an_empty_form_field(case))
        case.call_and_validate(headers=HEADERS)

    try:
        run()
    except Unsatisfiable:
        return None  # nothing to make invalid: no parameters, no body
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis' FailureGroup is the latter
        return f"--- {mode.value} requests:\n{exc}"
    return None


@pytest.mark.parametrize(("service_name", "method", "path"), _operations())
def test_api(request: pytest.FixtureRequest, service_name: str, method: str, path: str) -> None:
    schema = _schema_for(request, BY_NAME[service_name])
    operation = schema[path][method]
    failures = [f for mode in GenerationMode if (f := _fuzz(operation, mode))]
    if failures:
        pytest.fail(f"{method} {path}:\n" + "\n".join(failures), pytrace=False)
