"""Signing keys: the first one, rotation with overlap, the JWK Set, and tokens
signed before a rotation staying valid."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from auth.domain.keys import SigningKey, generation, next_kid, signing_key
from auth.service_layer.context import AuthContext
from auth.service_layer.keys import (
    RotationConflict,
    ensure_signing_key,
    published_keys,
    rotate_signing_key,
)
from auth.service_layer.tokens import log_in
from auth.testing.doubles import MovableClock, fake_context, make_account
from auth.testing.fakes import FakeAuthUnitOfWork
from dagkit.tokens import TokenVerifier

PASSWORD = "hestene spiser hø om vinteren"


@pytest.fixture
def ctx(uow: FakeAuthUnitOfWork, clock: MovableClock) -> AuthContext:
    context = fake_context(uow=uow, clock=clock)
    uow.accounts.add(make_account(password=PASSWORD, hasher=context.hasher))
    return context


def kids(ctx: AuthContext) -> list[str]:
    return [key["kid"] for key in published_keys(ctx)["keys"]]


def signer(token: str) -> str:
    return str(jwt.get_unverified_header(token)["kid"])


def a_verifier(ctx: AuthContext) -> TokenVerifier:
    """A verifier that has fetched the JWK Set once and keeps it five minutes."""
    return TokenVerifier(
        "https://auth.dagtilbud.test/.well-known/jwks.json",
        issuer=ctx.tokens.issuer,
        audience=ctx.tokens.audience,
        fetch_jwks=lambda: published_keys(ctx),
        clock=lambda: ctx.clock().timestamp(),
    )


def test_the_first_key_is_made_once_and_signs_at_once(
    ctx: AuthContext, uow: FakeAuthUnitOfWork, clock: MovableClock
) -> None:
    first = ensure_signing_key(ctx)
    assert first.kid == "key-1"
    assert first.signs_from == clock()
    assert ensure_signing_key(ctx) == first
    assert len(uow.signing_keys.rows) == 1
    (jwk,) = published_keys(ctx)["keys"]
    assert jwk == first.public_jwk
    assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert (jwk["kty"], jwk["crv"], jwk["use"], jwk["alg"]) == ("OKP", "Ed25519", "sig", "EdDSA")
    assert b"PRIVATE KEY" in first.private_pem
    assert "d" not in jwk  # never the private half


def test_two_processes_making_the_first_key_at_once_end_with_one(
    ctx: AuthContext, uow: FakeAuthUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = ensure_signing_key(ctx)
    real_all = uow.signing_keys.all
    reads = []

    def stale_once() -> list[SigningKey]:
        # The first read happens before the other process committed its key.
        reads.append(1)
        return [] if len(reads) == 1 else real_all()

    monkeypatch.setattr(uow.signing_keys, "all", stale_once)
    assert ensure_signing_key(ctx) == theirs
    assert len(reads) == 2
    assert list(uow.signing_keys.rows) == ["key-1"]


def test_a_rotation_publishes_at_once_and_signs_after_six_minutes(
    ctx: AuthContext, clock: MovableClock
) -> None:
    ensure_signing_key(ctx)
    before = log_in(ctx, "G18062", PASSWORD, None)
    verifier = a_verifier(ctx)
    verifier.verify(before.access_token)  # it has fetched the JWK Set: key-1 only
    rotation = rotate_signing_key(ctx)
    assert rotation.new.kid == "key-2"
    assert rotation.superseded == ["key-1"]
    assert rotation.new.signs_from == clock() + timedelta(minutes=6)
    assert kids(ctx) == ["key-1", "key-2"]
    assert signer(log_in(ctx, "G18062", PASSWORD, None).access_token) == "key-1"
    clock.advance(minutes=5, seconds=59)
    late = log_in(ctx, "G18062", PASSWORD, None)
    assert signer(late.access_token) == "key-1"
    # The verifier's JWK Set is older than 5 minutes: it fetches it again, key-2 with it.
    assert verifier.verify(late.access_token)
    assert verifier.jwks_fetches == 2
    clock.advance(seconds=1)
    after = log_in(ctx, "G18062", PASSWORD, None)
    assert signer(after.access_token) == "key-2"
    assert verifier.verify(after.access_token)
    assert verifier.jwks_fetches == 2  # key-2 was known before its first token came
    # A token of the old key stays valid until it expires.
    assert verifier.verify(before.access_token)
    assert a_verifier(ctx).verify(before.access_token)


def test_the_old_key_stays_published_until_its_last_token_expired(
    ctx: AuthContext, clock: MovableClock
) -> None:
    ensure_signing_key(ctx)
    rotation = rotate_signing_key(ctx)
    stops = rotation.new.signs_from
    clock.now = stops - timedelta(seconds=1)
    last = log_in(ctx, "G18062", PASSWORD, None)
    assert signer(last.access_token) == "key-1"
    # Its last token expires 15 minutes after key-1 stopped signing.
    clock.now = stops + timedelta(minutes=15)
    assert kids(ctx) == ["key-1", "key-2"]
    clock.now = stops + timedelta(minutes=15, seconds=20)
    assert a_verifier(ctx).verify(last.access_token)  # within the verifier's leeway
    clock.now = stops + timedelta(minutes=16)
    assert kids(ctx) == ["key-2"]


def test_a_rotation_deletes_keys_no_valid_token_can_need(
    ctx: AuthContext, uow: FakeAuthUnitOfWork, clock: MovableClock
) -> None:
    ensure_signing_key(ctx)
    rotate_signing_key(ctx)
    clock.advance(hours=1)
    third = rotate_signing_key(ctx)
    assert third.new.kid == "key-3"
    assert third.removed == ["key-1"]
    assert third.superseded == ["key-2"]
    assert sorted(uow.signing_keys.rows) == ["key-2", "key-3"]
    assert kids(ctx) == ["key-2", "key-3"]
    clock.advance(hours=1)
    assert rotate_signing_key(ctx).new.kid == "key-4"  # ids go on counting


def test_rotating_twice_within_the_overlap(ctx: AuthContext, clock: MovableClock) -> None:
    ensure_signing_key(ctx)
    rotate_signing_key(ctx)
    clock.advance(minutes=1)
    second = rotate_signing_key(ctx)
    assert second.superseded == ["key-2"]  # key-1 was superseded already
    assert kids(ctx) == ["key-1", "key-2", "key-3"]
    clock.advance(minutes=6)
    assert signer(log_in(ctx, "G18062", PASSWORD, None).access_token) == "key-3"


def test_two_rotations_at_once_store_one_key(
    ctx: AuthContext, uow: FakeAuthUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    ensure_signing_key(ctx)
    stale = uow.signing_keys.all()
    rotate_signing_key(ctx)
    monkeypatch.setattr(uow.signing_keys, "all", lambda: stale)
    with pytest.raises(RotationConflict, match="key-2"):
        rotate_signing_key(ctx)
    assert sorted(uow.signing_keys.rows) == ["key-1", "key-2"]


def test_a_login_makes_the_first_key_when_the_app_could_not(ctx: AuthContext) -> None:
    assert signer(log_in(ctx, "G18062", PASSWORD, None).access_token) == "key-1"


def test_kid_numbering() -> None:
    assert generation("key-12") == 12
    assert generation("other") == 0
    assert generation("key-x") == 0
    assert next_kid([]) == "key-1"


def test_a_clock_a_little_behind_signs_with_the_first_key(
    ctx: AuthContext, clock: MovableClock
) -> None:
    first = ensure_signing_key(ctx)
    assert signing_key([first], clock() - timedelta(seconds=1)) == first
    assert signing_key([], clock()) is None
