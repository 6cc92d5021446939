"""Every service has the same shape: app factory, liveness, readiness on its
real dependencies, an OpenAPI document generated from code, an Alembic history
that matches its tables, and settings that fail loudly."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagkit.migrations import check, upgrade
from dagkit.web import close_context
from tests.tools.openapi import render
from tests.tools.services import ROOT, SERVICES, ServiceInfo

DB_SERVICES = [s for s in SERVICES if s.has_database]
ids = [s.name for s in SERVICES]


def environ_for(service: ServiceInfo, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {"DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING", **extra}
    return env


@pytest.mark.parametrize("service", SERVICES, ids=ids)
def test_openapi_document_is_generated_and_committed(service: ServiceInfo) -> None:
    committed = service.openapi_path.read_text()
    assert render(service) == committed, "run `make openapi` and commit the result"
    document = json.loads(committed)
    assert document["openapi"].startswith("3.1")
    assert {"/healthz", "/readyz"} <= set(document["paths"])


@pytest.mark.parametrize("service", DB_SERVICES, ids=[s.name for s in DB_SERVICES])
def test_migrations_build_exactly_the_tables_the_code_declares(
    service: ServiceInfo, pg_database: str
) -> None:
    upgrade(service.root, pg_database)
    check(service.root, pg_database)  # raises when models and history disagree


@pytest.mark.parametrize("service", SERVICES, ids=ids)
def test_ready_on_real_dependencies_and_not_ready_without_them(
    service: ServiceInfo,
    pg_database: str,
    kafka_bootstrap: str,
    redis_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Captured kafka-python records would keep its refused sockets alive.
    caplog.set_level(logging.CRITICAL, logger="kafka")
    env = environ_for(
        service, tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, REDIS_URL=redis_url
    )
    if service.has_database:
        upgrade(service.root, pg_database)
        env["DATABASE_URL"] = pg_database
    app = service.create_app(env)
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok", "service": service.name}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert set(ready.get_json()["checks"].values()) == {"ok"}

    close_context(app)

    broken = {**env, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "REDIS_URL": "redis://127.0.0.1:1/0"}
    if service.has_database:
        broken["DATABASE_URL"] = "postgresql+psycopg://nobody:wrong@127.0.0.1:1/none"
    # In a process of its own: kafka-python leaves some sockets of refused
    # connections to the garbage collector, whose ResourceWarning would fail
    # whichever later test the collector happened to run in.
    probe = (
        "import json, sys; from tests.tools.services import SERVICES; "
        f"s = next(s for s in SERVICES if s.name == {service.name!r}); "
        "r = s.create_app(json.loads(sys.argv[1])).test_client().get('/readyz'); "
        "print(json.dumps([r.status_code, r.get_json()]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    status, body = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 503
    assert all(v.startswith("unavailable") for v in body["checks"].values())


@pytest.mark.parametrize("service", DB_SERVICES, ids=[s.name for s in DB_SERVICES])
def test_migrate_entrypoint_creates_the_embedded_default(
    service: ServiceInfo, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", f"{service.name}.entrypoints.migrate"],
        env={**env, "DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / f"{service.name}.sqlite3").exists()
    check(service.root, f"sqlite:///{tmp_path / (service.name + '.sqlite3')}")


@pytest.mark.parametrize("service", DB_SERVICES, ids=[s.name for s in DB_SERVICES])
def test_a_bad_setting_stops_the_process_with_one_line(service: ServiceInfo) -> None:
    result = subprocess.run(
        [sys.executable, "-m", f"{service.name}.entrypoints.migrate"],
        env={"PATH": os.environ["PATH"], "DATABASE_URL": "mysql://root@db/x"},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DATABASE_URL must be a postgresql:// or sqlite:// URL"
    ]


@pytest.mark.parametrize("service", SERVICES, ids=ids)
def test_each_service_has_its_readme_and_dockerfile(service: ServiceInfo) -> None:
    readme = (service.root / "README.md").read_text()
    for heading in ("Owns", "Publishes", "Consumes", "Run it alone"):
        assert heading in readme
    dockerfile = (service.root / "Dockerfile").read_text()
    assert "USER 10001" in dockerfile
    assert f"{service.name}.entrypoints.wsgi:app" in dockerfile
