"""dagkit.uow.SqlUnitOfWork on an in-memory SQLite database: what a use case
commits stays, anything else leaves no trace, and its events reach the outbox
in the same transaction."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, Table, event, func, insert, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope
from dagkit.testing.sample_notes import TOPIC, kit, metadata, note_added, notes
from dagkit.uow import SqlUnitOfWork


class NoteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, text: str) -> None:
        self.session.execute(insert(notes).values(text=text))


class NotesUnitOfWork(SqlUnitOfWork):
    notes: NoteRepository

    def open_repositories(self, session: Session) -> None:
        self.notes = NoteRepository(session)


@pytest.fixture
def engine() -> Iterator[Engine]:
    # One connection shared by every session: an in-memory database lives in it.
    engine = make_engine("sqlite://", poolclass=StaticPool)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


def add_then_fail(uow: NotesUnitOfWork, text: str) -> None:
    with uow:
        uow.notes.add(text)
        uow.add_events([(TOPIC, note_added(text))])
        raise ValueError("midway")


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_what_is_committed_stays(engine: Engine, factory: sessionmaker[Session]) -> None:
    with NotesUnitOfWork(factory, kit.outbox) as uow:
        uow.notes.add("kept")
        uow.commit()
    with engine.connect() as conn:
        assert conn.execute(select(notes.c.text)).scalars().all() == ["kept"]


def test_leaving_without_a_commit_rolls_back(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with NotesUnitOfWork(factory, kit.outbox) as uow:
        uow.notes.add("refused")
    assert count(engine, notes) == 0


def test_an_exception_rolls_back_and_is_raised(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with pytest.raises(ValueError, match="midway"):
        add_then_fail(NotesUnitOfWork(factory, kit.outbox), "half")
    assert count(engine, notes) == 0


def test_work_after_a_commit_is_rolled_back(engine: Engine, factory: sessionmaker[Session]) -> None:
    with NotesUnitOfWork(factory, kit.outbox) as uow:
        uow.notes.add("first")
        uow.commit()
        uow.notes.add("second")
    with engine.connect() as conn:
        assert conn.execute(select(notes.c.text)).scalars().all() == ["first"]


def test_committed_events_reach_the_outbox_with_the_change(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    added = note_added("kept")
    with NotesUnitOfWork(factory, kit.outbox) as uow:
        uow.notes.add("kept")
        uow.add_events([(TOPIC, added)])
        uow.commit()
    with engine.connect() as conn:
        row = conn.execute(select(kit.outbox)).one()
    assert (row.topic, row.message_key, row.event_id, row.event_type) == (
        TOPIC,
        "kept",
        added.id,
        "dk.dagtilbud.note.added.v1",
    )
    assert row.sent_at is None
    assert Envelope.from_json(row.payload.encode()) == added


def test_events_of_uncommitted_work_are_not_written(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    with NotesUnitOfWork(factory, kit.outbox) as uow:
        uow.notes.add("refused")
        uow.add_events([(TOPIC, note_added("refused"))])
    with pytest.raises(ValueError, match="midway"):
        add_then_fail(NotesUnitOfWork(factory, kit.outbox), "failed")
    assert count(engine, kit.outbox) == 0


def test_a_unit_of_work_without_an_outbox_refuses_events(factory: sessionmaker[Session]) -> None:
    with NotesUnitOfWork(factory) as uow, pytest.raises(RuntimeError, match="no outbox"):
        uow.add_events([(TOPIC, note_added("x"))])


def test_the_connection_goes_back_to_the_pool(
    engine: Engine, factory: sessionmaker[Session]
) -> None:
    checked_in: list[object] = []
    event.listen(engine, "checkin", lambda *args: checked_in.append(args))
    with NotesUnitOfWork(factory, kit.outbox) as uow:
        uow.notes.add("kept")
        uow.commit()
    assert len(checked_in) == 1
    with pytest.raises(ValueError, match="midway"):
        add_then_fail(NotesUnitOfWork(factory, kit.outbox), "half")
    assert len(checked_in) == 2
