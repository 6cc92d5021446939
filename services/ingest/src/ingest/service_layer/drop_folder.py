"""The watched drop folder: files put in ``incoming/`` are imported and moved
to ``done/`` or ``rejected/`` with their report beside them. A filed-away file
goes when the import's stored copy is purged (service_layer.retention); its
report stays."""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

from ingest.domain.imports import ImportRun
from ingest.service_layer import importing, retention
from ingest.service_layer.context import IngestContext

log = logging.getLogger(__name__)
# A file still being copied in must not be taken half-written.
SETTLE_SECONDS = 2.0
REPORT_SUFFIX = ".report.json"


def ensure_folders(drop_dir: Path) -> None:
    for name in ("incoming", "done", "rejected"):
        (drop_dir / name).mkdir(parents=True, exist_ok=True)


def ready_files(drop_dir: Path, now: float | None = None) -> list[Path]:
    now = time.time() if now is None else now
    incoming = drop_dir / "incoming"
    return sorted(
        path
        for path in incoming.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and now - path.stat().st_mtime >= SETTLE_SECONDS
    )


def import_dropped(ctx: IngestContext, drop_dir: Path, path: Path) -> ImportRun:
    """Import one dropped file and file it away; returns the import as it ended."""
    try:
        run = importing.import_file(ctx, path, channel="drop_folder", requested_by="drop-folder")
    except importing.ImportFailed as failed:
        run = failed.run
    target = drop_dir / ("rejected" if run.rejected_or_failed else "done")
    destination = _free_name(target / path.name)
    shutil.move(str(path), destination)
    report = {"import_id": run.id, "status": run.status.value, "report": run.report}
    destination.with_name(destination.name + REPORT_SUFFIX).write_text(
        json.dumps(report, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    log.info(
        "dropped file imported",
        extra={"file": path.name, "status": run.status.value, "import_id": run.id},
    )
    return run


def remove_purged(ctx: IngestContext, drop_dir: Path) -> int:
    """Delete the filed-away files whose import's stored file was purged;
    returns how many."""
    kept: dict[str, Path] = {}
    for folder in ("done", "rejected"):
        if not (drop_dir / folder).is_dir():
            continue
        for report in (drop_dir / folder).glob("*" + REPORT_SUFFIX):
            original = report.with_name(report.name.removesuffix(REPORT_SUFFIX))
            if not original.is_file():
                continue
            try:
                import_id = json.loads(report.read_text(encoding="utf-8"))["import_id"]
            except (OSError, ValueError, KeyError, TypeError):
                log.warning("unreadable drop folder report", extra={"file": str(report)})
                continue
            kept[str(import_id)] = original
    removed = 0
    if kept:
        for import_id in retention.purged(ctx, list(kept)):
            kept[import_id].unlink(missing_ok=True)
            removed += 1
    return removed


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
