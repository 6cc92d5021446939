from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis.configuration import set_hypothesis_home_dir

sys.path.insert(0, str(Path(__file__).parent))

from ingesthelpers import SERVICE_ROOT, UPLOAD_TOKEN, settings_for

from dagkit.migrations import upgrade
from ingest.app import create_app
from ingest.bootstrap import build_context
from ingest.service_layer import importing
from ingest.service_layer.importing import IngestContext

# Hypothesis caches in ./.hypothesis by default, which the repository's
# norecursedirs makes the next pytest run fail on; keep it out of the tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "dagtilbud-ingest-hypothesis")


@pytest.fixture
def ingest_settings(pg_database: str, tmp_path: Path, kafka_bootstrap: str) -> dict[str, Any]:
    upgrade(SERVICE_ROOT, pg_database)
    return settings_for(pg_database, tmp_path, kafka_bootstrap)


@pytest.fixture
def ctx(ingest_settings: dict[str, Any]) -> Iterator[IngestContext]:
    context = build_context(ingest_settings)
    yield context
    bind = context.session_factory.kw["bind"]
    bind.dispose()


@pytest.fixture
def app(ingest_settings: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(ingest_settings)
    yield application
    application.extensions["ingest.engine"].dispose()


@pytest.fixture
def run_import(ctx: IngestContext) -> Callable[..., dict[str, Any]]:
    def run(path: Path, *, dry_run: bool = False, kind: str | None = None) -> dict[str, Any]:
        import_id = importing.submit_file(
            ctx, path, kind=kind, dry_run=dry_run, channel="cli", requested_by="test"
        )
        return importing.process(ctx, import_id)

    return run


@pytest.fixture
def auth_header() -> dict[str, str]:
    return {"Authorization": f"Bearer {UPLOAD_TOKEN}"}
