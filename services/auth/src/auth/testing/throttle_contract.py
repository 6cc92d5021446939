"""What every login throttle does (auth.domain.throttle's rules), as tests a
test module inherits with a ``make_throttle`` fixture: the in-memory fake's
unit tests and the Redis throttle's integration tests run the same ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from auth.domain.throttle import LoginLimits
from auth.service_layer.ports import Attempt, LoginThrottle, TooManyAttempts
from auth.testing.doubles import MovableClock

MakeThrottle = Callable[[LoginLimits], LoginThrottle]


def fail(throttle: LoginThrottle, clock: MovableClock, username: str, address: str) -> Attempt:
    """An attempt that is let through and then fails (it stays counted)."""
    return throttle.begin(username, address, clock())


def refused(throttle: LoginThrottle, clock: MovableClock, username: str, address: str) -> int:
    with pytest.raises(TooManyAttempts) as caught:
        throttle.begin(username, address, clock())
    return caught.value.retry_after_s


class ThrottleContract:
    def test_the_delay_doubles_after_five_failures_up_to_a_minute(
        self, make_throttle: MakeThrottle
    ) -> None:
        throttle, clock = make_throttle(LoginLimits()), MovableClock()
        for i in range(5):
            fail(throttle, clock, "G18062", f"10.0.0.{i}")
        waits = []
        for i in range(10):
            wait = refused(throttle, clock, "G18062", f"10.1.0.{i}")
            waits.append(wait)
            clock.advance(wait - 0.5)
            assert refused(throttle, clock, "G18062", f"10.2.0.{i}") >= 1
            clock.advance(0.5)
            fail(throttle, clock, "G18062", f"10.3.0.{i}")
        assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60]

    def test_with_no_free_failures_the_first_attempt_goes_ahead(
        self, make_throttle: MakeThrottle
    ) -> None:
        throttle, clock = make_throttle(LoginLimits(free_failures=0)), MovableClock()
        fail(throttle, clock, "G18062", "10.0.0.1")
        assert refused(throttle, clock, "G18062", "10.0.0.2") >= 1

    def test_usernames_count_in_any_case_and_unknown_ones_like_known_ones(
        self, make_throttle: MakeThrottle
    ) -> None:
        throttle, clock = make_throttle(LoginLimits()), MovableClock()
        for name in ("g18062", "G18062", " G18062 ", "g18062", "G18062"):
            fail(throttle, clock, name, "10.0.0.1")
        assert refused(throttle, clock, "G18062", "10.0.0.2") == 1
        for _ in range(5):
            fail(throttle, clock, "nobody-has-this-name", "10.0.0.3")
        assert refused(throttle, clock, "nobody-has-this-name", "10.0.0.4") == 1

    def test_the_cap_refuses_until_the_window_slides_and_never_for_good(
        self, make_throttle: MakeThrottle
    ) -> None:
        limits = LoginLimits(max_delay=timedelta(0), address_free_failures=1000)
        throttle, clock = make_throttle(limits), MovableClock()
        start = clock()
        for i in range(100):
            fail(throttle, clock, "G18062", f"10.0.{i // 250}.{i % 250}")
            clock.advance(1)
        wait = refused(throttle, clock, "G18062", "10.9.9.9")
        # The first failure leaves the window an hour after it was made.
        assert wait == pytest.approx((start + timedelta(hours=1) - clock()).total_seconds(), abs=1)
        clock.advance(wait)
        fail(throttle, clock, "G18062", "10.9.9.9")  # one has left, one more may come
        assert refused(throttle, clock, "G18062", "10.9.9.8") == 1

    def test_a_success_resets_the_delay(self, make_throttle: MakeThrottle) -> None:
        throttle, clock = make_throttle(LoginLimits()), MovableClock()
        for i in range(5):
            fail(throttle, clock, "G18062", f"10.0.0.{i}")
        clock.advance(1)
        attempt = throttle.begin("G18062", "10.0.0.9", clock())
        throttle.succeeded(attempt, clock())
        for i in range(5):
            fail(throttle, clock, "G18062", f"10.1.0.{i}")
        assert refused(throttle, clock, "G18062", "10.2.0.1") == 1

    def test_an_attack_from_elsewhere_never_delays_the_owner_where_they_logged_in(
        self, make_throttle: MakeThrottle
    ) -> None:
        throttle, clock = make_throttle(LoginLimits()), MovableClock()
        throttle.succeeded(throttle.begin("G18062", "192.0.2.10", clock()), clock())
        clock.advance(60)
        for i in range(5):
            fail(throttle, clock, "G18062", f"198.51.100.{i}")
        assert refused(throttle, clock, "G18062", "203.0.113.7") == 1
        owner = throttle.begin("G18062", "192.0.2.10", clock())
        assert owner.familiar
        throttle.succeeded(owner, clock())
        # The owner's own mistakes there count only there.
        for _ in range(5):
            fail(throttle, clock, "G18062", "192.0.2.10")
        assert refused(throttle, clock, "G18062", "192.0.2.10") == 1

    def test_an_address_spraying_many_usernames_is_slowed_on_its_own(
        self, make_throttle: MakeThrottle
    ) -> None:
        throttle, clock = make_throttle(LoginLimits()), MovableClock()
        for i in range(20):
            fail(throttle, clock, f"user-{i}", "198.51.100.66")
        with pytest.raises(TooManyAttempts) as caught:
            throttle.begin("user-99", "198.51.100.66", clock())
        assert caught.value.limited_by == "address"
        assert caught.value.retry_after_s == 1
        fail(throttle, clock, "user-99", "198.51.100.67")  # another address goes ahead

    def test_an_ipv6_subscriber_is_one_address(self, make_throttle: MakeThrottle) -> None:
        throttle, clock = make_throttle(LoginLimits()), MovableClock()
        for i in range(20):
            fail(throttle, clock, f"user-{i}", f"2001:db8:1:2::{i + 1:x}")
        with pytest.raises(TooManyAttempts):
            throttle.begin("user-99", "2001:db8:1:2:ffff::1", clock())
        fail(throttle, clock, "user-99", "2001:db8:1:3::1")

    def test_failures_leave_the_window(self, make_throttle: MakeThrottle) -> None:
        throttle, clock = make_throttle(LoginLimits()), MovableClock()
        for i in range(5):
            fail(throttle, clock, "G18062", f"10.0.0.{i}")
        assert refused(throttle, clock, "G18062", "10.0.0.9") == 1
        clock.advance(hours=1, seconds=1)
        for i in range(5):
            fail(throttle, clock, "G18062", f"10.1.0.{i}")
