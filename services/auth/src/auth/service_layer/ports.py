"""What the use cases need from Redis, as they see it: the login throttle and
the list of revoked access tokens. adapters/throttle.py and
adapters/revocations.py implement them on Redis; auth.testing.doubles in
memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ThrottleUnavailable(Exception):
    """The throttle's store cannot be reached: no login may go unthrottled,
    so none goes ahead (the API answers 503)."""


class RevocationsUnavailable(Exception):
    """The revocation list cannot be read or written now."""


class TooManyAttempts(Exception):
    """The attempt is refused before any password is checked."""

    def __init__(self, retry_after_s: int, limited_by: str) -> None:
        super().__init__(f"retry after {retry_after_s} s ({limited_by})")
        self.retry_after_s = retry_after_s
        # "account" or "address": for the audit record, never for the answer.
        self.limited_by = limited_by


@dataclass(frozen=True)
class Attempt:
    """A login attempt the throttle let through, counted as a failure until
    ``succeeded`` takes it back."""

    attempt_id: str
    # The names its counters go by (a digest of the username, the address's key).
    user: str
    address: str
    # From an address the account logged in from lately (see domain/throttle.py).
    familiar: bool


class LoginThrottle(Protocol):
    def begin(self, username: str, address: str | None, now: datetime) -> Attempt:
        """Admit an attempt for ``username`` from ``address`` and count it as a
        failure; ``TooManyAttempts`` when it must wait, ``ThrottleUnavailable``
        when the store cannot be asked."""
        ...

    def succeeded(self, attempt: Attempt, now: datetime) -> None:
        """The attempt logged in: take it back, reset the account's delay and
        remember its address as familiar. ``ThrottleUnavailable`` when the
        store cannot be reached."""
        ...


class TokenRevocations(Protocol):
    def revoke(self, token_id: str, expires_at: datetime, now: datetime) -> None:
        """Refuse the access token ``token_id`` until it expires anyway;
        ``RevocationsUnavailable`` when the list cannot be written."""
        ...

    def is_revoked(self, token_id: str) -> bool:
        """``RevocationsUnavailable`` when the list cannot be read."""
        ...
