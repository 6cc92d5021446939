"""Outbox relay: publishes outbox rows to Kafka in id order and marks them sent.

Several relays may run on one PostgreSQL outbox. Each claims a batch with
``FOR UPDATE SKIP LOCKED``; a claimed row whose key has an earlier unsent row
held by another relay is left for later, so per-key order survives. On
SQLite (one relay, the embedded default) the same code runs without locks.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    func,
    select,
    update,
)

from dagkit.db import is_postgres, values_in
from dagkit.health import WorkerHealth
from dagkit.kafka import make_producer
from dagkit.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISHED, RELAY_READY
from dagkit.outbox import NOTIFY_CHANNEL

log = logging.getLogger(__name__)


def relay_producer(bootstrap: str, client_id: str) -> KafkaProducer:
    """The relay's producer compresses batches with gzip (in the standard
    library, so every consumer reads it): kafka-python appends compressed
    records at over twice the rate of plain ones here, and JSON shrinks on the
    broker too. It lingers until the relay's flush() at the end of each batch,
    so its I/O thread does not contend with the appends; flush() sends at
    once, so no latency is added."""
    return make_producer(bootstrap, client_id, linger_ms=1000, compression_type="gzip")


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        outbox: Table,
        producer: KafkaProducer,
        *,
        service: str,
        batch_size: int = 1000,
        idle_wait_seconds: float = 0.5,
        send_timeout_seconds: float = 30.0,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.producer = producer
        self.service = service
        self.batch_size = batch_size
        self.idle_wait_seconds = idle_wait_seconds
        self.send_timeout_seconds = send_timeout_seconds
        self._stop = threading.Event()
        self._last_backlog_check = 0.0
        self.health = WorkerHealth()

    def stop(self) -> None:
        self._stop.set()

    def publish_batch(self) -> int:
        """Publish one batch; return how many rows were published."""
        ob = self.outbox
        with self.engine.begin() as conn:
            rows: list[Row[Any]] = list(
                conn.execute(
                    select(ob.c.id, ob.c.topic, ob.c.message_key, ob.c.payload)
                    .where(ob.c.sent_at.is_(None))
                    .order_by(ob.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                ).all()
            )
            if rows and is_postgres(self.engine):
                rows = self._without_rows_behind_other_claims(conn, rows)
            if not rows:
                return 0
            futures = [
                self.producer.send(
                    row.topic, key=row.message_key.encode(), value=row.payload.encode()
                )
                for row in rows
            ]
            self.producer.flush(timeout=self.send_timeout_seconds)
            # Any failed send raises here, the transaction rolls back and the
            # rows are published again; consumers drop the duplicates.
            for future in futures:
                future.get(timeout=self.send_timeout_seconds)
            conn.execute(
                update(ob)
                .where(self._id_in([row.id for row in rows]))
                .values(sent_at=datetime.now(UTC))
            )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    def _id_in(self, ids: list[int]) -> ColumnElement[bool]:
        return values_in(self.outbox.c.id, ids, self.engine)

    def _without_rows_behind_other_claims(
        self, conn: Connection, rows: list[Row[Any]]
    ) -> list[Row[Any]]:
        ob = self.outbox
        ids = [row.id for row in rows]
        # Usually no other relay holds an earlier row: then the batch is every
        # unsent row up to its last id, which one cheap count shows.
        unsent_up_to_last = conn.execute(
            select(func.count()).select_from(ob).where(ob.c.sent_at.is_(None), ob.c.id <= max(ids))
        ).scalar_one()
        if unsent_up_to_last == len(ids):
            return rows
        earliest_elsewhere: dict[str, int] = {
            key: first_id
            for key, first_id in conn.execute(
                select(ob.c.message_key, func.min(ob.c.id))
                .where(
                    ob.c.sent_at.is_(None),
                    ob.c.id < max(ids),
                    ~self._id_in(ids),
                )
                .group_by(ob.c.message_key)
            )
        }
        return [
            row
            for row in rows
            if row.message_key not in earliest_elsewhere
            or row.id < earliest_elsewhere[row.message_key]
        ]

    def backlog(self) -> int:
        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(self.outbox).where(self.outbox.c.sent_at.is_(None))
            ).scalar_one()
        return int(count)

    def run(self) -> None:
        """Publish until stop() is called; wait for NOTIFY (or poll) when idle.

        Nothing that happens to the database, the broker or the LISTEN
        connection ends the loop: a failed batch is tried again with capped
        backoff (the rows stay unsent, so nothing is lost), and a dropped
        listener is opened again while polling covers the gap."""
        listener: _Listener | None = None
        next_listen_attempt = 0.0
        failures = 0
        log.info("outbox relay started", extra={"listen": is_postgres(self.engine)})
        try:
            while not self._stop.is_set():
                if listener is None and time.monotonic() >= next_listen_attempt:
                    listener = self._open_listener()
                    if listener is None:
                        next_listen_attempt = time.monotonic() + 5.0
                try:
                    published = self.publish_batch()
                    self._report_backlog()
                except Exception as exc:
                    failures += 1
                    self._set_ready(False, f"{type(exc).__name__}: {exc}"[:500])
                    log.warning(
                        "outbox relay batch failed; retrying",
                        extra={"error": repr(exc), "failures": failures},
                    )
                    self._stop.wait(min(10.0, 0.5 * 2 ** min(failures - 1, 5)))
                    continue
                failures = 0
                self._set_ready(True, None)
                if published < self.batch_size:
                    listener = self._idle(listener)
        finally:
            if listener is not None:
                listener.close()
            try:
                self.producer.flush(timeout=self.send_timeout_seconds)
            except Exception as exc:
                log.warning("outbox relay could not flush at stop", extra={"error": repr(exc)})
            log.info("outbox relay stopped")

    def _open_listener(self) -> _Listener | None:
        if not is_postgres(self.engine):
            return None
        try:
            return _Listener.open(self.engine)
        except Exception as exc:
            log.warning("cannot LISTEN for outbox commits; polling", extra={"error": repr(exc)})
            return None

    def _idle(self, listener: _Listener | None) -> _Listener | None:
        """Wait for the next commit (NOTIFY) or the idle interval. A listener
        whose connection dropped is closed and None returned, so the loop opens
        a new one."""
        if listener is None:
            self._stop.wait(self.idle_wait_seconds)
            return None
        try:
            listener.wait(self.idle_wait_seconds)
            return listener
        except Exception as exc:
            log.warning("LISTEN connection lost; opening a new one", extra={"error": repr(exc)})
            listener.close()
            return None

    def _set_ready(self, ready: bool, reason: str | None) -> None:
        self.health.ready = ready
        self.health.reason = reason
        RELAY_READY.labels(self.service).set(1 if ready else 0)

    def _report_backlog(self) -> None:
        now = time.monotonic()
        if now - self._last_backlog_check >= 5.0:
            self._last_backlog_check = now
            OUTBOX_BACKLOG.labels(self.service).set(self.backlog())


class _Listener:
    """A dedicated PostgreSQL connection that LISTENs for outbox commits."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @classmethod
    def open(cls, engine: Engine) -> _Listener | None:
        if not is_postgres(engine):
            return None
        import psycopg

        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return cls(conn)

    def wait(self, timeout: float) -> None:
        for _ in self.conn.notifies(timeout=timeout, stop_after=1):
            break
        # Drain the rest: one batch covers every commit signalled so far.
        for _ in self.conn.notifies(timeout=0.0):
            pass

    def close(self) -> None:
        try:
            self.conn.close()
        except Exception as exc:
            log.debug("closing the LISTEN connection failed", extra={"error": repr(exc)})
