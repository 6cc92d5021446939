"""Unit of work: the one way a use case opens a database transaction.

``with ctx.uow() as uow:`` opens it; the use case reads and writes through the
repositories the service's unit of work carries, stages its events with
``uow.add_events`` (they go to the outbox in the same transaction), and calls
``uow.commit()``. Leaving the block without a commit rolls everything back, so
an exception, or a use case that decides to refuse, leaves nothing behind.

A service subclasses ``SqlUnitOfWork`` and opens its repositories on the
session in ``open_repositories``; its unit tests use a subclass of
``dagkit.testing.fakes.FakeUnitOfWork`` with in-memory repositories instead.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from sqlalchemy import Table
from sqlalchemy.orm import Session, sessionmaker

from dagkit.envelope import Envelope
from dagkit.outbox import add_many_to_outbox

# (topic, event): what a use case publishes.
OutgoingEvent = tuple[str, Envelope]


class AbstractUnitOfWork(abc.ABC):
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # After a commit there is nothing left to roll back.
            self.rollback()
        finally:
            self.close()

    def close(self) -> None:  # noqa: B027 - most fakes hold nothing to release
        """Release what the unit of work holds (a connection)."""

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...

    @abc.abstractmethod
    def add_events(self, events: Sequence[OutgoingEvent]) -> None:
        """Publish ``events`` if, and only if, this unit of work commits."""


class SqlUnitOfWork(AbstractUnitOfWork):
    """A unit of work on one SQLAlchemy session; events go to ``outbox``.

    ``borrow(session)`` opens the same repositories over a transaction someone
    else owns (the kit consumer's batch, which commits the inbox rows and
    versions with it): commit, rollback and close then leave it to the owner,
    so an event handler is the same code on a request and in a batch."""

    session: Session

    def __init__(
        self, session_factory: sessionmaker[Session] | None, outbox: Table | None = None
    ) -> None:
        self._session_factory = session_factory
        self._outbox = outbox
        self._borrowed = False

    def __enter__(self) -> Self:
        if not self._borrowed:
            if self._session_factory is None:
                raise RuntimeError("no session factory: borrow() a session instead")
            self.session = self._session_factory()
            self.open_repositories(self.session)
        return self

    def borrow(self, session: Session) -> Self:
        """The repositories over ``session``, whose owner commits it."""
        self.session = session
        self._borrowed = True
        self.open_repositories(session)
        return self

    def close(self) -> None:
        if not self._borrowed:
            self.session.close()

    def open_repositories(self, session: Session) -> None:
        """Set the service's repositories on ``self``, over ``session``."""

    def commit(self) -> None:
        if not self._borrowed:
            self.session.commit()

    def rollback(self) -> None:
        if not self._borrowed:
            self.session.rollback()

    def add_events(self, events: Sequence[OutgoingEvent]) -> None:
        if self._outbox is None:
            raise RuntimeError("this service publishes no events: its unit of work has no outbox")
        add_many_to_outbox(self.session, self._outbox, events)
