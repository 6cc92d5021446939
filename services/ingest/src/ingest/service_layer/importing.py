"""Use cases of an import: store the file, read it whole, and either reject it
with a report or apply exactly what changed, with its events, in one
transaction."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from dagkit.db import transaction
from dagkit.outbox import add_many_to_outbox
from dagtilbud_contracts import institution as institution_contract
from dagtilbud_contracts import statistics as statistics_contract
from dagtilbud_contracts.registry import new_event, topic_for
from ingest.adapters import repository as repo
from ingest.adapters.files import KIND_HINTS, read_file
from ingest.adapters.orm import kit_tables
from ingest.domain.changes import (
    ClosureCheck,
    CurrentInstitution,
    RegisterDiff,
    StatisticsDiff,
    check_closures,
    left_without_figures,
    no_closures,
    register_diff,
    statistics_diff,
    statistics_payload,
)
from ingest.domain.model import DatasetKind, FileRejected, ParsedFile, Problem
from ingest.domain.reference import ReferenceData
from ingest.service_layer.reports import (
    all_figures_withdrawn,
    closure_problem,
    closures_section,
    refused_report,
    rejected_report,
    success_report,
)

log = logging.getLogger(__name__)

# Formats and DST tables an upload may name when its columns do not say it.
KNOWN_KIND_HINTS = tuple(KIND_HINTS)
EVENT_TYPES = {
    "registered": institution_contract.REGISTERED,
    "updated": institution_contract.UPDATED,
    "closed": institution_contract.CLOSED,
}
CHUNK = 1024 * 1024
# Enough for any register (today 4,611 units); keeps the column and the
# comparison far from integer limits.
MAX_CONFIRM_CLOSURES = 1_000_000


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.limit = limit


class UnknownKind(ValueError):
    pass


class BadConfirmation(ValueError):
    pass


@dataclass(frozen=True)
class IngestContext:
    session_factory: sessionmaker[Session]
    reference: ReferenceData
    work_dir: Path  # where a stored file is written out while it is read
    max_upload_bytes: int
    # A register import closing more than this share of the active
    # institutions (or emptying a municipality) needs a confirmed count.
    max_closure_pct: float = 5.0
    # How long uploaded files are kept (see service_layer.retention).
    keep_files_days: int = 30
    keep_replaced_files_days: int = 365
    # Only for fault tests: hold the applying transaction open this long.
    pause_before_commit_seconds: float = 0.0


@dataclass(frozen=True)
class StoredFile:
    id: str
    sha256: str
    size: int


def store_upload(ctx: IngestContext, stream: BinaryIO) -> StoredFile:
    """Copy the upload into the database in 1 MB chunks, hashing as it goes; it
    is never whole in memory. Too large: nothing is kept."""
    file_id = str(uuid.uuid4())
    digest = hashlib.sha256()
    size = 0
    with transaction(ctx.session_factory) as session:
        repo.add_stored_file(session, file_id, "", 0, datetime.now(UTC))
        seq = 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > ctx.max_upload_bytes:
                raise UploadTooLarge(ctx.max_upload_bytes)  # rolls everything back
            digest.update(chunk)
            repo.add_chunk(session, file_id, seq, chunk)
            seq += 1
        repo.update_stored_file(session, file_id, digest.hexdigest(), size)
    return StoredFile(id=file_id, sha256=digest.hexdigest(), size=size)


@contextmanager
def materialised(ctx: IngestContext, file_id: str) -> Iterator[Path]:
    """The stored file as a local temporary file, for the readers."""
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=ctx.work_dir, prefix=".import-")
    try:
        with os.fdopen(fd, "wb") as out, ctx.session_factory() as session:
            for chunk in repo.chunks(session, file_id):
                out.write(chunk)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def submit(
    ctx: IngestContext,
    stored: StoredFile,
    *,
    filename: str,
    kind: str | None,
    dry_run: bool,
    channel: str,
    requested_by: str | None,
    correlation_id: str | None = None,
    confirm_closures: int | None = None,
) -> str:
    if kind is not None and kind not in KNOWN_KIND_HINTS:
        raise UnknownKind(kind)
    if confirm_closures is not None and not 0 <= confirm_closures <= MAX_CONFIRM_CLOSURES:
        raise BadConfirmation(confirm_closures)
    import_id = str(uuid.uuid4())
    with transaction(ctx.session_factory) as session:
        repo.add_import(
            session,
            id=import_id,
            filename=filename[:255],
            kind_hint=kind,
            channel=channel,
            dry_run=dry_run,
            content_sha256=stored.sha256,
            size_bytes=stored.size,
            stored_file_id=stored.id,
            confirm_closures=confirm_closures,
            status="queued",
            rows_done=0,
            attempts=0,
            requested_by=requested_by,
            correlation_id=correlation_id or str(uuid.uuid4()),
            created_at=datetime.now(UTC),
        )
    return import_id


def submit_file(
    ctx: IngestContext,
    path: Path,
    *,
    channel: str,
    requested_by: str | None,
    kind: str | None = None,
    dry_run: bool = False,
    confirm_closures: int | None = None,
) -> str:
    """Store a file from disk and queue its import (CLI, drop folder, tools);
    returns the import id. ``process`` runs it."""
    with path.open("rb") as stream:
        stored = store_upload(ctx, stream)
    return submit(
        ctx,
        stored,
        filename=path.name,
        kind=kind,
        dry_run=dry_run,
        channel=channel,
        requested_by=requested_by,
        confirm_closures=confirm_closures,
    )


def get(ctx: IngestContext, import_id: str) -> dict[str, Any] | None:
    with ctx.session_factory() as session:
        return repo.get_import(session, import_id)


def history(ctx: IngestContext, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    with ctx.session_factory() as session:
        return repo.list_imports(session, limit, offset)


def claim_next(ctx: IngestContext) -> str | None:
    """For the worker: take the oldest queued import, if any."""
    with transaction(ctx.session_factory) as session:
        import_id = repo.next_queued_import(session)
        if import_id is None or not repo.claim_import(session, import_id, datetime.now(UTC)):
            return None
        return import_id


def requeue_stale(ctx: IngestContext, after: timedelta = timedelta(seconds=60)) -> int:
    with transaction(ctx.session_factory) as session:
        return repo.requeue_stale(session, datetime.now(UTC) - after)


def process(
    ctx: IngestContext,
    import_id: str,
    *,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
    claimed: bool = False,
) -> dict[str, Any]:
    """Run one import to its end; returns its final row."""
    if not claimed:
        with transaction(ctx.session_factory) as session:
            if not repo.claim_import(session, import_id, datetime.now(UTC)):
                raise RuntimeError(f"import {import_id} is not queued")
    run = get(ctx, import_id)
    assert run is not None
    try:
        _process(ctx, run, progress, today or date.today())
    except Exception:
        log.exception("import failed", extra={"import_id": import_id})
        with transaction(ctx.session_factory) as session:
            repo.update_import(session, import_id, status="failed", finished_at=datetime.now(UTC))
        raise
    final = get(ctx, import_id)
    assert final is not None
    return final


def _process(
    ctx: IngestContext,
    run: dict[str, Any],
    progress: Callable[[int, int], None] | None,
    today: date,
) -> None:
    import_id = run["id"]
    if not run["dry_run"]:
        with ctx.session_factory() as session:
            same = repo.latest_version_with_hash(session, run["content_sha256"])
        if same is not None:
            _finish(ctx, import_id, "duplicate", _duplicate_report(same))
            return

    reporter = _ProgressReporter(ctx, import_id, progress)
    try:
        with materialised(ctx, run["stored_file_id"]) as path:
            parsed = read_file(
                path,
                reference=ctx.reference,
                kind=run["kind_hint"],
                filename=run["filename"],
                progress=reporter,
            )
    except FileRejected as rejected:
        _finish(ctx, import_id, "rejected", rejected_report(None, [rejected.problem]))
        return
    with transaction(ctx.session_factory) as session:
        repo.update_import(
            session,
            import_id,
            format=parsed.format,
            dataset_kind=parsed.kind.value,
            rows_total=parsed.rows_read,
            rows_done=parsed.rows_read,
        )
    if not parsed.accepted:
        _finish(ctx, import_id, "rejected", rejected_report(parsed, parsed.problems))
        return
    if run["dry_run"]:
        with ctx.session_factory() as session:
            plan = _plan(ctx, session, run, parsed, today, "dry-run")
        if plan.refused is not None:
            _finish(ctx, import_id, "rejected", plan.refused)
            return
        report = success_report(
            parsed,
            plan.diff.summary(),
            None,
            True,
            closures=plan.closures_report,
            closure_problem=plan.closure_warning,
        )
        _finish(ctx, import_id, "accepted", report)
        return
    try:
        _apply(ctx, run, parsed, today)
    except _Refused as refused:
        _finish(ctx, import_id, "rejected", refused.report)


class _Refused(Exception):
    """A valid file that may not be applied; raised inside the applying
    transaction so that everything it began is rolled back."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__(report["summary_en"])
        self.report = report


