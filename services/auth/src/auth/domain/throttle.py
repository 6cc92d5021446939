"""How failed logins slow down the next ones.

Failures are counted in sliding windows (an hour by default) in three places:

* the **account** (its username, known or not, in any case): failures from
  addresses it has not logged in from lately. After ``free_failures`` of them
  each further attempt must wait 2^(n - free_failures) seconds after the last
  one (n: failures since the last successful login, within the window),
  at most ``max_delay``; and ``account_cap`` failures in the window refuse
  every attempt until the oldest of them leaves the window. A successful
  login resets the delay (the cap keeps counting: never a permanent lockout,
  and never a fresh allowance for an attacker who also knows one password).
* the **address** the attempts come from (an IPv6 address by its /64): the
  same rule with ``address_free_failures`` and ``address_cap``, over every
  username tried from it, so one address cannot spray many accounts.
* an **(account, familiar address)** pair: an address the account logged in
  from successfully within ``familiar_for``. Attempts from it count only
  against the pair (with the account's numbers), so an attack from other
  addresses never delays the owner at a place they have logged in from, and
  failures there do not delay anyone else.

An attempt is counted as a failure when it starts (so concurrent attempts
cannot slip past the count) and taken back when it succeeds. Refused
attempts check no password and count nothing. Unknown usernames are counted
exactly like known ones, so the answers tell nothing about which exist.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

IPV6_PREFIX = 64  # one subscriber's share of IPv6 addresses


@dataclass(frozen=True)
class LoginLimits:
    window: timedelta = timedelta(hours=1)
    free_failures: int = 5
    max_delay: timedelta = timedelta(seconds=60)
    account_cap: int = 100
    address_free_failures: int = 20
    address_cap: int = 300
    familiar_for: timedelta = timedelta(days=30)
    # The most addresses an account remembers as familiar.
    familiar_addresses: int = 20

    def __post_init__(self) -> None:
        if self.free_failures < 0 or self.address_free_failures < 0:
            raise ValueError("free failures cannot be negative")
        if self.account_cap < 1 or self.address_cap < 1:
            raise ValueError("a cap is at least 1")


@dataclass(frozen=True)
class Rule:
    """One counter's numbers: ``free`` failures before the delay, ``cap`` in the window."""

    free: int
    cap: int


def delay_ms(failures: int, free: int, max_delay_ms: int) -> int:
    """The wait after the last of ``failures`` recent failures: none for the
    first ``free``, then 1 s, 2 s, 4 s ... at most ``max_delay_ms``."""
    if failures < free:
        return 0
    exponent = failures - free
    # 2**exponent seconds, computed without a huge integer for large counts.
    if exponent >= 32:
        return max_delay_ms
    return min(1000 << exponent, max_delay_ms)


def wait_ms(
    failures: Sequence[int],
    *,
    now_ms: int,
    window_ms: int,
    reset_ms: int,
    rule: Rule,
    max_delay_ms: int,
) -> int:
    """How long an attempt at ``now_ms`` must wait (0: it may go ahead), given
    the times of the counter's failures (ascending, in milliseconds) and of
    the last success (``reset_ms``; 0 for none). Failures at or before
    ``now_ms - window_ms`` are out of the window."""
    since = now_ms - window_ms
    recent = [t for t in failures if t > since]
    wait = 0
    if len(recent) >= rule.cap:
        # Enough of the oldest must leave the window to go below the cap.
        wait = recent[len(recent) - rule.cap] + window_ms - now_ms
    # Failures made at the moment of the last success count, to be safe.
    delayed = [t for t in recent if t >= reset_ms]
    if delayed:
        pause = delay_ms(len(delayed), rule.free, max_delay_ms)
        if pause:
            wait = max(wait, delayed[-1] + pause - now_ms)
    return max(wait, 0)


def retry_after_seconds(wait: int) -> int:
    """A wait in milliseconds as whole seconds for Retry-After (at least 1)."""
    return max(1, -(-wait // 1000))


def address_key(address: str | None) -> str:
    """What a client address is counted under: an IPv4 address as it is, an
    IPv6 address by its /64 network (one subscriber has them all), an
    IPv4-mapped IPv6 address as its IPv4; anything else by a digest."""
    if not address:
        return "none"
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "other:" + hashlib.sha256(address.encode("utf-8", "replace")).hexdigest()[:32]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, IPV6_PREFIX), strict=False))
    return str(ip)


def username_digest(key: str) -> str:
    """A bounded, printable name for a username's counters (the username
    itself, any length and any script, never becomes part of a key)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]
