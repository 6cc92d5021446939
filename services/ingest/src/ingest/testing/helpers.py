"""Settings, sample files and queries the ingest tests share."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from ingest.adapters.orm import institutions, kit_tables, statistics_figures
from ingest.config import load_settings
from ingest.domain.imports import ImportRun
from ingest.service_layer.context import IngestContext

# services/ingest: the package is installed editable, its tests sit beside src/.
SERVICE_ROOT = Path(__file__).resolve().parents[3]
REPO = SERVICE_ROOT.parents[1]
REFERENCE_DIR = REPO / "data"
REGISTER = REPO / "data" / "dagtilbud_enheder_dk.csv"
STATISTICS = REPO / "data" / "dagtilbud_kommune_statistik_2017_2023.csv"


def settings_for(database_url: str, tmp_path: Path, kafka: str, **extra: str) -> dict[str, Any]:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp_path),
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "LOG_LEVEL": "WARNING",
            **extra,
        }
    )


def engine_of(ctx: IngestContext) -> Engine:
    """The database of a context built on one (not on fakes)."""
    assert ctx.engine is not None, "a context on fakes has no database"
    return ctx.engine


def count(ctx: IngestContext, table: Any) -> int:
    with engine_of(ctx).connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def outbox(ctx: IngestContext) -> list[dict[str, Any]]:
    ob = kit_tables.outbox
    with engine_of(ctx).connect() as conn:
        rows = conn.execute(
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


def report_of(run: ImportRun) -> dict[str, Any]:
    """The report of an import that ended (a failed one has none)."""
    assert run.report is not None, f"import {run.id} has no report ({run.status})"
    return run.report
