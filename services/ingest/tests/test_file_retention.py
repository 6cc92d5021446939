"""Uploaded files are kept for their retention, then purged; the imports and
their reports stay."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from ingest.adapters.orm import imports, stored_file_chunks, stored_files
from ingest.domain.imports import ImportRun, ImportStatus
from ingest.entrypoints.worker import Worker
from ingest.service_layer import drop_folder, importing, retention
from ingest.service_layer.context import IngestContext
from ingest.testing.drops import drop_one
from ingest.testing.helpers import REGISTER, count, engine_of, register_rows, write_register

Run = Callable[..., ImportRun]
FIXTURES = Path(__file__).parent / "fixtures"


def kept(ctx: IngestContext) -> dict[str, bool]:
    """Filename of each import -> whether its file is still stored."""
    with engine_of(ctx).connect() as conn:
        rows = conn.execute(select(imports.c.filename, imports.c.stored_file_id))
        return {name: file_id is not None for name, file_id in rows}


def queued(ctx: IngestContext, path: Path) -> str:
    with path.open("rb") as stream:
        run = importing.queue_upload(
            ctx, stream, filename=path.name, channel="cli", requested_by="t"
        )
    return run.id


def test_each_file_is_kept_for_its_retention_and_reports_stay(
    ctx: IngestContext, run_import: Run, tmp_path: Path, app: Flask, auth_header: dict[str, str]
) -> None:
    rows = register_rows()
    assert run_import(write_register(tmp_path / "v1.csv", rows)).status is ImportStatus.ACCEPTED
    rejected = run_import(FIXTURES / "broken_duplicate_numbers.csv")
    assert rejected.status is ImportStatus.REJECTED
    assert run_import(write_register(tmp_path / "again.csv", rows)).status is ImportStatus.DUPLICATE
    rows[0]["navn"] += " (ny)"
    dry = run_import(write_register(tmp_path / "dry.csv", rows), dry_run=True)
    assert dry.status is ImportStatus.ACCEPTED
    failed_id = queued(ctx, write_register(tmp_path / "failed.csv", rows[:10]))
    with ctx.uow() as uow:  # as the worker records a crash
        uow.imports.mark_failed(failed_id, datetime.now(UTC))
        uow.commit()
    assert run_import(write_register(tmp_path / "v2.csv", rows)).status is ImportStatus.ACCEPTED
    queued(ctx, write_register(tmp_path / "queued.csv", rows[:10]))
    all_kept = {
        "v1.csv": True,
        "broken_duplicate_numbers.csv": True,
        "again.csv": True,
        "dry.csv": True,
        "failed.csv": True,
        "v2.csv": True,
        "queued.csv": True,
    }
    now = datetime.now(UTC)

    assert retention.purge_files(ctx, now + timedelta(days=29)).files == 0
    assert kept(ctx) == all_kept

    purged = retention.purge_files(ctx, now + timedelta(days=31))
    assert purged.files == 4
    assert purged.bytes > 0
    not_applied = ("broken_duplicate_numbers.csv", "again.csv", "dry.csv", "failed.csv")
    assert kept(ctx) == {**all_kept, **dict.fromkeys(not_applied, False)}

    # v1 was replaced by v2 just now: kept a year from then; v2 is current.
    assert retention.purge_files(ctx, now + timedelta(days=364)).files == 0
    assert retention.purge_files(ctx, now + timedelta(days=366)).files == 1
    assert kept(ctx) == {
        **all_kept,
        **dict.fromkeys(not_applied, False),
        "v1.csv": False,
    }
    assert retention.purge_files(ctx, now + timedelta(days=5000)).files == 0
    assert count(ctx, stored_files) == 2
    with engine_of(ctx).connect() as conn:
        chunk_files = set(conn.execute(select(stored_file_chunks.c.file_id)).scalars())
        live = set(conn.execute(select(imports.c.stored_file_id)).scalars()) - {None}
    assert chunk_files == live

    # The record and its report stay, and say when the file went.
    answer = app.test_client().get(f"/v1/imports/{rejected.id}", headers=auth_header)
    body = answer.get_json()
    assert body["status"] == ImportStatus.REJECTED
    assert body["report"] == rejected.report
    assert datetime.fromisoformat(body["file_purged_at"]) > now
    assert count(ctx, imports) == 7


def test_a_statistics_file_is_kept_while_a_current_figure_came_from_it(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    def statistics(name: str, *rows: str) -> Path:
        path = tmp_path / name
        path.write_text("kommunekode;aar;normering_0_2\n" + "".join(rows), encoding="utf-8")
        return path

    # s1 sets two figures, s2 overwrites one of them, s3 the other; s4 is newest.
    for name, rows in (
        ("s1.csv", ("101;2022;3,1\n", "147;2022;2,9\n")),
        ("s2.csv", ("101;2022;3,2\n",)),
        ("s3.csv", ("147;2022;3,0\n",)),
        ("s4.csv", ("751;2022;3,0\n",)),
    ):
        assert run_import(statistics(name, *rows)).status is ImportStatus.ACCEPTED
    now = datetime.now(UTC)
    later = now + timedelta(days=5000)
    # s1's figures were all replaced (by s3 at the latest); s2 and s3 still hold
    # a current figure each, and s4 is the newest.
    assert retention.purge_files(ctx, now + timedelta(days=364)).files == 0
    assert retention.purge_files(ctx, later).files == 1
    assert kept(ctx) == {"s1.csv": False, "s2.csv": True, "s3.csv": True, "s4.csv": True}


def test_a_file_stored_but_never_queued_goes_after_a_day(ctx: IngestContext) -> None:
    importing.store_upload(ctx, io.BytesIO(b"kommunekode;aar\n"))
    now = datetime.now(UTC)
    assert retention.purge_files(ctx, now + timedelta(hours=23)).files == 0
    assert retention.purge_files(ctx, now + timedelta(hours=25)).files == 1
    assert count(ctx, stored_files) == 0


def test_the_worker_purges_and_removes_the_drop_folder_copy(
    ctx: IngestContext, tmp_path: Path
) -> None:
    drop, _ = drop_one(
        tmp_path, "broken.csv", (FIXTURES / "broken_duplicate_numbers.csv").read_bytes()
    )
    for path in drop_folder.ready_files(drop, now=time.time() + 60):
        drop_folder.import_dropped(ctx, drop, path)
    assert (drop / "rejected" / "broken.csv").exists()

    Worker(ctx, drop).run_once()  # 30 days have not passed
    assert (drop / "rejected" / "broken.csv").exists()
    assert count(ctx, stored_files) == 1

    Worker(dataclasses.replace(ctx, keep_files_days=0), drop).run_once()
    assert count(ctx, stored_files) == 0
    assert not (drop / "rejected" / "broken.csv").exists()
    report = json.loads((drop / "rejected" / "broken.csv.report.json").read_text())
    assert report["status"] == ImportStatus.REJECTED
    assert count(ctx, imports) == 1


def test_the_cli_purges(
    ctx: IngestContext, run_import: Run, pg_database: str, tmp_path: Path, kafka_bootstrap: str
) -> None:
    run_import(REGISTER)
    run_import(FIXTURES / "broken_duplicate_numbers.csv")
    env = {
        **os.environ,
        "DATABASE_URL": pg_database,
        "DATA_DIR": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "LOG_LEVEL": "WARNING",
        "INGEST_KEEP_FILES_DAYS": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "ingest.entrypoints.cli", "purge-files"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("purged 1 files (")
    assert kept(ctx) == {REGISTER.name: True, "broken_duplicate_numbers.csv": False}
