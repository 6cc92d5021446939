"""Fixtures of the auth service's unit tests (on the in-memory fakes)."""

from __future__ import annotations

import pytest

from auth.adapters.password_hashing import PasswordHasher, load_refused_passwords
from auth.domain.passwords import PasswordPolicy


@pytest.fixture(scope="session")
def hasher() -> PasswordHasher:
    # Cheap parameters: the tests are about the rules, not the cost.
    return PasswordHasher(memory_cost=64, time_cost=1)


@pytest.fixture(scope="session")
def policy() -> PasswordPolicy:
    return PasswordPolicy(refused=load_refused_passwords())
