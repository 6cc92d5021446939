"""Transactional outbox: the event is written in the same transaction as the
state change it describes, so neither exists without the other."""

from __future__ import annotations

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
    db.execute(
        insert(outbox).values(
            topic=topic,
            message_key=event.subject,
            event_id=event.id,
            event_type=event.type,
            payload=event.to_json().decode(),
            created_at=datetime.now(UTC),
        )
    )
    bind = db.get_bind() if isinstance(db, Session) else db
    if bind.dialect.name == "postgresql":
        db.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
