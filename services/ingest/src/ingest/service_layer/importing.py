"""Use cases of an import: store the file, read it whole, and either reject it
with a report or apply exactly what changed, with its events, in one
transaction."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from ingest.adapters.files import KIND_HINTS, read_file
from ingest.domain.imports import (
    DatasetVersion,
    ImportRun,
    ImportStatus,
    StoredFile,
    version_label,
)
from ingest.domain.model import FileRejected, ParsedFile
from ingest.service_layer.context import IngestContext
from ingest.service_layer.plans import make_plan
from ingest.service_layer.reports import rejected_report, success_report

log = logging.getLogger(__name__)

# Formats and DST tables an upload may name when its columns do not say it.
KNOWN_KIND_HINTS = tuple(KIND_HINTS)
CHUNK = 1024 * 1024
# Enough for any register (today 4,611 units); keeps the column and the
# comparison far from integer limits.
MAX_CONFIRM_CLOSURES = 1_000_000
# Rows read, called now and then while a file is read: (rows done, rows in all).
Progress = Callable[[int, int], None]


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.limit = limit


class UnknownKind(ValueError):
    pass


class BadConfirmation(ValueError):
    pass


class ImportFailed(Exception):
    """The import broke off; it is recorded as failed. The cause is chained."""

    def __init__(self, run: ImportRun) -> None:
        super().__init__(f"import {run.id} failed")
        self.run = run


def store_upload(ctx: IngestContext, stream: BinaryIO) -> StoredFile:
    """Copy the upload into the database in 1 MB chunks, hashing as it goes; it
    is never whole in memory. Too large: nothing is kept."""
    file_id = str(uuid.uuid4())
    digest = hashlib.sha256()
    size = 0
    with ctx.uow() as uow:
        uow.files.add(file_id, "", 0, datetime.now(UTC))
        seq = 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > ctx.max_upload_bytes:
                raise UploadTooLarge(ctx.max_upload_bytes)  # rolls everything back
            digest.update(chunk)
            uow.files.add_chunk(file_id, seq, chunk)
            seq += 1
        uow.files.set_content(file_id, digest.hexdigest(), size)
        uow.commit()
    return StoredFile(id=file_id, sha256=digest.hexdigest(), size=size)


def queue_upload(
    ctx: IngestContext,
    stream: BinaryIO,
    *,
    filename: str,
    channel: str,
    requested_by: str | None,
    kind: str | None = None,
    dry_run: bool = False,
    confirm_closures: int | None = None,
    correlation_id: str | None = None,
) -> ImportRun:
    """Store a file and queue its import (a worker runs it); returns the queued import."""
    if kind is not None and kind not in KNOWN_KIND_HINTS:
        raise UnknownKind(kind)
    if confirm_closures is not None and not 0 <= confirm_closures <= MAX_CONFIRM_CLOSURES:
        raise BadConfirmation(confirm_closures)
    stored = store_upload(ctx, stream)
    import_id = str(uuid.uuid4())
    with ctx.uow() as uow:
        uow.imports.add(
            ImportRun(
                id=import_id,
                filename=filename[:255],
                kind_hint=kind,
                channel=channel,
                dry_run=dry_run,
                content_sha256=stored.sha256,
                size_bytes=stored.size,
                stored_file_id=stored.id,
                file_purged_at=None,
                confirm_closures=confirm_closures,
                status=ImportStatus.QUEUED,
                format=None,
                dataset_kind=None,
                rows_total=None,
                rows_done=0,
                attempts=0,
                report=None,
                dataset_version_id=None,
                requested_by=requested_by,
                correlation_id=correlation_id or str(uuid.uuid4()),
                created_at=datetime.now(UTC),
            )
        )
        # As the database holds it (its clock's precision, its time zone).
        queued = uow.imports.get(import_id)
        uow.commit()
    assert queued is not None
    return queued


def import_file(
    ctx: IngestContext,
    path: Path,
    *,
    channel: str,
    requested_by: str | None,
    kind: str | None = None,
    dry_run: bool = False,
    confirm_closures: int | None = None,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportRun:
    """Import a file from disk here and now (CLI, drop folder, tools): store
    it, queue it and run it; returns the import as it ended. ImportFailed
    (with the failed import) if it broke off."""
    with path.open("rb") as stream:
        queued = queue_upload(
            ctx,
            stream,
            filename=path.name,
            kind=kind,
            dry_run=dry_run,
            channel=channel,
            requested_by=requested_by,
            confirm_closures=confirm_closures,
        )
    try:
        return process(ctx, queued.id, progress=progress, today=today)
    except Exception as exc:
        failed = get(ctx, queued.id) or dataclasses.replace(queued, status=ImportStatus.FAILED)
        raise ImportFailed(failed) from exc


def get(ctx: IngestContext, import_id: str) -> ImportRun | None:
    with ctx.uow() as uow:
        return uow.imports.get(import_id)


def history(ctx: IngestContext, limit: int, offset: int) -> tuple[list[ImportRun], int]:
    with ctx.uow() as uow:
        return uow.imports.page(limit, offset)


def claim_next(ctx: IngestContext) -> ImportRun | None:
    """For the worker: take the oldest queued import, if any."""
    with ctx.uow() as uow:
        import_id = uow.imports.next_queued()
        if import_id is None or not uow.imports.claim(import_id, datetime.now(UTC)):
            return None
        claimed = uow.imports.get(import_id)
        uow.commit()
    return claimed


def requeue_stale(ctx: IngestContext, after: timedelta = timedelta(seconds=60)) -> int:
    with ctx.uow() as uow:
        requeued = uow.imports.requeue_stale(datetime.now(UTC) - after)
        uow.commit()
    return requeued


def process(
    ctx: IngestContext,
    import_id: str,
    *,
    progress: Progress | None = None,
    today: date | None = None,
    claimed: bool = False,
) -> ImportRun:
    """Run one import to its end; returns it as it ended."""
    if not claimed:
        with ctx.uow() as uow:
            if not uow.imports.claim(import_id, datetime.now(UTC)):
                raise RuntimeError(f"import {import_id} is not queued")
            uow.commit()
    run = get(ctx, import_id)
    assert run is not None
    try:
        _process(ctx, run, progress, today or date.today())
    except Exception:
        log.exception("import failed", extra={"import_id": import_id})
        with ctx.uow() as uow:
            uow.imports.mark_failed(import_id, datetime.now(UTC))
            uow.commit()
        raise
    final = get(ctx, import_id)
    assert final is not None
    return final


def _process(ctx: IngestContext, run: ImportRun, progress: Progress | None, today: date) -> None:
    if not run.dry_run:
        with ctx.uow() as uow:
            same = uow.datasets.latest_version_with_hash(run.content_sha256)
        if same is not None:
            _finish(ctx, run.id, ImportStatus.DUPLICATE, _duplicate_report(same))
            return

    if run.stored_file_id is None:
        raise RuntimeError(f"the file of import {run.id} is gone")
    reporter = _ProgressReporter(ctx, run.id, progress)
    try:
        with materialised(ctx, run.stored_file_id) as path:
            parsed = read_file(
                path,
                reference=ctx.reference,
                kind=run.kind_hint,
                filename=run.filename,
                progress=reporter,
            )
    except FileRejected as rejected:
        _finish(ctx, run.id, ImportStatus.REJECTED, rejected_report(None, [rejected.problem]))
        return
    with ctx.uow() as uow:
        uow.imports.record_read(
            run.id, format=parsed.format, dataset_kind=parsed.kind, rows=parsed.rows_read
        )
        uow.commit()
    if not parsed.accepted:
        _finish(ctx, run.id, ImportStatus.REJECTED, rejected_report(parsed, parsed.problems))
        return
    if run.dry_run:
        with ctx.uow() as uow:
            plan = make_plan(ctx, uow, run, parsed, today, "dry-run")
        if plan.refused is not None:
            _finish(ctx, run.id, ImportStatus.REJECTED, plan.refused)
            return
        report = success_report(
            parsed,
            plan.summary(),
            None,
            True,
            closures=plan.closures_report,
            closure_problem=plan.closure_warning,
        )
        _finish(ctx, run.id, ImportStatus.ACCEPTED, report)
        return
    refusal = _apply(ctx, run, parsed, today)
    if refusal is not None:
        _finish(ctx, run.id, ImportStatus.REJECTED, refusal)


def _apply(
    ctx: IngestContext, run: ImportRun, parsed: ParsedFile, today: date
) -> dict[str, Any] | None:
    """Everything or nothing: state, events and the import's outcome commit
    together. Returns the report of a refusal, which leaves nothing behind."""
    now = datetime.now(UTC)
    with ctx.uow() as uow:
        uow.datasets.lock_kind(parsed.kind)
        version_id = uow.datasets.add_version(
            kind=parsed.kind,
            import_id=run.id,
            content_sha256=run.content_sha256,
            format=parsed.format,
            created_at=now,
        )
        version = version_label(parsed.kind, version_id)
        # Planned under the kind's lock: what is current cannot change meanwhile.
        plan = make_plan(ctx, uow, run, parsed, today, version)
        if plan.refused is not None:
            return plan.refused  # the version begun above is rolled back
        events = plan.apply(uow, version_id=version_id, now=now, correlation_id=run.correlation_id)
        uow.add_events(events)
        report = success_report(
            parsed, plan.summary(), version, False, closures=plan.closures_report
        )
        uow.imports.record_outcome(
            run.id,
            ImportStatus.ACCEPTED,
            report,
            finished_at=datetime.now(UTC),
            dataset_version_id=version_id,
        )
        if ctx.pause_before_commit_seconds:
            time.sleep(ctx.pause_before_commit_seconds)
        uow.commit()
    log.info(
        "import applied",
        extra={"import_id": run.id, "dataset_version": version, "events": len(events)},
    )
    return None


@contextmanager
def materialised(ctx: IngestContext, file_id: str) -> Iterator[Path]:
    """The stored file as a local temporary file, for the readers."""
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=ctx.work_dir, prefix=".import-")
    try:
        with os.fdopen(fd, "wb") as out, ctx.uow() as uow:
            for chunk in uow.files.chunks(file_id):
                out.write(chunk)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def _duplicate_report(version: DatasetVersion) -> dict[str, Any]:
    label = version.label
    return {
        "outcome": "duplicate",
        "dataset_version": label,
        "summary_da": f"Filen er allerede indlæst som version {label}; intet er ændret.",
        "summary_en": f"This file was already imported as version {label}; nothing changed.",
        "problems": [],
    }


def _finish(
    ctx: IngestContext, import_id: str, status: ImportStatus, report: dict[str, Any]
) -> None:
    with ctx.uow() as uow:
        uow.imports.record_outcome(import_id, status, report, finished_at=datetime.now(UTC))
        uow.commit()


class _ProgressReporter:
    """Passes progress on and records it on the import, at most twice a second."""

    def __init__(self, ctx: IngestContext, import_id: str, forward: Progress | None) -> None:
        self.ctx, self.import_id, self.forward = ctx, import_id, forward
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.forward is not None:
            self.forward(done, total)
        now = time.monotonic()
        if now - self.last < 0.5:
            return
        self.last = now
        with self.ctx.uow() as uow:
            uow.imports.record_progress(
                self.import_id, rows_done=done, rows_total=total, heartbeat_at=datetime.now(UTC)
            )
            uow.commit()
