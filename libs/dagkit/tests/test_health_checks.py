"""The readiness checks against the real Kafka and Redis."""

from __future__ import annotations

import logging

import pytest

from dagkit.health import kafka_check, redis_check


def test_real_dependency_checks(
    kafka_bootstrap: str, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Captured kafka-python records would keep its refused sockets alive.
    caplog.set_level(logging.CRITICAL, logger="kafka")
    kafka_check(kafka_bootstrap)()
    redis_check(redis_url)()
    with pytest.raises(Exception):  # noqa: B017, PT011 - any client error means "not ready"
        redis_check("redis://127.0.0.1:1/0")()
    with pytest.raises(Exception):  # noqa: B017, PT011
        kafka_check("127.0.0.1:1")()
