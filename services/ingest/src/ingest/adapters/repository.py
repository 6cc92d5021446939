"""SQL for the ingest service's tables; the service layer speaks only to this."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CursorResult,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from ingest.adapters.orm import (
    dataset_locks,
    dataset_versions,
    imports,
    institutions,
    statistics_aggregates,
    statistics_figures,
    stored_file_chunks,
    stored_files,
)
from ingest.domain.changes import CurrentInstitution


def add_import(session: Session, **values: Any) -> None:
    session.execute(insert(imports).values(**values))


def get_import(session: Session, import_id: str) -> dict[str, Any] | None:
    row = session.execute(select(imports).where(imports.c.id == import_id)).mappings().first()
    return dict(row) if row else None


def list_imports(session: Session, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    rows = session.execute(
        select(imports).order_by(imports.c.created_at.desc()).limit(limit).offset(offset)
    ).mappings()
    total = session.execute(select(func.count()).select_from(imports)).scalar_one()
    return [dict(r) for r in rows], int(total)


def update_import(session: Session, import_id: str, **values: Any) -> None:
    session.execute(update(imports).where(imports.c.id == import_id).values(**values))


def claim_import(session: Session, import_id: str, now: datetime) -> bool:
    """Queued -> running; False when someone else took it or it is not queued."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(imports)
        .where(imports.c.id == import_id, imports.c.status == "queued")
        .values(
            status="running",
            started_at=now,
            heartbeat_at=now,
            attempts=imports.c.attempts + 1,
            rows_done=0,
        )
    )
    return bool(result.rowcount)