@dataclass
class _Plan:
    """What the file would change against what is current, and whether it may."""

    diff: RegisterDiff | StatisticsDiff
    institutions: dict[str, CurrentInstitution] = field(default_factory=dict)
    figures: dict[tuple[int, str, int], tuple[float | None, str]] = field(default_factory=dict)
    closures_report: dict[str, Any] | None = None  # a register's closures, for the report
    closure_warning: Problem | None = None  # a dry run's: why a real import would be refused
    refused: dict[str, Any] | None = None  # the report of a refusal


def _plan(
    ctx: IngestContext,
    session: Session,
    run: dict[str, Any],
    parsed: ParsedFile,
    today: date,
    version: str,
) -> _Plan:
    names = ctx.reference.municipalities
    closures: ClosureCheck
    if parsed.kind is DatasetKind.REGISTER:
        institutions = repo.current_institutions(session)
        diff = register_diff(
            institutions, parsed.institutions, today=today, dataset_version=version
        )
        closures = check_closures(
            institutions, diff, limit_pct=ctx.max_closure_pct, confirmed=run["confirm_closures"]
        )
        plan = _Plan(diff, institutions=institutions)
        plan.closures_report = closures_section(closures, names)
    else:
        figures = repo.current_figures(session)
        changes = statistics_diff(figures, parsed.figures)
        plan = _Plan(changes, figures=figures)
        if emptied := left_without_figures(figures, changes):
            plan.refused = refused_report(parsed, all_figures_withdrawn(emptied, names), None)
            return plan
        closures = no_closures(run["confirm_closures"], ctx.max_closure_pct)
    problem = closure_problem(closures, names, dry_run=run["dry_run"])
    if problem is not None and run["dry_run"]:
        plan.closure_warning = problem
    elif problem is not None:
        plan.refused = refused_report(parsed, problem, plan.closures_report)
    return plan


