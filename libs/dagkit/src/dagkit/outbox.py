"""Transactional outbox: the event is written in the same transaction as the
state change it describes, so neither exists without the other."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, Table, insert, text
from sqlalchemy.orm import Session

from dagkit.envelope import Envelope

NOTIFY_CHANNEL = "kit_outbox"


def add_to_outbox(db: Session | Connection, outbox: Table, topic: str, event: Envelope) -> None:
    """Stage ``event`` for ``topic`` inside the caller's open transaction.

    On PostgreSQL a NOTIFY wakes the relay when the transaction commits (and
    not before), so the relay need not poll hard.
    """
    add_many_to_outbox(db, outbox, [(topic, event)])


def add_many_to_outbox(
    db: Session | Connection, outbox: Table, events: Sequence[tuple[str, Envelope]]
) -> None:
    """Stage many events at once (one round trip), in the order given."""
    if not events:
        return
    now = datetime.now(UTC)
    db.execute(
        insert(outbox),
        [
            {
                "topic": topic,
                "message_key": event.subject,
                "event_id": event.id,
                "event_type": event.type,
                "payload": event.to_json().decode(),
                "created_at": now,
            }
            for topic, event in events
        ],
    )
    bind = db.get_bind() if isinstance(db, Session) else db
    if bind.dialect.name == "postgresql":
        db.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
