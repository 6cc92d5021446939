"""In-memory stand-ins for the ingest service's repositories, for unit tests
of its use cases: the same rules as the SQL in ``adapters.repository``, on
dicts.

The three repositories are views over one in-memory store (``FakeTables``),
as the SQL ones are over one database: the retention, for instance, asks
about imports, dataset versions and figures at once. The store is what the
fake unit of work snapshots and puts back on rollback."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Self

from dagkit.testing.fakes import FakeUnitOfWork
from ingest.domain.changes import CurrentInstitution
from ingest.domain.imports import NOT_APPLIED, DatasetVersion, ImportRun, ImportStatus
from ingest.domain.model import DatasetKind, FigureKey
from ingest.domain.reference import ReferenceData
from ingest.service_layer.context import IngestContext
from ingest.service_layer.repositories import (
    DatasetRepository,
    ImportRepository,
    MunicipalFigure,
    Rows,
    StoredFileRepository,
)
from ingest.service_layer.unit_of_work import IngestUnitOfWork


@dataclass
class FakeStoredFile:
    sha256: str
    size: int
    created_at: datetime
    chunks: dict[int, bytes] = field(default_factory=dict)


@dataclass
class FakeTables:
    """What the ingest database holds, as plain values."""

    imports: dict[str, ImportRun] = field(default_factory=dict)
    files: dict[str, FakeStoredFile] = field(default_factory=dict)
    versions: dict[int, DatasetVersion] = field(default_factory=dict)
    locked: set[DatasetKind] = field(default_factory=set)  # kinds ever locked
    institutions: dict[str, dict[str, Any]] = field(default_factory=dict)  # by number
    figures: dict[FigureKey, dict[str, Any]] = field(default_factory=dict)
    statistics_aggregates: dict[int, dict[str, Any]] = field(default_factory=dict)

    def referenced_files(self) -> set[str]:
        return {r.stored_file_id for r in self.imports.values() if r.stored_file_id is not None}


class FakeImportRepository(ImportRepository):
    def __init__(self, tables: FakeTables) -> None:
        self.tables = tables

    def _update(self, import_id: str, **values: Any) -> None:
        run = self.tables.imports.get(import_id)
        if run is not None:
            self.tables.imports[import_id] = dataclasses.replace(run, **values)

    def add(self, run: ImportRun) -> None:
        assert run.id not in self.tables.imports, f"import {run.id} exists"
        self.tables.imports[run.id] = run

    def get(self, import_id: str) -> ImportRun | None:
        return self.tables.imports.get(import_id)

    def page(self, limit: int, offset: int) -> tuple[list[ImportRun], int]:
        runs = sorted(self.tables.imports.values(), key=lambda r: r.created_at, reverse=True)
        return runs[offset : offset + limit], len(runs)

    def claim(self, import_id: str, now: datetime) -> bool:
        run = self.tables.imports.get(import_id)
        if run is None or run.status is not ImportStatus.QUEUED:
            return False
        self._update(
            import_id,
            status=ImportStatus.RUNNING,
            started_at=now,
            heartbeat_at=now,
            attempts=run.attempts + 1,
            rows_done=0,
        )
        return True

    def next_queued(self) -> str | None:
        queued = [r for r in self.tables.imports.values() if r.status is ImportStatus.QUEUED]
        return min(queued, key=lambda r: r.created_at).id if queued else None

    def requeue_stale(self, heartbeat_before: datetime) -> int:
        stale = [
            r.id
            for r in self.tables.imports.values()
            if r.status is ImportStatus.RUNNING
            and r.heartbeat_at is not None
            and r.heartbeat_at < heartbeat_before
        ]
        for import_id in stale:
            self._update(import_id, status=ImportStatus.QUEUED)
        return len(stale)

    def purgeable_files(
        self, *, finished_before: datetime, replaced_before: datetime, limit: int
    ) -> list[tuple[str, str]]:
        versions = self.tables.versions.values()
        figure_versions = {f["dataset_version_id"] for f in self.tables.figures.values()}

        def replaced(version: DatasetVersion) -> bool:
            newer = [v for v in versions if v.kind is version.kind and v.id > version.id]
            if version.kind is DatasetKind.REGISTER:
                return any(v.created_at < replaced_before for v in newer)
            return (
                version.id not in figure_versions
                and bool(newer)
                and all(v.created_at < replaced_before for v in newer)
            )

        found: list[tuple[datetime, str, str]] = []
        for run in self.tables.imports.values():
            if run.stored_file_id is None:
                continue
            ended = run.finished_at or run.created_at
            accepted = run.status is ImportStatus.ACCEPTED
            version = next((v for v in versions if v.import_id == run.id), None)
            if (
                (run.status in NOT_APPLIED or (accepted and run.dry_run))
                and (ended < finished_before)
            ) or (accepted and not run.dry_run and version is not None and replaced(version)):
                found.append((ended, run.id, run.stored_file_id))
        return [(import_id, file_id) for _, import_id, file_id in sorted(found)[:limit]]

    def release_files(self, import_ids: list[str], now: datetime) -> None:
        for import_id in import_ids:
            self._update(import_id, stored_file_id=None, file_purged_at=now)

    def purged(self, import_ids: list[str]) -> set[str]:
        return {
            import_id
            for import_id in import_ids
            if (run := self.tables.imports.get(import_id)) is not None
            and run.file_purged_at is not None
        }


class FakeStoredFileRepository(StoredFileRepository):
    def __init__(self, tables: FakeTables) -> None:
        self.tables = tables

    def add(self, file_id: str, sha256: str, size: int, created_at: datetime) -> None:
        self.tables.files[file_id] = FakeStoredFile(sha256, size, created_at)

    def add_chunk(self, file_id: str, seq: int, data: bytes) -> None:
        self.tables.files[file_id].chunks[seq] = data

    def set_content(self, file_id: str, sha256: str, size: int) -> None:
        stored = self.tables.files[file_id]
        stored.sha256, stored.size = sha256, size

    def chunks(self, file_id: str) -> Iterator[bytes]:
        stored = self.tables.files.get(file_id)
        chunks = stored.chunks if stored is not None else {}
        yield from (chunks[seq] for seq in sorted(chunks))

    def orphans(self, created_before: datetime, limit: int) -> list[str]:
        referenced = self.tables.referenced_files()
        return [
            file_id
            for file_id, stored in self.tables.files.items()
            if stored.created_at < created_before and file_id not in referenced
        ][:limit]

    def delete_unreferenced(self, file_ids: list[str]) -> tuple[int, int]:
        referenced = self.tables.referenced_files()
        free = [i for i in file_ids if i in self.tables.files and i not in referenced]
        size = sum(self.tables.files.pop(file_id).size for file_id in free)
        return len(free), size


class FakeDatasetRepository(DatasetRepository):
    def __init__(self, tables: FakeTables) -> None:
        self.tables = tables

    def latest_version_with_hash(self, sha256: str) -> DatasetVersion | None:
        same = [v for v in self.tables.versions.values() if v.content_sha256 == sha256]
        if not same:
            return None
        match = max(same, key=lambda v: v.id)
        newest = max(v.id for v in self.tables.versions.values() if v.kind is match.kind)
        return match if newest == match.id else None

    def lock_kind(self, kind: DatasetKind) -> None:
        self.tables.locked.add(kind)

    def _insert_version(self, values: dict[str, Any]) -> int:
        version_id = max(self.tables.versions, default=0) + 1
        self.tables.versions[version_id] = DatasetVersion(id=version_id, **values)
        return version_id

    def current_institutions(self) -> dict[str, CurrentInstitution]:
        return {
            number: CurrentInstitution(
                row["status"], copy.deepcopy(row["payload"]), row["aggregate_version"]
            )
            for number, row in self.tables.institutions.items()
        }

    def save_institutions(self, new: Rows, changed: Rows) -> None:
        for row in new:
            assert row["number"] not in self.tables.institutions, row["number"]
        for row in [*new, *changed]:
            self.tables.institutions[row["number"]] = copy.deepcopy(row)

    def current_figures(self) -> dict[FigureKey, tuple[float | None, str]]:
        return {key: (row["value"], row["source"]) for key, row in self.tables.figures.items()}

    def save_figures(self, new: Rows, changed: Rows) -> None:
        for row in new:
            key = (row["municipality_code"], row["indicator"], row["year"])
            assert key not in self.tables.figures, key
            self.tables.figures[key] = dict(row)
        for row in changed:
            key = (row["municipality_code"], row["indicator"], row["year"])
            self.tables.figures[key].update(
                value=row["value"],
                source=row["source"],
                dataset_version_id=row["dataset_version_id"],
            )

    def delete_figures(self, keys: Sequence[FigureKey]) -> None:
        for key in keys:
            self.tables.figures.pop(key, None)

    def figures_of(self, codes: set[int]) -> dict[int, list[MunicipalFigure]]:
        out: dict[int, list[MunicipalFigure]] = {code: [] for code in codes}
        for (code, indicator, year), row in self.tables.figures.items():
            if code in codes:
                out[code].append((indicator, year, row["value"], row["source"]))
        return out

    def statistics_versions(self, codes: set[int]) -> dict[int, int]:
        return {
            code: row["aggregate_version"]
            for code, row in self.tables.statistics_aggregates.items()
            if code in codes
        }

    def save_statistics_versions(self, new: Rows, changed: Rows) -> None:
        for row in [*new, *changed]:
            self.tables.statistics_aggregates[row["municipality_code"]] = dict(row)


class FakeIngestUnitOfWork(FakeUnitOfWork, IngestUnitOfWork):
    """The ingest unit of work on ``FakeTables``; ``published`` holds the
    events of committed work."""

    REPOSITORIES: ClassVar[tuple[str, ...]] = ("tables",)

    def __init__(self, tables: FakeTables | None = None) -> None:
        super().__init__()
        self.tables = tables if tables is not None else FakeTables()
        self._open()

    def __enter__(self) -> Self:
        super().__enter__()
        self._open()
        return self

    def rollback(self) -> None:
        super().rollback()
        self._open()  # the views over the store as it was put back

    def _open(self) -> None:
        self.imports = FakeImportRepository(self.tables)
        self.files = FakeStoredFileRepository(self.tables)
        self.datasets = FakeDatasetRepository(self.tables)


def fake_context(
    reference: ReferenceData, work_dir: Path, **limits: Any
) -> tuple[IngestContext, FakeIngestUnitOfWork]:
    """A context whose unit of work is a fresh fake, and the fake itself."""
    uow = FakeIngestUnitOfWork()
    limits.setdefault("max_upload_bytes", 50 * 1024 * 1024)
    return IngestContext(uow=uow, reference=reference, work_dir=work_dir, **limits), uow