def _apply(ctx: IngestContext, run: dict[str, Any], parsed: ParsedFile, today: date) -> None:
    """Everything or nothing: state, events and the import's outcome commit together."""
    now = datetime.now(UTC)
    with transaction(ctx.session_factory) as session:
        repo.lock_kind(session, parsed.kind.value)
        version_id = repo.add_dataset_version(
            session,
            kind=parsed.kind.value,
            import_id=run["id"],
            content_sha256=run["content_sha256"],
            format=parsed.format,
            summary={},
            created_at=now,
        )
        version = f"{parsed.kind.value}:{version_id}"
        # Planned under the kind's lock: what is current cannot change meanwhile.
        plan = _plan(ctx, session, run, parsed, today, version)
        if plan.refused is not None:
            raise _Refused(plan.refused)
        if isinstance(plan.diff, RegisterDiff):
            events = _apply_register(
                session, plan.diff, plan.institutions, version_id, now, run["correlation_id"]
            )
        else:
            events = _apply_statistics(
                ctx, session, plan.diff, plan.figures, version, version_id, run["correlation_id"]
            )
        add_many_to_outbox(session, kit_tables.outbox, events)
        report = success_report(
            parsed, plan.diff.summary(), version, False, closures=plan.closures_report
        )
        repo.update_import(
            session,
            run["id"],
            status="accepted",
            report=report,
            dataset_version_id=version_id,
            finished_at=datetime.now(UTC),
        )
        if ctx.pause_before_commit_seconds:
            time.sleep(ctx.pause_before_commit_seconds)
    log.info(
        "import applied",
        extra={"import_id": run["id"], "dataset_version": version, "events": len(events)},
    )


