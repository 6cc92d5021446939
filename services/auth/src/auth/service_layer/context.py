"""What every use case of the auth service gets: how to open a unit of work,
the password hasher and policy, the login throttle and the revocation list
(Redis), the token rules, and the clock; the accounts views get their part
of it as ``accounts``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import Engine

from auth.adapters.password_hashing import PasswordHasher
from auth.config import DEFAULT_LOGIN_URL
from auth.domain.passwords import PasswordPolicy
from auth.domain.tokens import TokenRules
from auth.service_layer.accounts import AccountsDeps
from auth.service_layer.ports import LoginThrottle, TokenRevocations
from auth.service_layer.unit_of_work import AuthUnitOfWork


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AuthContext:
    uow: Callable[[], AuthUnitOfWork]
    hasher: PasswordHasher
    policy: PasswordPolicy
    throttle: LoginThrottle
    revocations: TokenRevocations
    tokens: TokenRules
    # The time every use case acts at (timezone-aware, UTC).
    clock: Callable[[], datetime] = utc_now
    settings: Mapping[str, Any] = field(default_factory=dict)
    # What the context holds open (None on fakes), given back by close().
    engine: Engine | None = None
    redis_client: redis.Redis | None = None

    @property
    def accounts(self) -> AccountsDeps:
        """What the accounts views need (``auth.api.accounts``)."""
        return AccountsDeps(
            uow=self.uow,
            hasher=self.hasher,
            policy=self.policy,
            login_url=self.settings.get("login_url", DEFAULT_LOGIN_URL),
            clock=self.clock,
        )

    def close(self) -> None:
        """Give back the database connections and the Redis connections (end
        of a process or a test)."""
        if self.engine is not None:
            self.engine.dispose()
        if self.redis_client is not None:
            self.redis_client.close()
