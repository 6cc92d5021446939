"""Signing keys: the first one, rotation with overlap, and the JWK Set.

A rotation stores a new key that is published at once and signs only after
``publish_ahead`` (6 minutes, longer than a verifier keeps the JWK Set), so
every verifier has it before the first token it signs arrives. The keys it
takes over from stay published until the last token they signed has expired
(``access_lifetime`` after they stopped signing, plus a leeway); after that
a rotation deletes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auth.adapters.signing import new_key_pair
from auth.domain.keys import SigningKey, jwks, next_kid, retired, signing_key, to_supersede
from auth.service_layer.context import AuthContext
from auth.service_layer.repositories import KeyIdTaken

log = logging.getLogger(__name__)


class RotationConflict(Exception):
    """Another process stored a key at the same moment; nothing was changed here."""


@dataclass(frozen=True)
class Rotation:
    new: SigningKey
    # The kids the new key takes over from, and those deleted as retired.
    superseded: list[str]
    removed: list[str]


def _new_key(keys: list[SigningKey], now: datetime, signs_from: datetime) -> SigningKey:
    kid = next_kid(keys)
    pem, jwk = new_key_pair(kid)
    return SigningKey(
        kid=kid, private_pem=pem, public_jwk=jwk, created_at=now, signs_from=signs_from
    )


def _lifetimes(ctx: AuthContext) -> tuple[float, float]:
    rules = ctx.tokens
    return rules.access_lifetime.total_seconds(), rules.retire_leeway.total_seconds()


def ensure_signing_key(ctx: AuthContext, now: datetime | None = None) -> SigningKey:
    """The key that signs now; the first one, signing at once, when the table
    holds none. Safe when several processes start at once: the first key's
    kid is the same in all of them, so one stores it and the others use it."""
    now = now or ctx.clock()
    for _ in range(3):
        with ctx.uow() as uow:
            keys = uow.signing_keys.all()
            current = signing_key(keys, now)
            if current is not None:
                return current
            key = _new_key(keys, now, now)
            try:
                uow.signing_keys.add(key)
            except KeyIdTaken:
                continue  # another process made it: read it on the next round
            uow.commit()
            log.info("signing key created", extra={"kid": key.kid})
            return key
    raise RotationConflict("the first signing key could not be stored")


def rotate_signing_key(ctx: AuthContext, now: datetime | None = None) -> Rotation:
    """Store a new key that signs from ``now + publish_ahead``; the keys it takes
    over from stop signing then; keys no token of which can still be valid are
    deleted."""
    now = now or ctx.clock()
    lifetime_s, leeway_s = _lifetimes(ctx)
    with ctx.uow() as uow:
        keys = uow.signing_keys.all()
        gone = retired(keys, now, lifetime_s, leeway_s)
        for key in gone:
            uow.signing_keys.remove(key.kid)
        kept = [k for k in keys if k not in gone]
        new = _new_key(keys, now, now + ctx.tokens.publish_ahead)
        try:
            uow.signing_keys.add(new)
        except KeyIdTaken:
            raise RotationConflict(f"{new.kid} was stored by another process just now") from None
        superseded = to_supersede(kept, new)
        for key in superseded:
            uow.signing_keys.supersede(key.kid, new.signs_from)
        uow.commit()
    rotation = Rotation(new, [k.kid for k in superseded], [k.kid for k in gone])
    log.info(
        "signing key rotated",
        extra={
            "kid": new.kid,
            "signs_from": new.signs_from.isoformat(),
            "superseded": rotation.superseded,
            "removed": rotation.removed,
        },
    )
    return rotation


def published_keys(ctx: AuthContext, now: datetime | None = None) -> dict[str, Any]:
    """The JWK Set: the key that signs, the one that will, and retired ones
    whose tokens may still be valid."""
    now = now or ctx.clock()
    lifetime_s, leeway_s = _lifetimes(ctx)
    with ctx.uow() as uow:
        keys = uow.signing_keys.all()
    return jwks(keys, now, lifetime_s, leeway_s)


def all_keys(ctx: AuthContext) -> list[SigningKey]:
    with ctx.uow() as uow:
        return uow.signing_keys.all()
