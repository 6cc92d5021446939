"""An import: one file handed over, from queued to its outcome, and the
dataset version an accepted file becomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ingest.domain.model import DatasetKind


class ImportStatus(StrEnum):
    QUEUED = "queued"  # stored, waiting for a worker
    RUNNING = "running"  # a worker has it
    ACCEPTED = "accepted"  # applied and published (a dry run: valid, nothing applied)
    REJECTED = "rejected"  # the report says why; nothing stored, nothing published
    DUPLICATE = "duplicate"  # the newest version of its kind already has this content
    FAILED = "failed"  # broke off; nothing applied


# Outcomes whose file is no longer needed once its retention has passed.
NOT_APPLIED = (ImportStatus.REJECTED, ImportStatus.DUPLICATE, ImportStatus.FAILED)


@dataclass(frozen=True)
class ImportProgress:
    rows_done: int
    rows_total: int | None


@dataclass(frozen=True)
class ImportRun:
    """One file handed over, whatever became of it (a row of ``imports``)."""

    id: str
    filename: str
    kind_hint: str | None  # the format or DST table the uploader named
    channel: str  # http | cli | drop_folder
    dry_run: bool
    content_sha256: str
    size_bytes: int
    stored_file_id: str | None  # None once the file is purged
    file_purged_at: datetime | None
    confirm_closures: int | None  # the closure count the uploader confirmed
    status: ImportStatus
    format: str | None
    dataset_kind: DatasetKind | None
    rows_total: int | None
    rows_done: int
    attempts: int
    report: dict[str, Any] | None
    dataset_version_id: int | None
    requested_by: str | None
    correlation_id: str
    created_at: datetime
    started_at: datetime | None = None
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def progress(self) -> ImportProgress:
        return ImportProgress(self.rows_done, self.rows_total)

    @property
    def rejected_or_failed(self) -> bool:
        """Nothing of the file was applied, and someone should look at why."""
        return self.status in (ImportStatus.REJECTED, ImportStatus.FAILED)

    def as_dict(self) -> dict[str, Any]:
        """Every column, in the table's order (the CLI's ``--json``)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class DatasetVersion:
    """What an accepted (not dry-run) file became."""

    id: int
    kind: DatasetKind
    import_id: str
    content_sha256: str
    format: str
    created_at: datetime

    @property
    def label(self) -> str:
        return version_label(self.kind, self.id)


def version_label(kind: DatasetKind, version_id: int) -> str:
    """How events and reports name a dataset version, e.g. ``register:12``."""
    return f"{kind.value}:{version_id}"


@dataclass(frozen=True)
class StoredFile:
    id: str
    sha256: str
    size: int
