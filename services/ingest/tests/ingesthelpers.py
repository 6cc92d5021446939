"""Helpers for the ingest service's tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ingest.adapters.orm import imports, institutions, kit_tables, statistics_figures
from ingest.config import load_settings
from ingest.service_layer.importing import IngestContext

SERVICE_ROOT = Path(__file__).resolve().parents[1]
REPO = SERVICE_ROOT.parents[1]
REGISTER = REPO / "data" / "dagtilbud_enheder_dk.csv"
STATISTICS = REPO / "data" / "dagtilbud_kommune_statistik_2017_2023.csv"
UPLOAD_TOKEN = "test-upload-token-0123456789abcdef0123456789"


def settings_for(database_url: str, tmp_path: Path, kafka: str, **extra: str) -> dict[str, Any]:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp_path),
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "INGEST_UPLOAD_TOKEN": UPLOAD_TOKEN,
            "LOG_LEVEL": "WARNING",
            **extra,
        }
    )


def count(ctx: IngestContext, table: Any) -> int:
    with ctx.session_factory() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def outbox(ctx: IngestContext) -> list[dict[str, Any]]:
    ob = kit_tables.outbox
    with ctx.session_factory() as session:
        rows = session.execute(
            select(ob.c.topic, ob.c.message_key, ob.c.event_type, ob.c.payload).order_by(ob.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def nothing_stored(ctx: IngestContext) -> bool:
    """No register, no statistics, no events: a rejected file leaves no trace."""
    return (
        count(ctx, institutions) == 0
        and count(ctx, statistics_figures) == 0
        and count(ctx, kit_tables.outbox) == 0
    )


def register_rows() -> list[dict[str, str]]:
    with REGISTER.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_register(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


__all__ = ["imports"]
