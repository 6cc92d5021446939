"""The Redis login throttle holds to the same contract as the in-memory one,
and counts concurrent attempts exactly."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import redis

from auth.adapters.throttle import RedisLoginThrottle
from auth.domain.throttle import LoginLimits
from auth.service_layer.ports import Attempt, TooManyAttempts
from auth.testing.doubles import MovableClock
from auth.testing.throttle_contract import MakeThrottle, ThrottleContract


@pytest.fixture
def make_throttle(redis_client: redis.Redis) -> Callable[[LoginLimits], RedisLoginThrottle]:
    def make(limits: LoginLimits) -> RedisLoginThrottle:
        return RedisLoginThrottle(redis_client, limits)

    return make


class TestRedisThrottle(ThrottleContract):
    pass


def test_concurrent_attempts_cannot_slip_past_the_count(make_throttle: MakeThrottle) -> None:
    throttle, clock = make_throttle(LoginLimits()), MovableClock()
    admitted: list[Attempt] = []
    refused: list[int] = []
    start = threading.Barrier(40)

    def attempt(i: int) -> None:
        start.wait()
        try:
            admitted.append(throttle.begin("G18062", f"10.0.0.{i}", clock()))
        except TooManyAttempts as exc:
            refused.append(exc.retry_after_s)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 5
    assert refused == [1] * 35


def test_the_keys_expire_by_themselves(
    make_throttle: MakeThrottle, redis_client: redis.Redis
) -> None:
    throttle, clock = make_throttle(LoginLimits()), MovableClock()
    throttle.succeeded(throttle.begin("G18062", "10.0.0.1", clock()), clock())
    throttle.begin("G18062", "10.0.0.2", clock())
    keys = [key.decode() for key in redis_client.keys("auth:login:*")]
    assert keys
    for key in keys:
        assert redis_client.pttl(key) > 0, key
    # No username appears in a key, however it is spelled.
    assert not any("G18062" in key or "g18062" in key for key in keys)
