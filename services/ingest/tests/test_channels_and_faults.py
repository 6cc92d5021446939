"""The CLI and the drop folder, an import killed half-way, and what reaches Kafka."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from dagkit.relay import OutboxRelay, relay_producer
from dagkit.testing import end_offsets, expect_events
from ingest.adapters.orm import dataset_versions, institutions, kit_tables
from ingest.domain.imports import ImportRun, ImportStatus
from ingest.service_layer import drop_folder
from ingest.service_layer.context import IngestContext
from ingest.testing.drops import drop_one
from ingest.testing.helpers import REGISTER, count, engine_of, outbox, register_rows, write_register

Run = Callable[..., ImportRun]


def cli(settings_env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ingest.entrypoints.cli", "import", "--quiet", *args],
        env={**os.environ, **settings_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def env(
    pg_database: str, tmp_path: Path, kafka_bootstrap: str, ingest_settings: dict[str, Any]
) -> dict[str, str]:
    return {
        "DATABASE_URL": pg_database,
        "DATA_DIR": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "LOG_LEVEL": "WARNING",
    }


def test_cli_imports_and_reports_with_exit_status(env: dict[str, str], tmp_path: Path) -> None:
    ok = cli(env, str(REGISTER))
    out, _ = ok.communicate(timeout=120)
    assert ok.returncode == 0, out
    assert ImportStatus.ACCEPTED in out
    rows = register_rows()
    rows[3]["kommunekode"] = "999"
    bad = cli(env, str(write_register(tmp_path / "bad.csv", rows)))
    out, _ = bad.communicate(timeout=120)
    assert bad.returncode == 1
    assert "row 5, column kommunekode = '999'" in out


@pytest.mark.slow
def test_an_import_killed_half_way_leaves_the_previous_version_and_can_be_retried(
    ctx: IngestContext, run_import: Run, env: dict[str, str], tmp_path: Path
) -> None:
    first = run_import(REGISTER)
    events_before = len(outbox(ctx))
    rows = register_rows()
    for row in rows[:500]:
        row["navn"] += " (omdøbt)"
    changed = write_register(tmp_path / "v2.csv", rows)

    # Killed while applying: the transaction holds every change and event.
    proc = cli({**env, "INGEST_FAULT_PAUSE_BEFORE_COMMIT_SECONDS": "30"}, str(changed))
    deadline = time.monotonic() + 60
    while not _holding_open_transaction(ctx):
        assert time.monotonic() < deadline, "the import never reached its commit"
        assert proc.poll() is None, proc.communicate()[0]
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)

    assert len(outbox(ctx)) == events_before
    assert count(ctx, dataset_versions) == 1
    with engine_of(ctx).connect() as conn:
        names = {r.payload["name"] for r in conn.execute(select(institutions.c.payload))}
    assert not any(name.endswith("(omdøbt)") for name in names)

    # Retrying succeeds and publishes exactly the 500 changes.
    retry = cli(env, str(changed))
    out, _ = retry.communicate(timeout=120)
    assert retry.returncode == 0, out
    assert len(outbox(ctx)) == events_before + 500
    assert first.status is ImportStatus.ACCEPTED


def _holding_open_transaction(ctx: IngestContext) -> bool:
    """The CLI sits inside its applying transaction (state, events, status written)."""
    with engine_of(ctx).connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'idle in transaction' AND pid <> pg_backend_pid() "
                "AND now() - xact_start > interval '1 second'"
            )
        ).scalar_one()
    return bool(waiting)


def test_drop_folder_files_move_to_done_or_rejected_with_a_report(
    ctx: IngestContext, tmp_path: Path
) -> None:
    drop, good = drop_one(tmp_path, "enheder.csv", REGISTER.read_bytes())
    rows = register_rows()
    rows[0]["id"] = "bad id"
    bad = write_register(drop / "incoming" / "broken.csv", rows)
    assert drop_folder.ready_files(drop) == []  # still settling
    later = time.time() + drop_folder.SETTLE_SECONDS + 1
    for path in drop_folder.ready_files(drop, now=later):
        drop_folder.import_dropped(ctx, drop, path)
    assert not good.exists()
    assert not bad.exists()
    done = json.loads((drop / "done" / "enheder.csv.report.json").read_text())
    assert done["status"] == ImportStatus.ACCEPTED
    assert (drop / "done" / "enheder.csv").exists()
    rejected = json.loads((drop / "rejected" / "broken.csv.report.json").read_text())
    assert rejected["status"] == ImportStatus.REJECTED
    assert rejected["report"]["problems"][0]["code"] == "bad_institution_number"
    assert count(ctx, institutions) == 4611


def test_accepted_imports_reach_kafka_through_the_relay(
    ctx: IngestContext, run_import: Run, kafka_bootstrap: str, tmp_path: Path
) -> None:
    rows = register_rows()[:50]
    # The topic is shared with every other run on this broker: read only what
    # comes after this point.
    start = end_offsets(kafka_bootstrap, "ingest.institutions.v1")
    run = run_import(write_register(tmp_path / "small.csv", rows))
    relay = OutboxRelay(
        engine_of(ctx),
        kit_tables.outbox,
        relay_producer(kafka_bootstrap, "ingest-test"),
        service="ingest",
    )
    assert relay.publish_batch() == 50
    relay.producer.close()
    received = expect_events(
        kafka_bootstrap,
        "ingest.institutions.v1",
        50,
        where=lambda e: e.correlationid == run.correlation_id,
        settle_seconds=0.5,
        start=start,
    )
    assert {r.key for r in received} == {row["id"] for row in rows}
