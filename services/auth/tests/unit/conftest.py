"""Fixtures of the auth service's unit tests (on the in-memory fakes)."""

from __future__ import annotations

import pytest

from auth.adapters.password_hashing import PasswordHasher, load_refused_passwords
from auth.domain.passwords import PasswordPolicy
from auth.service_layer.context import AuthContext
from auth.testing.doubles import MovableClock, cheap_hasher, fake_context
from auth.testing.fakes import FakeAuthUnitOfWork


@pytest.fixture(scope="session")
def hasher() -> PasswordHasher:
    # Cheap parameters: the tests are about the rules, not the cost.
    return cheap_hasher()


@pytest.fixture(scope="session")
def policy() -> PasswordPolicy:
    return PasswordPolicy(refused=load_refused_passwords())


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def uow() -> FakeAuthUnitOfWork:
    return FakeAuthUnitOfWork()


@pytest.fixture
def ctx(uow: FakeAuthUnitOfWork, clock: MovableClock) -> AuthContext:
    return fake_context(uow=uow, clock=clock)
