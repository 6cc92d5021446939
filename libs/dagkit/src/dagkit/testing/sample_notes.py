"""A notes service in miniature for the kit's unit tests of units of work:
the SQL one and the fake one are held to the same behaviour with it."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from dagkit.envelope import Envelope
from dagkit.tables import add_kit_tables, service_metadata

TOPIC = "notes.notes.v1"
NOTE_ADDED = "dk.dagtilbud.note.added.v1"

metadata = service_metadata()
kit = add_kit_tables(metadata)
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(100), nullable=False),
)


def note_added(text: str) -> Envelope:
    return Envelope.new(
        source="/services/notes",
        type=NOTE_ADDED,
        subject=text,
        data={"text": text},
        aggregate_version=1,
    )