def _apply_register(
    session: Session,
    diff: RegisterDiff,
    current: dict[str, CurrentInstitution],
    version_id: int,
    now: datetime,
    correlation_id: str,
) -> list[tuple[str, Any]]:
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    events: list[tuple[str, Any]] = []
    for change in diff.changes:
        known = current.get(change.number)
        aggregate_version = 1 if known is None else known.aggregate_version + 1
        row = {
            "number": change.number,
            "status": change.payload["status"],
            "payload": change.payload,
            "aggregate_version": aggregate_version,
            "dataset_version_id": version_id,
            "updated_at": now,
        }
        (new_rows if known is None else changed_rows).append(row)
        event_type = EVENT_TYPES[change.event]
        events.append(
            (
                topic_for(event_type),
                # Payloads come from one builder over checked values; the tests
                # validate every event of a national import against the contract.
                new_event(
                    event_type,
                    change.payload,
                    aggregate_version=aggregate_version,
                    correlation_id=correlation_id,
                    validate=False,
                ),
            )
        )
    repo.save_institutions(session, new_rows, changed_rows)
    return events


def _apply_statistics(
    ctx: IngestContext,
    session: Session,
    diff: StatisticsDiff,
    current: dict[tuple[int, str, int], tuple[float | None, str]],
    version: str,
    version_id: int,
    correlation_id: str,
) -> list[tuple[str, Any]]:
    new_rows: list[dict[str, Any]] = []
    changed_rows: list[dict[str, Any]] = []
    for figure in diff.changed:
        row = {
            "municipality_code": figure.municipality_code,
            "indicator": figure.indicator,
            "year": figure.year,
            "value": figure.value,
            "source": figure.source,
            "dataset_version_id": version_id,
        }
        (changed_rows if figure.key in current else new_rows).append(row)
    repo.save_figures(session, new_rows, changed_rows)
    repo.delete_figures(session, diff.removed)
    codes = diff.municipalities
    versions = repo.statistics_versions(session, codes)
    all_figures = repo.figures_of(session, codes)
    new_versions: list[dict[str, Any]] = []
    changed_versions: list[dict[str, Any]] = []
    events: list[tuple[str, Any]] = []
    for code in sorted(codes):
        aggregate_version = versions.get(code, 0) + 1
        row = {
            "municipality_code": code,
            "aggregate_version": aggregate_version,
            "dataset_version_id": version_id,
        }
        (changed_versions if code in versions else new_versions).append(row)
        payload = statistics_payload(
            code, ctx.reference.municipalities[code], all_figures[code], version
        )
        events.append(
            (
                topic_for(statistics_contract.PUBLISHED),
                new_event(
                    statistics_contract.PUBLISHED,
                    payload,
                    aggregate_version=aggregate_version,
                    correlation_id=correlation_id,
                    validate=False,
                ),
            )
        )
    repo.save_statistics_versions(session, new_versions, changed_versions)
    return events


def _duplicate_report(version: dict[str, Any]) -> dict[str, Any]:
    label = f"{version['kind']}:{version['id']}"
    return {
        "outcome": "duplicate",
        "dataset_version": label,
        "summary_da": f"Filen er allerede indlæst som version {label}; intet er ændret.",
        "summary_en": f"This file was already imported as version {label}; nothing changed.",
        "problems": [],
    }


def _finish(ctx: IngestContext, import_id: str, status: str, report: dict[str, Any]) -> None:
    with transaction(ctx.session_factory) as session:
        repo.update_import(
            session, import_id, status=status, report=report, finished_at=datetime.now(UTC)
        )


class _ProgressReporter:
    """Passes progress on and records it on the import, at most twice a second."""

    def __init__(
        self, ctx: IngestContext, import_id: str, forward: Callable[[int, int], None] | None
    ) -> None:
        self.ctx, self.import_id, self.forward = ctx, import_id, forward
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if self.forward is not None:
            self.forward(done, total)
        now = time.monotonic()
        if now - self.last < 0.5:
            return
        self.last = now
        with transaction(self.ctx.session_factory) as session:
            repo.update_import(
                session,
                self.import_id,
                rows_done=done,
                rows_total=total,
                heartbeat_at=datetime.now(UTC),
            )
