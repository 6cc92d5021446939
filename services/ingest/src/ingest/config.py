"""The ingest service's settings, read from the environment at start."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import fields, validate

from dagkit.config import BaseSettingsSchema, TokenSettingsSchema, load_settings_or_exit

SERVICE = "ingest"
PORT = 8001
# The repository's data/ (reference data the checks need), beside services/.
DEFAULT_REFERENCE_DIR = str(Path(__file__).resolve().parents[4] / "data")


# What a setting is for, where its name does not say (the settings' documentation).
_ABOUT = {
    "INGEST_MAX_CLOSURE_PCT": "A register import that closes more than this share of the "
    "active institutions needs the uploader's confirmation",
    "INGEST_KEEP_FILES_DAYS": "Files of rejected, duplicate and failed imports and dry runs",
    "INGEST_KEEP_REPLACED_FILES_DAYS": "Files of accepted imports, counted from when a newer "
    "dataset version of the same kind replaced theirs",
}


def _setting(
    field: type[fields.Field[Any]],
    variable: str,
    default: Any,
    valid: validate.Validator | None = None,
) -> fields.Field[Any]:
    """A setting read from ``variable``, with its default and its valid values."""
    metadata = {"description": _ABOUT[variable]} if variable in _ABOUT else {}
    return field(data_key=variable, load_default=default, validate=valid, metadata=metadata)


_DAYS = validate.Range(min=0, max=3650)


class IngestSettingsSchema(TokenSettingsSchema, BaseSettingsSchema):
    """AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE: how HTTP uploads' access
    tokens are verified (TokenSettingsSchema)."""

    max_upload_bytes = _setting(
        fields.Integer, "INGEST_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, validate.Range(min=1024)
    )
    work_dir = _setting(fields.String, "INGEST_WORK_DIR", None)
    drop_dir = _setting(fields.String, "INGEST_DROP_DIR", None)
    reference_dir = _setting(fields.String, "REFERENCE_DATA_DIR", DEFAULT_REFERENCE_DIR)
    max_closure_pct = _setting(fields.Float, "INGEST_MAX_CLOSURE_PCT", 5.0, validate.Range(0, 100))
    keep_files_days = _setting(fields.Integer, "INGEST_KEEP_FILES_DAYS", 30, _DAYS)
    keep_replaced_files_days = _setting(
        fields.Integer, "INGEST_KEEP_REPLACED_FILES_DAYS", 365, _DAYS
    )
    pause_before_commit_seconds = _setting(
        fields.Float, "INGEST_FAULT_PAUSE_BEFORE_COMMIT_SECONDS", 0.0, validate.Range(0, 600)
    )


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    settings = load_settings_or_exit(IngestSettingsSchema(), environ)
    data_dir = Path(settings["data_dir"])
    settings["work_dir"] = settings["work_dir"] or str(data_dir / "ingest-work")
    settings["drop_dir"] = settings["drop_dir"] or str(data_dir / "ingest-drop")
    return settings
