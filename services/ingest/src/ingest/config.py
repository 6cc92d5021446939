"""The ingest service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import fields, validate

from dagkit.config import BaseSettingsSchema, load_settings_or_exit

SERVICE = "ingest"
PORT = 8001
# The repository's data/ (reference data the checks need), beside services/.
DEFAULT_REFERENCE_DIR = str(Path(__file__).resolve().parents[4] / "data")


class IngestSettingsSchema(BaseSettingsSchema):
    max_upload_bytes = fields.Integer(
        data_key="INGEST_MAX_UPLOAD_BYTES",
        load_default=50 * 1024 * 1024,
        validate=validate.Range(min=1024),
    )
    upload_token = fields.String(
        data_key="INGEST_UPLOAD_TOKEN",
        load_default=None,
        validate=validate.Length(min=32, error="must be at least 32 characters"),
        metadata={"description": "Bearer token for DST uploads until the auth service issues them"},
    )
    work_dir = fields.String(data_key="INGEST_WORK_DIR", load_default=None)
    drop_dir = fields.String(data_key="INGEST_DROP_DIR", load_default=None)
    reference_dir = fields.String(data_key="REFERENCE_DATA_DIR", load_default=DEFAULT_REFERENCE_DIR)
    max_closure_pct = fields.Float(
        data_key="INGEST_MAX_CLOSURE_PCT",
        load_default=5.0,
        validate=validate.Range(min=0, max=100),
        metadata={
            "description": "A register import that closes more than this share of the active "
            "institutions needs the uploader's confirmation"
        },
    )
    keep_files_days = fields.Integer(
        data_key="INGEST_KEEP_FILES_DAYS",
        load_default=30,
        validate=validate.Range(min=0, max=3650),
        metadata={"description": "Files of rejected, duplicate and failed imports and dry runs"},
    )
    keep_replaced_files_days = fields.Integer(
        data_key="INGEST_KEEP_REPLACED_FILES_DAYS",
        load_default=365,
        validate=validate.Range(min=0, max=3650),
        metadata={
            "description": "Files of accepted imports, counted from when a newer dataset "
            "version of the same kind replaced theirs"
        },
    )
    pause_before_commit_seconds = fields.Float(
        data_key="INGEST_FAULT_PAUSE_BEFORE_COMMIT_SECONDS",
        load_default=0.0,
        validate=validate.Range(min=0, max=600),
    )


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    settings = load_settings_or_exit(IngestSettingsSchema(), environ)
    data_dir = Path(settings["data_dir"])
    settings["work_dir"] = settings["work_dir"] or str(data_dir / "ingest-work")
    settings["drop_dir"] = settings["drop_dir"] or str(data_dir / "ingest-drop")
    return settings
