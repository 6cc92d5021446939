from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dagkit.testing.clock import MovableClock
from profiles.service_layer.context import ProfilesContext
from profiles.testing.builders import registered
from profiles.testing.fakes import FakeProfilesUnitOfWork

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


@pytest.fixture
def uow() -> FakeProfilesUnitOfWork:
    fake = FakeProfilesUnitOfWork()
    from profiles.domain.profile import Profile

    for institution in (
        registered("G10433", municipality_code=101),
        registered("G20580", municipality_code=101, kind="vuggestue", accepts_3_5=False),
        registered("X30000", municipality_code=147),
        registered("D40000", municipality_code=101, kind="dagpleje", accepts_3_5=False),
        registered("C50000", municipality_code=101, closed=True),
    ):
        fake.institutions.save(institution)
        fake.profiles.add(Profile(institution.number))
    fake.commits = 0
    return fake


@pytest.fixture
def ctx(uow: FakeProfilesUnitOfWork, clock: MovableClock) -> ProfilesContext:
    return ProfilesContext(uow=uow, clock=clock)
