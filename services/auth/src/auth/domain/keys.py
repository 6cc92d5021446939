"""Signing keys and their rotation with overlap.

A new key is published in the JWKS before it signs anything (so every
verifier can have fetched it), signs from ``signs_from``, and stays published
after it stops signing until the last token it signed has expired.

Keys are numbered (``key-1``, ``key-2``, ...): the next id follows from the
keys there are, so processes that make a key at the same moment agree on its
id and the table's primary key lets exactly one of them store it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

KID_PREFIX = "key-"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    # PKCS#8 PEM of the Ed25519 private key; never leaves auth's database.
    private_pem: bytes
    public_jwk: dict[str, Any]
    created_at: datetime
    signs_from: datetime
    # When it stops (or stopped) signing: when the key that takes over starts.
    # None: no newer key yet.
    superseded_at: datetime | None = None

    def published(self, now: datetime, token_lifetime_s: float, leeway_s: float) -> bool:
        if self.superseded_at is None:
            return True
        return (now - self.superseded_at).total_seconds() < token_lifetime_s + leeway_s


def signing_key(keys: Iterable[SigningKey], now: datetime) -> SigningKey | None:
    """The key that signs now: the newest whose time has come. With none whose
    time has come (a worker whose clock is a little behind the one that made
    the first key), the earliest: it is published already."""
    keys = list(keys)
    ready = [k for k in keys if k.signs_from <= now]
    if ready:
        return max(ready, key=lambda k: (k.signs_from, generation(k.kid)))
    return min(keys, key=lambda k: (k.signs_from, generation(k.kid))) if keys else None


def kid_for(generation_number: int) -> str:
    """The key id of the ``generation_number``-th key. Ids follow from what the
    table holds, so two processes making the same key at once collide on the
    primary key and one of them gives way."""
    return f"{KID_PREFIX}{generation_number}"


def generation(kid: str) -> int:
    """The generation number in a key id (0 for an id of another form)."""
    number = kid.removeprefix(KID_PREFIX)
    return int(number) if kid.startswith(KID_PREFIX) and number.isdigit() else 0


def next_kid(keys: Iterable[SigningKey]) -> str:
    return kid_for(max((generation(k.kid) for k in keys), default=0) + 1)


def to_supersede(keys: Iterable[SigningKey], new: SigningKey) -> list[SigningKey]:
    """The keys a new key takes over from: every one not yet superseded."""
    return [k for k in keys if k.superseded_at is None and k.kid != new.kid]


def retired(
    keys: Iterable[SigningKey], now: datetime, token_lifetime_s: float, leeway_s: float
) -> list[SigningKey]:
    """Keys no longer published: no token they signed can still be valid, so
    their private halves can go."""
    return [k for k in keys if not k.published(now, token_lifetime_s, leeway_s)]


def jwks(
    keys: Iterable[SigningKey], now: datetime, token_lifetime_s: float, leeway_s: float
) -> dict[str, Any]:
    """The public keys every verifier may meet: the signing one, the next one,
    and retired ones whose tokens may still be valid."""
    return {
        "keys": [
            dict(k.public_jwk)
            for k in sorted(keys, key=lambda k: k.signs_from)
            if k.published(now, token_lifetime_s, leeway_s)
        ]
    }
