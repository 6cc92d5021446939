"""The ingest service's repositories as its use cases see them. How an
import's reading, progress and outcome are recorded, and what a new dataset
version is made of, is said here once; the SQL repositories and the test
stand-ins only store it."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from ingest.domain.changes import CurrentInstitution
from ingest.domain.imports import DatasetVersion, ImportRun, ImportStatus
from ingest.domain.model import DatasetKind, FigureKey

# (indicator, year, value, source) of one figure of a municipality.
MunicipalFigure = tuple[str, int, float | None, str]
# Rows to insert or update, as column -> value.
Rows = Sequence[dict[str, Any]]


class ImportRepository(abc.ABC):
    """The imports: one per file handed over, whatever became of it."""

    @abc.abstractmethod
    def add(self, run: ImportRun) -> None:
        """A new import; what only happens later (its outcome) stays unset."""

    @abc.abstractmethod
    def get(self, import_id: str) -> ImportRun | None: ...

    @abc.abstractmethod
    def page(self, limit: int, offset: int) -> tuple[list[ImportRun], int]:
        """Newest first, and how many there are in all."""

    @abc.abstractmethod
    def _update(self, import_id: str, **values: Any) -> None:
        """Sets these fields of one import (enums as members)."""

    @abc.abstractmethod
    def claim(self, import_id: str, now: datetime) -> bool:
        """Queued -> running; False when someone else took it or it is not queued."""

    @abc.abstractmethod
    def next_queued(self) -> str | None:
        """The oldest queued import no other worker is taking."""

    @abc.abstractmethod
    def requeue_stale(self, heartbeat_before: datetime) -> int:
        """A running import whose process died goes back to the queue."""

    @abc.abstractmethod
    def purgeable_files(
        self, *, finished_before: datetime, replaced_before: datetime, limit: int
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

    @abc.abstractmethod
    def release_files(self, import_ids: list[str], now: datetime) -> None:
        """These imports no longer have a file; when it was purged."""

    @abc.abstractmethod
    def purged(self, import_ids: list[str]) -> set[str]:
        """Which of these imports have had their file purged."""

    def record_read(
        self, import_id: str, *, format: str, dataset_kind: DatasetKind, rows: int
    ) -> None:
        self._update(
            import_id, format=format, dataset_kind=dataset_kind, rows_total=rows, rows_done=rows
        )

    def record_progress(
        self, import_id: str, *, rows_done: int, rows_total: int, heartbeat_at: datetime
    ) -> None:
        self._update(
            import_id, rows_done=rows_done, rows_total=rows_total, heartbeat_at=heartbeat_at
        )

    def record_outcome(
        self,
        import_id: str,
        status: ImportStatus,
        report: dict[str, Any],
        *,
        finished_at: datetime,
        dataset_version_id: int | None = None,
    ) -> None:
        values: dict[str, Any] = {"status": status, "report": report, "finished_at": finished_at}
        if dataset_version_id is not None:
            values["dataset_version_id"] = dataset_version_id
        self._update(import_id, **values)

    def mark_failed(self, import_id: str, finished_at: datetime) -> None:
        self._update(import_id, status=ImportStatus.FAILED, finished_at=finished_at)


class StoredFileRepository(abc.ABC):
    """The uploaded files, in chunks, so any worker on any machine can read
    one and none is ever whole in memory."""

    @abc.abstractmethod
    def add(self, file_id: str, sha256: str, size: int, created_at: datetime) -> None: ...

    @abc.abstractmethod
    def add_chunk(self, file_id: str, seq: int, data: bytes) -> None: ...

    @abc.abstractmethod
    def set_content(self, file_id: str, sha256: str, size: int) -> None: ...

    @abc.abstractmethod
    def chunks(self, file_id: str) -> Iterator[bytes]:
        """The file's chunks in order, one at a time."""

    @abc.abstractmethod
    def orphans(self, created_before: datetime, limit: int) -> list[str]:
        """Stored files no import refers to (an upload interrupted between being
        stored and being queued)."""

    @abc.abstractmethod
    def delete_unreferenced(self, file_ids: list[str]) -> tuple[int, int]:
        """Deletes these files unless an import still refers to one; returns how
        many were deleted and the bytes freed."""


class DatasetRepository(abc.ABC):
    """Dataset versions and what is current: the register and the statistics
    with their aggregate versions."""

    @abc.abstractmethod
    def latest_version_with_hash(self, sha256: str) -> DatasetVersion | None:
        """The dataset version with this content, if it is still the newest of its kind."""

    @abc.abstractmethod
    def lock_kind(self, kind: DatasetKind) -> None:
        """Imports of one kind are applied one at a time (held until commit)."""

    @abc.abstractmethod
    def _insert_version(self, values: dict[str, Any]) -> int:
        """Stores a new dataset version (the fields of ``DatasetVersion`` but
        its id); returns the id it got."""

    @abc.abstractmethod
    def current_institutions(self) -> dict[str, CurrentInstitution]: ...

    @abc.abstractmethod
    def save_institutions(self, new: Rows, changed: Rows) -> None: ...

    @abc.abstractmethod
    def current_figures(self) -> dict[FigureKey, tuple[float | None, str]]: ...

    @abc.abstractmethod
    def save_figures(self, new: Rows, changed: Rows) -> None: ...

    @abc.abstractmethod
    def delete_figures(self, keys: Sequence[FigureKey]) -> None: ...

    @abc.abstractmethod
    def figures_of(self, codes: set[int]) -> dict[int, list[MunicipalFigure]]: ...

    @abc.abstractmethod
    def statistics_versions(self, codes: set[int]) -> dict[int, int]: ...

    @abc.abstractmethod
    def save_statistics_versions(self, new: Rows, changed: Rows) -> None: ...

    def add_version(
        self,
        *,
        kind: DatasetKind,
        import_id: str,
        content_sha256: str,
        format: str,
        created_at: datetime,
    ) -> int:
        return self._insert_version(
            {
                "kind": kind,
                "import_id": import_id,
                "content_sha256": content_sha256,
                "format": format,
                "created_at": created_at,
            }
        )
