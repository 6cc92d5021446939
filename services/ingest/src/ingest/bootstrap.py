"""Builds the ingest service's context from its settings (one place for every
entrypoint: HTTP, worker, CLI)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from dagkit.db import engine_from_settings, make_session_factory
from ingest.config import SERVICE
from ingest.domain.reference import ReferenceData
from ingest.service_layer.importing import IngestContext


def build_context(settings: Mapping[str, Any], engine: Engine | None = None) -> IngestContext:
    engine = engine or engine_from_settings(SERVICE, settings)
    return IngestContext(
        session_factory=make_session_factory(engine),
        reference=ReferenceData.load(Path(settings["reference_dir"])),
        work_dir=Path(settings["work_dir"]),
        max_upload_bytes=settings["max_upload_bytes"],
        max_closure_pct=settings["max_closure_pct"],
        keep_files_days=settings["keep_files_days"],
        keep_replaced_files_days=settings["keep_replaced_files_days"],
        pause_before_commit_seconds=settings["pause_before_commit_seconds"],
    )
