"""The login throttle's rules (auth.domain.throttle) and the in-memory
throttle the use-case tests run on; the Redis throttle runs the same
contract in tests/test_throttle_redis.py."""

from __future__ import annotations

import pytest

from auth.domain.throttle import LoginLimits, Rule, address_key, delay_ms, wait_ms
from auth.testing.doubles import FakeLoginThrottle
from auth.testing.throttle_contract import MakeThrottle, ThrottleContract


@pytest.fixture
def make_throttle() -> MakeThrottle:
    return FakeLoginThrottle


class TestFakeThrottle(ThrottleContract):
    pass


@pytest.mark.parametrize(
    ("failures", "expected_ms"),
    [(0, 0), (4, 0), (5, 1000), (6, 2000), (10, 32_000), (11, 60_000), (500, 60_000)],
)
def test_delay_after_failures(failures: int, expected_ms: int) -> None:
    assert delay_ms(failures, 5, 60_000) == expected_ms


def test_wait_counts_only_the_window_and_failures_since_the_last_success() -> None:
    rule = Rule(free=2, cap=100)
    kwargs = {"window_ms": 10_000, "rule": rule, "max_delay_ms": 60_000}
    assert wait_ms([1000, 2000], now_ms=2500, reset_ms=0, **kwargs) == 500
    # The first failure has left the window: one is free.
    assert wait_ms([1000, 12_000], now_ms=12_500, reset_ms=0, **kwargs) == 0
    # A success at 1500 leaves one failure to delay.
    assert wait_ms([1000, 2000], now_ms=2500, reset_ms=1500, **kwargs) == 0


def test_the_cap_waits_for_enough_failures_to_leave() -> None:
    rule = Rule(free=100, cap=3)
    failures = [1000, 2000, 3000, 4000]
    # Four in the window, cap three: two must leave; the second leaves at 12000.
    assert (
        wait_ms(failures, now_ms=5000, window_ms=10_000, reset_ms=0, rule=rule, max_delay_ms=0)
        == 7000
    )


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        (None, "none"),
        ("", "none"),
    ],
)
def test_address_keys(address: str | None, key: str) -> None:
    assert address_key(address) == key


def test_an_address_that_is_no_address_gets_a_bounded_key() -> None:
    key = address_key("x" * 5000)
    assert key.startswith("other:")
    assert len(key) < 64


def test_limits_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="cap"):
        LoginLimits(account_cap=0)
    with pytest.raises(ValueError, match="negative"):
        LoginLimits(free_failures=-1)
