"""How long uploaded files are kept, on the fakes: the same rules the SQL
test (tests/test_file_retention.py) checks on PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ingest.domain.imports import ImportStatus
from ingest.service_layer import importing, retention
from ingest.service_layer.context import IngestContext
from ingest.testing.fakes import FakeIngestUnitOfWork
from ingest.testing.helpers import write_register

TODAY = date(2026, 11, 30)
Fake = tuple[IngestContext, FakeIngestUnitOfWork]


def kept(uow: FakeIngestUnitOfWork) -> dict[str, bool]:
    return {r.filename: r.stored_file_id is not None for r in uow.tables.imports.values()}


def test_files_are_kept_for_their_retention(
    fake: Fake, tmp_path: Path, national_rows: list[dict[str, str]]
) -> None:
    ctx, uow = fake
    rows = [dict(row) for row in national_rows[:10]]

    def run(
        name: str, rows: list[dict[str, str]], *, dry_run: bool = False, confirm: int | None = None
    ) -> ImportStatus:
        path = write_register(tmp_path / name, rows)
        return importing.import_file(
            ctx,
            path,
            channel="cli",
            requested_by="test",
            today=TODAY,
            dry_run=dry_run,
            confirm_closures=confirm,
        ).status

    assert run("v1.csv", rows) is ImportStatus.ACCEPTED
    assert run("again.csv", rows) is ImportStatus.DUPLICATE
    assert run("dry.csv", rows[:9], dry_run=True) is ImportStatus.ACCEPTED
    assert run("v2.csv", rows[:9], confirm=1) is ImportStatus.ACCEPTED
    now = datetime.now(UTC)

    assert retention.purge_files(ctx, now + timedelta(days=29)).files == 0
    assert retention.purge_files(ctx, now + timedelta(days=31)).files == 2
    assert kept(uow) == {"v1.csv": True, "again.csv": False, "dry.csv": False, "v2.csv": True}
    assert retention.purged(ctx, list(uow.tables.imports)) == {
        r.id for r in uow.tables.imports.values() if r.filename in ("again.csv", "dry.csv")
    }
    # v1 was replaced by v2 just now: kept a year from then; v2 is current.
    assert retention.purge_files(ctx, now + timedelta(days=364)).files == 0
    assert retention.purge_files(ctx, now + timedelta(days=366)).files == 1
    assert kept(uow) == {"v1.csv": False, "again.csv": False, "dry.csv": False, "v2.csv": True}
    assert len(uow.tables.files) == 1


def test_a_file_stored_but_never_queued_goes_after_a_day(fake: Fake) -> None:
    ctx, uow = fake
    importing.store_upload(ctx, io.BytesIO(b"kommunekode;aar\n"))
    now = datetime.now(UTC)

    assert retention.purge_files(ctx, now + timedelta(hours=23)).files == 0
    purged = retention.purge_files(ctx, now + timedelta(hours=25))
    assert (purged.files, purged.bytes) == (1, 16)
    assert uow.tables.files == {}
