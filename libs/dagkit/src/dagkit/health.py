"""Readiness checks: each raises when its dependency cannot serve."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from sqlalchemy import Engine, text

from dagkit.kafka import probe_broker

Check = Callable[[], None]


@dataclass
class WorkerHealth:
    """A consumer's or relay's own view of itself, for its /readyz: not ready
    while it waits for a database or broker to come back."""

    ready: bool = True
    reason: str | None = None

    def readiness(self) -> tuple[bool, str | None]:
        return self.ready, self.reason


def database_check(engine: Engine) -> Check:
    def check() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    return check


def redis_check(url: str) -> Check:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def check() -> None:
        client.ping()

    return check


def kafka_check(bootstrap: str, cache_seconds: float = 5.0) -> Check:
    """Asks the broker for its topics; the answer is cached briefly because
    probes arrive every few seconds and a metadata round trip is not free."""
    lock = threading.Lock()
    state: dict[str, float] = {"ok_until": 0.0}

    def check() -> None:
        with lock:
            if time.monotonic() < state["ok_until"]:
                return
            probe_broker(bootstrap)
            state["ok_until"] = time.monotonic() + cache_seconds

    return check
