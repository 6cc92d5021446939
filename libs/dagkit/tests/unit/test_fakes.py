"""dagkit.testing.fakes.FakeUnitOfWork behaves like a transaction, so a use
case's unit test on the fakes means what its run on SQL would."""

from __future__ import annotations

import pytest

from dagkit.testing.fakes import FakeUnitOfWork
from dagkit.testing.sample_notes import TOPIC, note_added


class FakeNotes:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def add(self, text: str) -> None:
        self.texts.append(text)


class FakeNotesUnitOfWork(FakeUnitOfWork):
    REPOSITORIES = ("notes",)

    def __init__(self) -> None:
        super().__init__()
        self.notes = FakeNotes()


def add_then_fail(uow: FakeNotesUnitOfWork, text: str) -> None:
    with uow() as work:
        work.notes.add(text)
        work.add_events([(TOPIC, note_added(text))])
        raise ValueError("midway")


def test_the_fake_is_its_own_factory() -> None:
    uow = FakeNotesUnitOfWork()
    assert uow() is uow


def test_what_is_committed_stays() -> None:
    uow = FakeNotesUnitOfWork()
    with uow() as work:
        work.notes.add("kept")
        work.commit()
    assert uow.notes.texts == ["kept"]
    assert uow.commits == 1


def test_leaving_without_a_commit_restores_the_repositories() -> None:
    uow = FakeNotesUnitOfWork()
    with uow() as work:
        work.notes.add("kept")
        work.commit()
    with uow() as work:
        work.notes.add("refused")
    assert uow.notes.texts == ["kept"]


def test_an_exception_restores_the_repositories() -> None:
    uow = FakeNotesUnitOfWork()
    with pytest.raises(ValueError, match="midway"):
        add_then_fail(uow, "half")
    assert uow.notes.texts == []
    assert uow.commits == 0
    assert uow.published == []


def test_work_after_a_commit_is_rolled_back() -> None:
    uow = FakeNotesUnitOfWork()
    with uow() as work:
        work.notes.add("first")
        work.commit()
        work.notes.add("second")
    assert uow.notes.texts == ["first"]


def test_events_are_published_only_on_commit() -> None:
    uow = FakeNotesUnitOfWork()
    kept, refused = note_added("kept"), note_added("refused")
    with uow() as work:
        work.add_events([(TOPIC, refused)])
    assert uow.published == []
    with uow() as work:
        work.add_events([(TOPIC, kept)])
        assert uow.published == []
        work.commit()
    assert uow.published == [(TOPIC, kept)]
    assert uow.published_types() == ["dk.dagtilbud.note.added.v1"]


def test_events_staged_before_a_rollback_are_not_published_by_a_later_commit() -> None:
    uow = FakeNotesUnitOfWork()
    with uow() as work:
        work.add_events([(TOPIC, note_added("dropped"))])
        work.rollback()
        work.commit()
    assert uow.published == []
