"""Logging in, refreshing and logging out, on the in-memory fakes: the tokens,
the one answer to every kind of wrong credentials, the audit trail, rehashing,
refresh-token rotation and reuse, revocation, and the throttle."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import jwt
import pytest

from auth.adapters.password_hashing import PasswordHasher
from auth.domain.accounts import Account, AccountStatus, Role
from auth.domain.audit import AuditAction, AuditRecord
from auth.domain.sessions import token_digest
from auth.service_layer.context import AuthContext
from auth.service_layer.keys import published_keys
from auth.service_layer.ports import ThrottleUnavailable, TooManyAttempts
from auth.service_layer.tokens import (
    AccessToken,
    InvalidRefreshToken,
    LoginFailed,
    is_revoked,
    log_in,
    log_out,
    refresh,
    who_am_i,
)
from auth.testing.doubles import (
    FakeLoginThrottle,
    FakeRevocations,
    MovableClock,
    cheap_hasher,
    fake_context,
    make_account,
)
from auth.testing.fakes import FakeAuthUnitOfWork
from dagkit.tokens import InvalidToken, TokenVerifier

PASSWORD = "hestene spiser hø om vinteren"
ADDRESS = "192.0.2.10"


@pytest.fixture
def account(ctx: AuthContext, uow: FakeAuthUnitOfWork) -> Account:
    created = make_account(password=PASSWORD, hasher=ctx.hasher, display_name="Solsikken")
    uow.accounts.add(created)
    return created


def verifier(ctx: AuthContext) -> TokenVerifier:
    return TokenVerifier(
        "https://auth.dagtilbud.test/.well-known/jwks.json",
        issuer=ctx.tokens.issuer,
        audience=ctx.tokens.audience,
        fetch_jwks=lambda: published_keys(ctx),
        is_revoked=lambda jti: is_revoked(ctx, jti),
        clock=lambda: ctx.clock().timestamp(),
        min_refetch_interval_s=0,
    )


def audit(uow: FakeAuthUnitOfWork) -> list[AuditRecord]:
    return uow.audit.rows


# --- Logging in ------------------------------------------------------------------------


def test_a_login_answers_an_access_token_the_kit_verifier_accepts(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork
) -> None:
    issued = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    assert issued.expires_in == 900
    principal = verifier(ctx).verify(issued.access_token)
    assert principal.subject == account.account_id
    assert (principal.role, principal.institution, principal.municipality) == (
        "institution",
        "G18062",
        101,
    )
    header = jwt.get_unverified_header(issued.access_token)
    assert header == {"alg": "EdDSA", "typ": "at+jwt", "kid": "key-1"}
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900
    assert claims["iss"] == ctx.tokens.issuer
    assert claims["aud"] == ctx.tokens.audience
    assert claims["jti"] == issued.token_id
    # The refresh token is stored only as its digest.
    stored = uow.refresh_tokens.get(token_digest(issued.refresh_token))
    assert stored is not None
    assert stored.expires_at == ctx.clock() + timedelta(hours=12)
    assert issued.refresh_token not in repr(uow.refresh_tokens.rows)
    (record,) = audit(uow)
    assert record.action is AuditAction.LOGIN_SUCCEEDED
    assert record.account_id == account.account_id
    assert record.client_address == ADDRESS
    assert record.municipality_code == 101


@pytest.mark.parametrize(
    ("role", "extra", "claims"),
    [
        (Role.MUNICIPALITY, {"username": "hanne@aarhus.dk"}, {"municipality": 101}),
        (Role.ADMIN, {"username": "admin@dagtilbud.dk"}, {}),
        (Role.DST, {"username": "dst@dst.dk"}, {}),
    ],
)
def test_tenant_claims_follow_the_role(
    ctx: AuthContext,
    uow: FakeAuthUnitOfWork,
    role: Role,
    extra: dict[str, str],
    claims: dict[str, int],
) -> None:
    uow.accounts.add(make_account(password=PASSWORD, hasher=ctx.hasher, role=role, **extra))
    issued = log_in(ctx, extra["username"], PASSWORD, ADDRESS)
    decoded = jwt.decode(issued.access_token, options={"verify_signature": False})
    assert {k: decoded[k] for k in ("municipality", "institution") if k in decoded} == claims
    assert verifier(ctx).verify(issued.access_token).role == role.value


def test_usernames_are_found_in_any_case(ctx: AuthContext, account: Account) -> None:
    assert log_in(ctx, "g18062", PASSWORD, ADDRESS).account_id == account.account_id


@pytest.mark.parametrize(
    ("username", "password", "status", "has_password", "reason"),
    [
        ("G18062", "a wrong password here", AccountStatus.ACTIVE, True, "wrong_password"),
        ("G99999", PASSWORD, AccountStatus.ACTIVE, True, "unknown_username"),
        ("G18062", PASSWORD, AccountStatus.DISABLED, True, "disabled"),
        ("G18062", PASSWORD, AccountStatus.LOCKED, True, "locked"),
        ("G18062", PASSWORD, AccountStatus.ACTIVE, False, "no_password"),
    ],
)
def test_every_kind_of_wrong_credentials_is_one_failure_and_the_audit_says_which(
    ctx: AuthContext,
    uow: FakeAuthUnitOfWork,
    username: str,
    password: str,
    status: AccountStatus,
    has_password: bool,
    reason: str,
) -> None:
    account = make_account(
        password=PASSWORD if has_password else None, hasher=ctx.hasher, status=status
    )
    uow.accounts.add(account)
    with pytest.raises(LoginFailed) as failed:
        log_in(ctx, username, password, ADDRESS)
    assert failed.value.reason == reason
    (record,) = audit(uow)
    assert record.action is AuditAction.LOGIN_FAILED
    assert record.detail["reason"] == reason
    known = username == "G18062"
    assert record.account_id == (account.account_id if known else None)
    assert not uow.refresh_tokens.rows
    assert "password" not in repr(record.detail.keys())


def test_a_hash_made_with_older_parameters_is_rehashed_at_login(uow: FakeAuthUnitOfWork) -> None:
    ctx = fake_context(uow=uow, hasher=PasswordHasher(memory_cost=128, time_cost=1))
    old = make_account(password=PASSWORD, hasher=cheap_hasher())
    uow.accounts.add(old)
    assert ctx.hasher.needs_rehash(old.password_hash or "")
    log_in(ctx, "G18062", PASSWORD, ADDRESS)
    rehashed = uow.accounts.get(old.account_id)
    assert rehashed is not None
    assert rehashed.password_hash != old.password_hash
    assert not ctx.hasher.needs_rehash(rehashed.password_hash or "")
    assert ctx.hasher.verify(rehashed.password_hash or "", PASSWORD)
    # Not an account change: same version, same time, no event.
    assert (rehashed.version, rehashed.changed_at) == (old.version, old.changed_at)
    assert uow.published == []
    (record,) = audit(uow)
    assert record.detail["argon2_parameters_upgraded"] is True
    log_in(ctx, "G18062", PASSWORD, ADDRESS)
    assert uow.accounts.get(old.account_id) == rehashed


def test_a_failed_login_changes_no_hash(ctx: AuthContext, uow: FakeAuthUnitOfWork) -> None:
    old = make_account(password=PASSWORD, hasher=PasswordHasher(memory_cost=32, time_cost=1))
    uow.accounts.add(old)
    with pytest.raises(LoginFailed):
        log_in(ctx, "G18062", "not the password at all", ADDRESS)
    assert uow.accounts.get(old.account_id) == old


# --- The throttle ----------------------------------------------------------------------


def test_after_five_failures_the_next_attempt_waits_and_is_audited(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork, clock: MovableClock
) -> None:
    for _ in range(5):
        with pytest.raises(LoginFailed):
            log_in(ctx, "G18062", "a wrong password here", ADDRESS)
    with pytest.raises(TooManyAttempts) as refused:
        log_in(ctx, "G18062", PASSWORD, ADDRESS)  # even the right password waits
    assert refused.value.retry_after_s == 1
    record = audit(uow)[-1]
    assert record.action is AuditAction.LOGIN_THROTTLED
    assert record.account_id == account.account_id
    assert record.detail == {"limited_by": "account", "retry_after_s": 1}
    clock.advance(1)
    log_in(ctx, "G18062", PASSWORD, ADDRESS)
    # The success reset the delay: five more failures before the next wait.
    for _ in range(5):
        with pytest.raises(LoginFailed):
            log_in(ctx, "G18062", "a wrong password here", "198.51.100.1")
    with pytest.raises(TooManyAttempts):
        log_in(ctx, "G18062", "a wrong password here", "198.51.100.1")


def test_unknown_and_known_usernames_are_throttled_alike(
    ctx: AuthContext, account: Account
) -> None:
    answers = {}
    for username in ("G18062", "G99999"):
        seen = []
        for _ in range(8):
            try:
                log_in(ctx, username, "a wrong password here", ADDRESS)
            except (LoginFailed, TooManyAttempts) as exc:
                seen.append(type(exc).__name__ + str(getattr(exc, "retry_after_s", "")))
        answers[username] = seen
    assert answers["G18062"] == answers["G99999"]
    assert answers["G18062"] == ["LoginFailed"] * 5 + ["TooManyAttempts1"] * 3


def test_a_throttled_attempt_checks_no_password(
    ctx: AuthContext, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        with pytest.raises(LoginFailed):
            log_in(ctx, "G18062", "a wrong password here", ADDRESS)
    checked = []
    monkeypatch.setattr(ctx.hasher, "verify", lambda *args: checked.append(args) or False)
    monkeypatch.setattr(ctx.hasher, "dummy_verify", lambda *args: checked.append(args))
    for _ in range(20):
        with pytest.raises(TooManyAttempts):
            log_in(ctx, "G18062", "a wrong password here", ADDRESS)
    assert checked == []


def test_no_login_goes_ahead_without_the_throttle(ctx: AuthContext, account: Account) -> None:
    assert isinstance(ctx.throttle, FakeLoginThrottle)
    ctx.throttle.down = True
    with pytest.raises(ThrottleUnavailable):
        log_in(ctx, "G18062", PASSWORD, ADDRESS)
    ctx.throttle.down = False
    log_in(ctx, "G18062", PASSWORD, ADDRESS)


# --- Refreshing ------------------------------------------------------------------------


def test_a_refresh_uses_the_token_up_and_continues_the_family(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork, clock: MovableClock
) -> None:
    first = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    clock.advance(minutes=14)
    second = refresh(ctx, first.refresh_token, ADDRESS)
    assert second.family_id == first.family_id
    assert second.refresh_token != first.refresh_token
    assert second.token_id != first.token_id
    assert verifier(ctx).verify(second.access_token).subject == account.account_id
    used = uow.refresh_tokens.get(token_digest(first.refresh_token))
    assert used is not None
    assert used.used_at == clock()
    # The login's end does not move: 12 hours from the login.
    successor = uow.refresh_tokens.get(token_digest(second.refresh_token))
    assert successor is not None
    assert successor.expires_at == used.expires_at
    clock.advance(hours=12)
    with pytest.raises(InvalidRefreshToken, match="expired"):
        refresh(ctx, second.refresh_token, ADDRESS)


def test_a_used_refresh_token_presented_again_revokes_the_family(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork
) -> None:
    first = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    other_login = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    second = refresh(ctx, first.refresh_token, ADDRESS)
    with pytest.raises(InvalidRefreshToken, match="reused"):
        refresh(ctx, first.refresh_token, "203.0.113.9")
    with pytest.raises(InvalidRefreshToken, match="revoked"):
        refresh(ctx, second.refresh_token, ADDRESS)
    record = audit(uow)[-1]
    assert record.action is AuditAction.REFRESH_REUSED
    assert record.account_id == account.account_id
    assert record.client_address == "203.0.113.9"
    assert record.detail == {"family": first.family_id, "revoked": 2}
    # Another login of the same account is another family: untouched.
    refresh(ctx, other_login.refresh_token, ADDRESS)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_an_unknown_refresh_token_is_refused(
    ctx: AuthContext, account: Account, token: str
) -> None:
    with pytest.raises(InvalidRefreshToken, match="unknown"):
        refresh(ctx, token, ADDRESS)


def test_a_disabled_account_cannot_refresh(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork
) -> None:
    issued = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    uow.accounts.save(dataclasses.replace(account, status=AccountStatus.DISABLED))
    with pytest.raises(InvalidRefreshToken, match="account"):
        refresh(ctx, issued.refresh_token, ADDRESS)
    stored = uow.refresh_tokens.get(token_digest(issued.refresh_token))
    assert stored is not None
    assert stored.revoked_at is not None


def test_a_refresh_reflects_the_account_as_it_is_now(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork
) -> None:
    issued = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    uow.accounts.save(dataclasses.replace(account, municipality_code=751))
    again = refresh(ctx, issued.refresh_token, ADDRESS)
    assert verifier(ctx).verify(again.access_token).municipality == 751


# --- Logging out -----------------------------------------------------------------------


def test_logout_revokes_the_family_and_the_access_token_until_it_expires(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork, clock: MovableClock
) -> None:
    issued = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    check = verifier(ctx)
    principal = check.verify(issued.access_token)
    log_out(ctx, issued.refresh_token, AccessToken(principal.token_id, principal.expires_at), None)
    with pytest.raises(InvalidToken, match="revoked"):
        check.verify(issued.access_token)
    with pytest.raises(InvalidRefreshToken, match="revoked"):
        refresh(ctx, issued.refresh_token, ADDRESS)
    assert isinstance(ctx.revocations, FakeRevocations)
    assert ctx.revocations.revoked == {principal.token_id: principal.expires_at}
    record = audit(uow)[-1]
    assert record.action is AuditAction.LOGGED_OUT
    assert record.detail == {"family": issued.family_id, "revoked": 1, "access_revoked": True}


def test_logout_without_an_access_token_and_with_an_unknown_refresh_token(
    ctx: AuthContext, account: Account, uow: FakeAuthUnitOfWork
) -> None:
    issued = log_in(ctx, "G18062", PASSWORD, ADDRESS)
    log_out(ctx, "no-such-token", None, ADDRESS)  # nothing to do, and no error
    assert len(audit(uow)) == 1
    log_out(ctx, issued.refresh_token, None, ADDRESS)
    assert verifier(ctx).verify(issued.access_token)  # lives on until it expires
    with pytest.raises(InvalidRefreshToken):
        refresh(ctx, issued.refresh_token, ADDRESS)


def test_who_am_i(ctx: AuthContext, account: Account) -> None:
    assert who_am_i(ctx, account.account_id) == account
    assert who_am_i(ctx, "no-such-account") is None
