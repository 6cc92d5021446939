"""What every use case of the profiles service gets: how to open a unit of
work, and the clock (so a test can move today instead of waiting for it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from dagtilbud_contracts.vocabulary import portal_day
from profiles.service_layer.unit_of_work import ProfilesUnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ProfilesContext:
    uow: Callable[[], ProfilesUnitOfWork]
    clock: Callable[[], datetime] = utc_now
    settings: Mapping[str, Any] = field(default_factory=dict)
    # What the context holds open (None on fakes), given back by close().
    engine: Engine | None = None

    def today(self) -> date:
        return portal_day(self.clock())

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
