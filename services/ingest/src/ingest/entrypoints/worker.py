"""Runs queued imports (from HTTP uploads) and watches the drop folder:
``python -m ingest.entrypoints.worker``. Several workers may run; each import
is claimed by one."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from dagkit.faults import is_transient
from dagkit.health import WorkerHealth
from dagkit.logging import configure_logging, correlation
from dagkit.processes import stop_on_signals
from dagkit.worker_http import serve_worker_endpoints
from ingest.bootstrap import build_context
from ingest.config import SERVICE, load_settings
from ingest.service_layer import drop_folder, importing, retention
from ingest.service_layer.context import IngestContext

log = logging.getLogger(__name__)
# Uploaded files past their retention are purged this often (and at start).
PURGE_EVERY_SECONDS = 3600.0


class Worker:
    def __init__(self, ctx: IngestContext, drop_dir: Path, idle_seconds: float = 1.0) -> None:
        self.ctx = ctx
        self.drop_dir = drop_dir
        self.idle_seconds = idle_seconds
        self._stop = threading.Event()
        self._last_requeue = 0.0
        self._last_purge: float | None = None
        self.health = WorkerHealth()

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> bool:
        """Do one piece of work; False when there was none."""
        now = time.monotonic()
        if now - self._last_requeue > 10:
            self._last_requeue = now
            if requeued := importing.requeue_stale(self.ctx):
                log.warning("re-queued imports whose worker stopped", extra={"count": requeued})
        if self._last_purge is None or now - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = now
            retention.purge_files(self.ctx)
            drop_folder.remove_purged(self.ctx, self.drop_dir)
        run = importing.claim_next(self.ctx)
        if run is not None:
            with correlation(run.correlation_id):
                try:
                    importing.process(self.ctx, run.id, claimed=True)
                except Exception:
                    log.exception("import failed", extra={"import_id": run.id})
            return True
        for path in drop_folder.ready_files(self.drop_dir):
            with correlation(None):
                drop_folder.import_dropped(self.ctx, self.drop_dir, path)
            return True
        return False

    def run(self) -> None:
        drop_folder.ensure_folders(self.drop_dir)
        log.info("ingest worker started", extra={"drop_dir": str(self.drop_dir)})
        failures = 0
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception as exc:
                # An import's own errors are recorded on the import; what gets
                # here is the database away. Wait for it: the queued imports
                # are still queued, and a stale claim is re-queued later.
                if not is_transient(exc):
                    raise
                failures += 1
                self.health.ready, self.health.reason = False, f"{type(exc).__name__}: {exc}"[:500]
                log.warning("ingest worker waiting for the database", extra={"error": repr(exc)})
                self._stop.wait(min(10.0, 0.5 * 2 ** min(failures - 1, 5)))
                continue
            failures = 0
            self.health.ready, self.health.reason = True, None
            if not worked:
                self._stop.wait(self.idle_seconds)
        log.info("ingest worker stopped")


def main() -> None:
    settings = load_settings()
    configure_logging(f"{SERVICE}-worker", settings["log_level"])
    ctx = build_context(settings)
    worker = Worker(ctx, Path(settings["drop_dir"]))
    serve_worker_endpoints(
        settings.get("metrics_port"),
        settings.get("metrics_addr", "127.0.0.1"),
        f"{SERVICE}-worker",
        worker.health.readiness,
    )
    stop_on_signals(worker.stop)
    try:
        worker.run()
    finally:
        ctx.close()


if __name__ == "__main__":
    main()
