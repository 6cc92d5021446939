"""How long uploaded files are kept.

A file is needed while its import may still run, and for a while after to see
what was sent; the import's record and report are kept for good. Files of
rejected, duplicate and failed imports and of dry runs are kept
``keep_files_days`` after the import ended. An accepted file is kept while its
dataset version is current (the newest register; for statistics, the newest
version or one a current figure came from) and ``keep_replaced_files_days``
after it stopped being current. Queued and running imports keep theirs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ingest.service_layer.context import IngestContext

log = logging.getLogger(__name__)
# Files in one transaction: bounded work, and a purge that stops half-way
# leaves whole files or none.
BATCH = 50
# A file stored but never queued (the upload was cut off in between).
ORPHAN_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Purged:
    files: int
    bytes: int


def purge_files(ctx: IngestContext, now: datetime | None = None) -> Purged:
    """Delete the stored files that have outlived their retention."""
    now = now or datetime.now(UTC)
    finished_before = now - timedelta(days=ctx.keep_files_days)
    replaced_before = now - timedelta(days=ctx.keep_replaced_files_days)
    files = freed = 0
    while True:
        with ctx.uow() as uow:
            batch = uow.imports.purgeable_files(
                finished_before=finished_before, replaced_before=replaced_before, limit=BATCH
            )
            if batch:
                uow.imports.release_files([import_id for import_id, _ in batch], now)
                file_ids = [file_id for _, file_id in batch]
            else:
                file_ids = uow.files.orphans(now - ORPHAN_AFTER, BATCH)
            deleted, size = uow.files.delete_unreferenced(file_ids)
            uow.commit()
        if not file_ids:
            break
        files, freed = files + deleted, freed + size
    if files:
        log.info("purged uploaded files", extra={"files": files, "bytes": freed})
    return Purged(files, freed)


def purged(ctx: IngestContext, import_ids: list[str]) -> set[str]:
    """Which of these imports have had their file purged."""
    with ctx.uow() as uow:
        return uow.imports.purged(import_ids)