def next_queued_import(session: Session) -> str | None:
    row = session.execute(
        select(imports.c.id)
        .where(imports.c.status == "queued")
        .order_by(imports.c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    return row.id if row else None


def requeue_stale(session: Session, heartbeat_before: datetime) -> int:
    """A running import whose process died goes back to the queue."""
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(imports)
        .where(imports.c.status == "running", imports.c.heartbeat_at < heartbeat_before)
        .values(status="queued")
    )
    return int(result.rowcount)


def latest_version_with_hash(session: Session, sha256: str) -> dict[str, Any] | None:
    """The dataset version with this content, if it is still the newest of its kind."""
    match = (
        session.execute(
            select(dataset_versions)
            .where(dataset_versions.c.content_sha256 == sha256)
            .order_by(dataset_versions.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if match is None:
        return None
    newest = session.execute(
        select(func.max(dataset_versions.c.id)).where(dataset_versions.c.kind == match["kind"])
    ).scalar_one()
    return dict(match) if newest == match["id"] else None


def lock_kind(session: Session, kind: str) -> None:
    """Imports of one kind are applied one at a time (row lock until commit)."""
    locked = session.execute(
        select(dataset_locks.c.kind).where(dataset_locks.c.kind == kind).with_for_update()
    ).first()
    if locked is None:
        session.execute(insert(dataset_locks).values(kind=kind))
        session.execute(
            select(dataset_locks.c.kind).where(dataset_locks.c.kind == kind).with_for_update()
        )


def add_dataset_version(session: Session, **values: Any) -> int:
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        insert(dataset_versions).values(**values)
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def current_institutions(session: Session) -> dict[str, CurrentInstitution]:
    rows = session.execute(
        select(
            institutions.c.number,
            institutions.c.status,
            institutions.c.payload,
            institutions.c.aggregate_version,
        )
    )
    return {
        number: CurrentInstitution(status, payload, version)
        for number, status, payload, version in rows
    }


def save_institutions(
    session: Session, new: list[dict[str, Any]], changed: list[dict[str, Any]]
) -> None:
    if new:
        session.execute(insert(institutions), new)
    if changed:
        session.execute(
            update(institutions).where(institutions.c.number == bindparam("b_number")),
            [{**row, "b_number": row["number"]} for row in changed],
        )


def current_figures(session: Session) -> dict[tuple[int, str, int], tuple[float | None, str]]:
    rows = session.execute(
        select(
            statistics_figures.c.municipality_code,
            statistics_figures.c.indicator,
            statistics_figures.c.year,
            statistics_figures.c.value,
            statistics_figures.c.source,
        )
    )
    return {(code, ind, year): (value, source) for code, ind, year, value, source in rows}


def save_figures(
    session: Session, new: list[dict[str, Any]], changed: list[dict[str, Any]]
) -> None:
    if new:
        session.execute(insert(statistics_figures), new)
    if changed:
        sf = statistics_figures
        session.execute(
            update(sf).where(
                sf.c.municipality_code == bindparam("b_code"),
                sf.c.indicator == bindparam("b_indicator"),
                sf.c.year == bindparam("b_year"),
            ),
            [
                {
                    "value": row["value"],
                    "source": row["source"],
                    "dataset_version_id": row["dataset_version_id"],
                    "b_code": row["municipality_code"],
                    "b_indicator": row["indicator"],
                    "b_year": row["year"],
                }
                for row in changed
            ],
        )


def delete_figures(session: Session, keys: list[tuple[int, str, int]]) -> None:
    sf = statistics_figures
    for start in range(0, len(keys), 500):
        batch = keys[start : start + 500]
        session.execute(
            delete(sf).where(tuple_(sf.c.municipality_code, sf.c.indicator, sf.c.year).in_(batch))
        )


def figures_of(
    session: Session, codes: set[int]
) -> dict[int, list[tuple[str, int, float | None, str]]]:
    sf = statistics_figures
    out: dict[int, list[tuple[str, int, float | None, str]]] = {code: [] for code in codes}
    rows = session.execute(
        select(sf.c.municipality_code, sf.c.indicator, sf.c.year, sf.c.value, sf.c.source).where(
            sf.c.municipality_code.in_(codes)
        )
    )
    for code, indicator, year, value, source in rows:
        out[code].append((indicator, year, value, source))
    return out


def statistics_versions(session: Session, codes: set[int]) -> dict[int, int]:
    sa = statistics_aggregates
    rows = session.execute(
        select(sa.c.municipality_code, sa.c.aggregate_version).where(
            sa.c.municipality_code.in_(codes)
        )
    )
    return {code: version for code, version in rows}


def save_statistics_versions(
    session: Session, new: list[dict[str, Any]], changed: list[dict[str, Any]]
) -> None:
    sa = statistics_aggregates
    if new:
        session.execute(insert(sa), new)
    if changed:
        session.execute(
            update(sa).where(sa.c.municipality_code == bindparam("b_code")),
            [
                {
                    "aggregate_version": row["aggregate_version"],
                    "dataset_version_id": row["dataset_version_id"],
                    "b_code": row["municipality_code"],
                }
                for row in changed
            ],
        )


def add_stored_file(
    session: Session, file_id: str, sha256: str, size: int, created_at: datetime
) -> None:
    session.execute(
        insert(stored_files).values(
            id=file_id, content_sha256=sha256, size_bytes=size, created_at=created_at
        )
    )


def add_chunk(session: Session, file_id: str, seq: int, data: bytes) -> None:
    session.execute(insert(stored_file_chunks).values(file_id=file_id, seq=seq, data=data))


def chunks(session: Session, file_id: str) -> Iterator[bytes]:
    """The file's chunks in order, streamed: one query, one chunk in memory."""
    yield from session.execute(
        select(stored_file_chunks.c.data)
        .where(stored_file_chunks.c.file_id == file_id)
        .order_by(stored_file_chunks.c.seq)
        .execution_options(yield_per=1)
    ).scalars()


def update_stored_file(session: Session, file_id: str, sha256: str, size: int) -> None:
    session.execute(
        update(stored_files)
        .where(stored_files.c.id == file_id)
        .values(content_sha256=sha256, size_bytes=size)
    )


# Imports whose outcome needs their file no longer (the file is purged after
# the retention; see service_layer.retention).
UNUSED_FILE_STATUSES = ("rejected", "duplicate", "failed")


def purgeable_files(
    session: Session, *, finished_before: datetime, replaced_before: datetime, limit: int
) -> list[tuple[str, str]]:
    """(import id, stored file id) of imports whose file has outlived its retention:
    rejected, duplicate and failed imports and dry runs that ended before
    ``finished_before``; accepted imports whose dataset version stopped being
    current before ``replaced_before``. Queued and running imports keep theirs.

    A register file is complete, so a register version stops being current
    when the next one is applied. A statistics file updates only its figures,
    so a statistics version is current while it is the newest or a current
    figure came from it; once none does, the last newer version (at the
    latest) replaced its figures."""
    i, v = imports, dataset_versions
    newer = dataset_versions.alias("newer")
    ended = func.coalesce(i.c.finished_at, i.c.created_at)
    not_applied = or_(
        i.c.status.in_(UNUSED_FILE_STATUSES),
        and_(i.c.status == "accepted", i.c.dry_run.is_(True)),
    )
    is_newer = and_(newer.c.kind == v.c.kind, newer.c.id > v.c.id)
    register_replaced = and_(
        v.c.kind == "register",
        exists().where(is_newer, newer.c.created_at < replaced_before),
    )
    statistics_replaced = and_(
        v.c.kind == "statistics",
        ~exists().where(statistics_figures.c.dataset_version_id == v.c.id),
        exists().where(is_newer),
        ~exists().where(is_newer, newer.c.created_at >= replaced_before),
    )
    rows = session.execute(
        select(i.c.id, i.c.stored_file_id)
        .select_from(i.outerjoin(v, v.c.import_id == i.c.id))
        .where(
            i.c.stored_file_id.is_not(None),
            or_(
                and_(not_applied, ended < finished_before),
                and_(
                    i.c.status == "accepted",
                    i.c.dry_run.is_(False),
                    or_(register_replaced, statistics_replaced),
                ),
            ),
        )
        .order_by(ended)
        .limit(limit)
    )
    return [(import_id, file_id) for import_id, file_id in rows]


def orphan_files(session: Session, created_before: datetime, limit: int) -> list[str]:
    """Stored files no import refers to (an upload interrupted between being
    stored and being queued)."""
    referenced = select(imports.c.stored_file_id).where(imports.c.stored_file_id.is_not(None))
    return list(
        session.execute(
            select(stored_files.c.id)
            .where(stored_files.c.created_at < created_before, stored_files.c.id.not_in(referenced))
            .limit(limit)
        ).scalars()
    )


def release_files(session: Session, import_ids: list[str], now: datetime) -> None:
    session.execute(
        update(imports)
        .where(imports.c.id.in_(import_ids))
        .values(stored_file_id=None, file_purged_at=now)
    )


def delete_stored_files(session: Session, file_ids: list[str]) -> tuple[int, int]:
    """Deletes these files (chunks first) unless an import still refers to one;
    returns how many were deleted and the bytes freed."""
    referenced = select(imports.c.stored_file_id).where(imports.c.stored_file_id.in_(file_ids))
    free = select(stored_files.c.id).where(
        stored_files.c.id.in_(file_ids), stored_files.c.id.not_in(referenced)
    )
    ids = list(session.execute(free).scalars())
    if not ids:
        return 0, 0
    size = session.execute(
        select(func.coalesce(func.sum(stored_files.c.size_bytes), 0)).where(
            stored_files.c.id.in_(ids)
        )
    ).scalar_one()
    session.execute(delete(stored_file_chunks).where(stored_file_chunks.c.file_id.in_(ids)))
    session.execute(delete(stored_files).where(stored_files.c.id.in_(ids)))
    return len(ids), int(size)


def purged_imports(session: Session, import_ids: list[str]) -> set[str]:
    rows = session.execute(
        select(imports.c.id).where(
            imports.c.id.in_(import_ids), imports.c.file_purged_at.is_not(None)
        )
    )
    return set(rows.scalars())
