"""Which failures are transient: the store or the broker is away, and waiting
for it is right. Everything else is about the input and may be refused or
dead-lettered."""

from __future__ import annotations

import sqlite3

import psycopg
from kafka import errors as kafka_errors
from sqlalchemy import exc as sa_exc

# Exceptions that say the other side cannot be reached or is not answering.
TRANSIENT_TYPES: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,  # connection refused or dropped, database locked, server closed
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # no connection free in the pool
    sqlite3.OperationalError,
    psycopg.OperationalError,
    kafka_errors.KafkaTimeoutError,
    kafka_errors.KafkaConnectionError,
    kafka_errors.NodeNotReadyError,
    ConnectionError,
    TimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` (or an exception it was raised from) says a server is
    away rather than that the input is wrong."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TRANSIENT_TYPES):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, kafka_errors.KafkaError) and getattr(current, "retriable", False):
            return True
        current = current.__cause__ or current.__context__
    return False
