"""The composition root: builds the ingest service's context from its
settings (one place for every entrypoint: HTTP, worker, CLI) and hands views
the context of their app."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from dagkit.db import engine_from_settings, make_session_factory
from ingest.adapters.reference_files import load_reference
from ingest.config import SERVICE
from ingest.service_layer.context import IngestContext
from ingest.service_layer.unit_of_work import SqlIngestUnitOfWork

if TYPE_CHECKING:
    from flask import Flask

    from dagkit.tokens import TokenVerifier


def build_context(
    settings: Mapping[str, Any],
    engine: Engine | None = None,
    verifier: TokenVerifier | None = None,
) -> IngestContext:
    """``verifier``: what checks the access tokens of HTTP requests
    (``build_verifier``); the worker and the CLI serve no HTTP and go without."""
    engine = engine or engine_from_settings(SERVICE, settings)
    session_factory = make_session_factory(engine)
    return IngestContext(
        uow=lambda: SqlIngestUnitOfWork(session_factory),
        reference=load_reference(Path(settings["reference_dir"])),
        work_dir=Path(settings["work_dir"]),
        max_upload_bytes=settings["max_upload_bytes"],
        max_closure_pct=settings["max_closure_pct"],
        keep_files_days=settings["keep_files_days"],
        keep_replaced_files_days=settings["keep_replaced_files_days"],
        verifier=verifier,
        pause_before_commit_seconds=settings["pause_before_commit_seconds"],
        engine=engine,
    )


def build_verifier(settings: Mapping[str, Any]) -> TokenVerifier:
    """Verifies access tokens against auth's JWK Set (AUTH_JWKS_URL,
    AUTH_ISSUER, AUTH_AUDIENCE), fetched when the first token is verified."""
    # Imported here, as in context(): the worker and the CLI build a context
    # without the web stack.
    from dagkit.tokens import verifier_from_settings

    return verifier_from_settings(settings)


def context(app: Flask | None = None) -> IngestContext:
    """The context of the current app (or ``app``)."""
    # Imported here: the worker and the CLI build a context without the web stack.
    from dagkit.web import current_context

    return current_context(IngestContext, app)
