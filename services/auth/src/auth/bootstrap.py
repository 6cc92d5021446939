"""The composition root: builds the auth service's context from its settings
(the database, Redis with the login throttle and the revocation list, the
password hasher and policy, the token rules) and hands views the context of
their app."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine

from auth.adapters.password_hashing import PasswordHasher, load_refused_passwords
from auth.adapters.revocations import RedisRevocations
from auth.adapters.throttle import RedisLoginThrottle
from auth.config import SERVICE, login_limits, token_rules
from auth.domain.passwords import PasswordPolicy
from auth.service_layer.context import AuthContext, utc_now
from auth.service_layer.unit_of_work import SqlAuthUnitOfWork
from dagkit.db import engine_from_settings, make_session_factory

if TYPE_CHECKING:
    from flask import Flask


def redis_client(url: str) -> redis.Redis:
    """A client that gives up quickly when Redis is away (a login answers 503
    at once instead of hanging) and reconnects by itself when it is back: one
    retry, so the first command after a Redis restart gets a new connection
    instead of failing on the dead one."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=0.5,
        socket_timeout=0.5,
        retry=Retry(NoBackoff(), 1),
    )


def build_context(
    settings: Mapping[str, Any],
    engine: Engine | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    hasher: PasswordHasher | None = None,
) -> AuthContext:
    engine = engine or engine_from_settings(SERVICE, settings)
    session_factory = make_session_factory(engine)

    def uow() -> SqlAuthUnitOfWork:
        return SqlAuthUnitOfWork(session_factory)

    client = redis_client(settings["redis_url"])
    return AuthContext(
        uow=uow,
        hasher=hasher or PasswordHasher(),
        policy=PasswordPolicy(refused=load_refused_passwords()),
        throttle=RedisLoginThrottle(client, login_limits(settings)),
        revocations=RedisRevocations(client),
        tokens=token_rules(settings),
        clock=clock,
        settings=dict(settings),
        engine=engine,
        redis_client=client,
    )


def context(app: Flask | None = None) -> AuthContext:
    """The context of the current app (or ``app``)."""
    # Imported here: the CLI builds a context without the web stack.
    from dagkit.web import current_context

    return current_context(AuthContext, app)
