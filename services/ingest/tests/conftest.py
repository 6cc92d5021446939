from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis.configuration import set_hypothesis_home_dir

from dagkit.migrations import upgrade
from dagkit.testing.tokens import TokenMint
from ingest.app import create_app
from ingest.bootstrap import build_context, context
from ingest.domain.imports import ImportRun
from ingest.service_layer import importing
from ingest.service_layer.context import IngestContext
from ingest.testing.helpers import SERVICE_ROOT, settings_for

# Hypothesis caches in ./.hypothesis by default, which the repository's
# norecursedirs makes the next pytest run fail on; keep it out of the tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "dagtilbud-ingest-hypothesis")


@pytest.fixture
def ingest_settings(pg_database: str, tmp_path: Path, kafka_bootstrap: str) -> dict[str, Any]:
    upgrade(SERVICE_ROOT, pg_database)
    return settings_for(pg_database, tmp_path, kafka_bootstrap)


@pytest.fixture
def ctx(ingest_settings: dict[str, Any]) -> Iterator[IngestContext]:
    built = build_context(ingest_settings)
    yield built
    built.close()


@pytest.fixture
def mint() -> TokenMint:
    """auth's signing keys for the test: the apps verify its tokens."""
    return TokenMint()


@pytest.fixture
def app(ingest_settings: dict[str, Any], mint: TokenMint) -> Iterator[Flask]:
    application = create_app(ingest_settings, verifier=mint.verifier())
    yield application
    context(application).close()


@pytest.fixture
def run_import(ctx: IngestContext) -> Callable[..., ImportRun]:
    def run(path: Path, *, dry_run: bool = False, kind: str | None = None) -> ImportRun:
        return importing.import_file(
            ctx, path, kind=kind, dry_run=dry_run, channel="cli", requested_by="test"
        )

    return run


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def auth_header(mint: TokenMint) -> dict[str, str]:
    """A dst account's access token."""
    return bearer(mint.access_token(sub="dst-uploader", role="dst"))
