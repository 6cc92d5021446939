"""In-memory stand-ins for unit tests of use cases and event handlers.

A service's fake unit of work subclasses ``FakeUnitOfWork`` and names its
in-memory repositories in ``REPOSITORIES``; it behaves like a transaction:
what the repositories hold when the block is left without a commit is put
back as it was at ``__enter__``, and staged events are published only on
commit. The real-infrastructure tests keep covering the SQL adapters."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, ClassVar, Self

from dagkit.uow import AbstractUnitOfWork, OutgoingEvent


class FakeUnitOfWork(AbstractUnitOfWork):
    # Attribute names of the in-memory repositories on this unit of work.
    REPOSITORIES: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.commits = 0
        self.published: list[OutgoingEvent] = []  # events of committed work, in order
        self._staged: list[OutgoingEvent] = []
        self._snapshot: dict[str, Any] = {}

    def __call__(self) -> Self:
        """The fake is its own factory: ``ctx.uow()`` returns it."""
        return self

    def __enter__(self) -> Self:
        self._snapshot = {name: copy.deepcopy(getattr(self, name)) for name in self.REPOSITORIES}
        self._staged = []
        return self

    def commit(self) -> None:
        self.commits += 1
        self.published.extend(self._staged)
        self._staged = []
        self._snapshot = {name: copy.deepcopy(getattr(self, name)) for name in self.REPOSITORIES}

    def rollback(self) -> None:
        self._staged = []
        for name, saved in self._snapshot.items():
            setattr(self, name, copy.deepcopy(saved))

    def add_events(self, events: Sequence[OutgoingEvent]) -> None:
        self._staged.extend(events)

    def published_types(self) -> list[str]:
        return [event.type for _, event in self.published]
