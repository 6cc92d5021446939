"""In-memory stand-ins for what auth keeps in Redis (the login throttle and the
revocation list), a clock tests can move, and a context of fakes for unit
tests of the use cases."""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from auth.adapters.password_hashing import PasswordHasher, load_refused_passwords
from auth.domain.accounts import Account, AccountStatus, Role
from auth.domain.passwords import PasswordPolicy
from auth.domain.throttle import LoginLimits, Rule, address_key, username_digest, wait_ms
from auth.domain.tokens import TokenRules
from auth.service_layer.context import AuthContext
from auth.service_layer.ports import (
    Attempt,
    RevocationsUnavailable,
    ThrottleUnavailable,
    TooManyAttempts,
)
from auth.service_layer.repositories import username_key
from auth.testing.fakes import FakeAuthUnitOfWork
from dagkit.testing.clock import MovableClock as KitMovableClock

ISSUER = "https://auth.dagtilbud.test"
AUDIENCE = "dagtilbud"
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


class MovableClock(KitMovableClock):
    """The kit's movable clock, starting at ``START`` unless told otherwise."""

    def __init__(self, now: datetime = START) -> None:
        super().__init__(now)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _span_ms(span: timedelta) -> int:
    return int(span.total_seconds() * 1000)


class FakeLoginThrottle:
    """auth.domain.throttle's rules over dictionaries: what the Redis throttle
    does in its script (the same contract tests run against both)."""

    def __init__(self, limits: LoginLimits | None = None) -> None:
        self.limits = limits or LoginLimits()
        self.down = False  # True: behave as a throttle whose store is unreachable
        self.failures: dict[str, dict[str, int]] = defaultdict(dict)  # counter -> id -> ms
        self.resets: dict[str, int] = {}
        self.familiar: dict[str, dict[str, int]] = defaultdict(dict)  # user -> address -> ms

    def _check(self) -> None:
        if self.down:
            raise ThrottleUnavailable("the throttle is down")

    def _wait(self, counter: str, now: int, reset: int, rule: Rule) -> int:
        times = self.failures[counter]
        window = _span_ms(self.limits.window)
        for attempt, at in list(times.items()):
            if at <= now - window:
                del times[attempt]
        return wait_ms(
            sorted(times.values()),
            now_ms=now,
            window_ms=window,
            reset_ms=reset,
            rule=rule,
            max_delay_ms=_span_ms(self.limits.max_delay),
        )

    def begin(self, username: str, address: str | None, now: datetime) -> Attempt:
        self._check()
        limits = self.limits
        user, where, at = username_digest(username_key(username)), address_key(address), _ms(now)
        seen = self.familiar[user].get(where)
        familiar = seen is not None and seen > at - _span_ms(limits.familiar_for)
        account_rule = Rule(limits.free_failures, limits.account_cap)
        if familiar:
            counters = [f"pair:{user}:{where}"]
            waits = [(self._wait(counters[0], at, 0, account_rule), "account")]
        else:
            counters = [f"account:{user}", f"address:{where}"]
            address_rule = Rule(limits.address_free_failures, limits.address_cap)
            waits = [
                (self._wait(counters[0], at, self.resets.get(user, 0), account_rule), "account"),
                (self._wait(counters[1], at, 0, address_rule), "address"),
            ]
        wait, limited_by = max(waits, key=lambda w: w[0])
        if wait > 0:
            raise TooManyAttempts(-(-wait // 1000), limited_by)
        attempt = Attempt(uuid.uuid4().hex, user, where, familiar)
        for counter in counters:
            self.failures[counter][attempt.attempt_id] = at
        return attempt

    def succeeded(self, attempt: Attempt, now: datetime) -> None:
        self._check()
        at = _ms(now)
        for counter in (f"account:{attempt.user}", f"address:{attempt.address}"):
            self.failures[counter].pop(attempt.attempt_id, None)
        self.failures.pop(f"pair:{attempt.user}:{attempt.address}", None)
        self.resets[attempt.user] = at
        known = self.familiar[attempt.user]
        known[attempt.address] = at
        horizon = at - _span_ms(self.limits.familiar_for)
        for address, seen in sorted(known.items(), key=lambda item: item[1]):
            if seen <= horizon or len(known) > self.limits.familiar_addresses:
                del known[address]


class FakeRevocations:
    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock
        self.down = False
        self.revoked: dict[str, datetime] = {}  # token id -> until

    def revoke(self, token_id: str, expires_at: datetime, now: datetime) -> None:
        if self.down:
            raise RevocationsUnavailable("down")
        self.revoked[token_id] = expires_at

    def is_revoked(self, token_id: str) -> bool:
        if self.down:
            raise RevocationsUnavailable("down")
        until = self.revoked.get(token_id)
        if until is None:
            return False
        return self.clock is None or self.clock() < until + timedelta(seconds=60)


def cheap_hasher() -> PasswordHasher:
    """argon2id with the smallest parameters: for tests that hash a lot, and
    whose hashes the service's own hasher then wants to rehash."""
    return PasswordHasher(memory_cost=64, time_cost=1)


@functools.cache
def _refused_passwords() -> frozenset[str]:
    """The shipped list, read once per test run (every fake context needs it)."""
    return load_refused_passwords()


def fake_context(
    *,
    uow: FakeAuthUnitOfWork | None = None,
    clock: Callable[[], datetime] | None = None,
    hasher: PasswordHasher | None = None,
    limits: LoginLimits | None = None,
    **rules: Any,
) -> AuthContext:
    """A context of in-memory fakes; ``rules`` are TokenRules' fields."""
    clock = clock or MovableClock()
    return AuthContext(
        uow=uow or FakeAuthUnitOfWork(),
        hasher=hasher or cheap_hasher(),
        policy=PasswordPolicy(refused=_refused_passwords()),
        throttle=FakeLoginThrottle(limits),
        revocations=FakeRevocations(clock),
        tokens=TokenRules(**{"issuer": ISSUER, "audience": AUDIENCE, **rules}),
        clock=clock,
    )


def make_account(
    *,
    password: str | None,
    hasher: PasswordHasher,
    username: str = "G18062",
    role: Role = Role.INSTITUTION,
    status: AccountStatus = AccountStatus.ACTIVE,
    municipality_code: int | None = 101,
    now: datetime = START,
    **fields: Any,
) -> Account:
    """An account with ``password`` (None: none yet); an institution's by default."""
    institution = username.upper() if role is Role.INSTITUTION else None
    if role in (Role.ADMIN, Role.DST):
        municipality_code = None
    return Account(
        account_id=fields.pop("account_id", str(uuid.uuid4())),
        username=username,
        role=role,
        institution_number=fields.pop("institution_number", institution),
        municipality_code=municipality_code,
        status=status,
        password_hash=hasher.hash(password) if password is not None else None,
        display_name=fields.pop("display_name", None),
        changed_at=now,
        **fields,
    )
