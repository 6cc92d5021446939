"""SQL for the ingest service's tables: the repositories its unit of work
opens over one session. The service layer speaks only to these."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    CursorResult,
    RowMapping,
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
from sqlalchemy.sql.schema import Table

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
from ingest.domain.imports import NOT_APPLIED, DatasetVersion, ImportRun, ImportStatus
from ingest.domain.model import DatasetKind, FigureKey
from ingest.service_layer.repositories import (
    DatasetRepository,
    ImportRepository,
    MunicipalFigure,
    Rows,
    StoredFileRepository,
)


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the columns hold them: enums by their value."""
    return {
        name: value.value if isinstance(value, Enum) else value for name, value in values.items()
    }


def _import_run(row: RowMapping) -> ImportRun:
    values = dict(row)
    values["status"] = ImportStatus(values["status"])
    if values["dataset_kind"] is not None:
        values["dataset_kind"] = DatasetKind(values["dataset_kind"])
    return ImportRun(**values)


class SqlImportRepository(ImportRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run: ImportRun) -> None:
        # What is not known yet (None) is left to the column: NULL, not a JSON null.
        known = {name: value for name, value in run.as_dict().items() if value is not None}
        self.session.execute(insert(imports).values(**_columns(known)))

    def get(self, import_id: str) -> ImportRun | None:
        row = (
            self.session.execute(select(imports).where(imports.c.id == import_id))
            .mappings()
            .first()
        )
        return _import_run(row) if row else None

    def page(self, limit: int, offset: int) -> tuple[list[ImportRun], int]:
        rows = self.session.execute(
            select(imports).order_by(imports.c.created_at.desc()).limit(limit).offset(offset)
        ).mappings()
        total = self.session.execute(select(func.count()).select_from(imports)).scalar_one()
        return [_import_run(r) for r in rows], int(total)

    def _update(self, import_id: str, **values: Any) -> None:
        self.session.execute(
            update(imports).where(imports.c.id == import_id).values(**_columns(values))
        )

    def claim(self, import_id: str, now: datetime) -> bool:
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            update(imports)
            .where(imports.c.id == import_id, imports.c.status == ImportStatus.QUEUED.value)
            .values(
                status=ImportStatus.RUNNING.value,
                started_at=now,
                heartbeat_at=now,
                attempts=imports.c.attempts + 1,
                rows_done=0,
            )
        )
        return bool(result.rowcount)

    def next_queued(self) -> str | None:
        row = self.session.execute(
            select(imports.c.id)
            .where(imports.c.status == ImportStatus.QUEUED.value)
            .order_by(imports.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        return row.id if row else None

    def requeue_stale(self, heartbeat_before: datetime) -> int:
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            update(imports)
            .where(
                imports.c.status == ImportStatus.RUNNING.value,
                imports.c.heartbeat_at < heartbeat_before,
            )
            .values(status=ImportStatus.QUEUED.value)
        )
        return int(result.rowcount)

    def purgeable_files(
        self, *, finished_before: datetime, replaced_before: datetime, limit: int
    ) -> list[tuple[str, str]]:
        i, v = imports, dataset_versions
        newer = dataset_versions.alias("newer")
        ended = func.coalesce(i.c.finished_at, i.c.created_at)
        accepted = ImportStatus.ACCEPTED.value
        not_applied = or_(
            i.c.status.in_([status.value for status in NOT_APPLIED]),
            and_(i.c.status == accepted, i.c.dry_run.is_(True)),
        )
        is_newer = and_(newer.c.kind == v.c.kind, newer.c.id > v.c.id)
        register_replaced = and_(
            v.c.kind == DatasetKind.REGISTER.value,
            exists().where(is_newer, newer.c.created_at < replaced_before),
        )
        statistics_replaced = and_(
            v.c.kind == DatasetKind.STATISTICS.value,
            ~exists().where(statistics_figures.c.dataset_version_id == v.c.id),
            exists().where(is_newer),
            ~exists().where(is_newer, newer.c.created_at >= replaced_before),
        )
        rows = self.session.execute(
            select(i.c.id, i.c.stored_file_id)
            .select_from(i.outerjoin(v, v.c.import_id == i.c.id))
            .where(
                i.c.stored_file_id.is_not(None),
                or_(
                    and_(not_applied, ended < finished_before),
                    and_(
                        i.c.status == accepted,
                        i.c.dry_run.is_(False),
                        or_(register_replaced, statistics_replaced),
                    ),
                ),
            )
            .order_by(ended)
            .limit(limit)
        )
        return [(import_id, file_id) for import_id, file_id in rows]

    def release_files(self, import_ids: list[str], now: datetime) -> None:
        self.session.execute(
            update(imports)
            .where(imports.c.id.in_(import_ids))
            .values(stored_file_id=None, file_purged_at=now)
        )

    def purged(self, import_ids: list[str]) -> set[str]:
        rows = self.session.execute(
            select(imports.c.id).where(
                imports.c.id.in_(import_ids), imports.c.file_purged_at.is_not(None)
            )
        )
        return set(rows.scalars())


class SqlStoredFileRepository(StoredFileRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, file_id: str, sha256: str, size: int, created_at: datetime) -> None:
        self.session.execute(
            insert(stored_files).values(
                id=file_id, content_sha256=sha256, size_bytes=size, created_at=created_at
            )
        )

    def add_chunk(self, file_id: str, seq: int, data: bytes) -> None:
        self.session.execute(insert(stored_file_chunks).values(file_id=file_id, seq=seq, data=data))

    def set_content(self, file_id: str, sha256: str, size: int) -> None:
        self.session.execute(
            update(stored_files)
            .where(stored_files.c.id == file_id)
            .values(content_sha256=sha256, size_bytes=size)
        )

    def chunks(self, file_id: str) -> Iterator[bytes]:
        """The file's chunks in order, streamed: one query, one chunk in memory."""
        yield from self.session.execute(
            select(stored_file_chunks.c.data)
            .where(stored_file_chunks.c.file_id == file_id)
            .order_by(stored_file_chunks.c.seq)
            .execution_options(yield_per=1)
        ).scalars()

    def orphans(self, created_before: datetime, limit: int) -> list[str]:
        referenced = select(imports.c.stored_file_id).where(imports.c.stored_file_id.is_not(None))
        return list(
            self.session.execute(
                select(stored_files.c.id)
                .where(
                    stored_files.c.created_at < created_before,
                    stored_files.c.id.not_in(referenced),
                )
                .limit(limit)
            ).scalars()
        )

    def delete_unreferenced(self, file_ids: list[str]) -> tuple[int, int]:
        # Chunks first: they refer to their file.
        referenced = select(imports.c.stored_file_id).where(imports.c.stored_file_id.in_(file_ids))
        free = select(stored_files.c.id).where(
            stored_files.c.id.in_(file_ids), stored_files.c.id.not_in(referenced)
        )
        ids = list(self.session.execute(free).scalars())
        if not ids:
            return 0, 0
        size = self.session.execute(
            select(func.coalesce(func.sum(stored_files.c.size_bytes), 0)).where(
                stored_files.c.id.in_(ids)
            )
        ).scalar_one()
        self.session.execute(
            delete(stored_file_chunks).where(stored_file_chunks.c.file_id.in_(ids))
        )
        self.session.execute(delete(stored_files).where(stored_files.c.id.in_(ids)))
        return len(ids), int(size)


class SqlDatasetRepository(DatasetRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_version_with_hash(self, sha256: str) -> DatasetVersion | None:
        match = (
            self.session.execute(
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
        newest = self.session.execute(
            select(func.max(dataset_versions.c.id)).where(dataset_versions.c.kind == match["kind"])
        ).scalar_one()
        if newest != match["id"]:
            return None
        return DatasetVersion(
            id=int(match["id"]),
            kind=DatasetKind(match["kind"]),
            import_id=match["import_id"],
            content_sha256=match["content_sha256"],
            format=match["format"],
            created_at=match["created_at"],
        )

    def lock_kind(self, kind: DatasetKind) -> None:
        # A row lock, held until commit.
        locked = self.session.execute(
            select(dataset_locks.c.kind).where(dataset_locks.c.kind == kind.value).with_for_update()
        ).first()
        if locked is None:
            self.session.execute(insert(dataset_locks).values(kind=kind.value))
            self.session.execute(
                select(dataset_locks.c.kind)
                .where(dataset_locks.c.kind == kind.value)
                .with_for_update()
            )

    def _insert_version(self, values: dict[str, Any]) -> int:
        result: CursorResult[Any] = self.session.execute(  # type: ignore[assignment]
            insert(dataset_versions).values(**_columns(values), summary={})
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def current_institutions(self) -> dict[str, CurrentInstitution]:
        rows = self.session.execute(
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

    def _insert(self, table: Table, new: Rows) -> None:
        if new:
            self.session.execute(insert(table), new)

    def save_institutions(self, new: Rows, changed: Rows) -> None:
        self._insert(institutions, new)
        if changed:
            self.session.execute(
                update(institutions).where(institutions.c.number == bindparam("b_number")),
                [{**row, "b_number": row["number"]} for row in changed],
            )

    def current_figures(self) -> dict[FigureKey, tuple[float | None, str]]:
        rows = self.session.execute(
            select(
                statistics_figures.c.municipality_code,
                statistics_figures.c.indicator,
                statistics_figures.c.year,
                statistics_figures.c.value,
                statistics_figures.c.source,
            )
        )
        return {(code, ind, year): (value, source) for code, ind, year, value, source in rows}

    def save_figures(self, new: Rows, changed: Rows) -> None:
        self._insert(statistics_figures, new)
        if changed:
            sf = statistics_figures
            self.session.execute(
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

    def delete_figures(self, keys: Sequence[FigureKey]) -> None:
        sf = statistics_figures
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            self.session.execute(
                delete(sf).where(
                    tuple_(sf.c.municipality_code, sf.c.indicator, sf.c.year).in_(batch)
                )
            )

    def figures_of(self, codes: set[int]) -> dict[int, list[MunicipalFigure]]:
        sf = statistics_figures
        out: dict[int, list[MunicipalFigure]] = {code: [] for code in codes}
        rows = self.session.execute(
            select(
                sf.c.municipality_code, sf.c.indicator, sf.c.year, sf.c.value, sf.c.source
            ).where(sf.c.municipality_code.in_(codes))
        )
        for code, indicator, year, value, source in rows:
            out[code].append((indicator, year, value, source))
        return out

    def statistics_versions(self, codes: set[int]) -> dict[int, int]:
        sa = statistics_aggregates
        rows = self.session.execute(
            select(sa.c.municipality_code, sa.c.aggregate_version).where(
                sa.c.municipality_code.in_(codes)
            )
        )
        return {code: version for code, version in rows}

    def save_statistics_versions(self, new: Rows, changed: Rows) -> None:
        sa = statistics_aggregates
        self._insert(sa, new)
        if changed:
            self.session.execute(
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
