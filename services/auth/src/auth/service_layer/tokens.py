"""Logging in, refreshing and logging out: the tokens a session lives on.

A login checks the throttle first (no password is checked while it says
wait), then the password, and answers every failure the same way: an
unknown username, a wrong password, an account that is disabled, locked or
has no password yet. Only the audit record says which it was. Each answer
costs one password verification (a dummy one when there is no hash to
verify against), so the time tells nothing either.

A login starts a refresh-token family. A refresh uses its token up and
issues the next one of the family, which expires when the login's first one
does (a login lasts ``refresh_lifetime`` however often it is refreshed). A
used token presented again revokes the whole family.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from auth.adapters.signing import sign_access_token
from auth.domain.accounts import Account, AccountStatus
from auth.domain.audit import AuditAction, AuditRecord
from auth.domain.keys import SigningKey
from auth.domain.sessions import RefreshToken, refresh_token_for, token_digest
from auth.domain.tokens import access_claims, new_token_id
from auth.service_layer.context import AuthContext
from auth.service_layer.keys import ensure_signing_key
from auth.service_layer.ports import ThrottleUnavailable, TooManyAttempts
from auth.service_layer.unit_of_work import AuthUnitOfWork

log = logging.getLogger(__name__)

ADDRESS_LENGTH = 64  # the audit table's column


class LoginFailed(Exception):
    """The one answer to wrong credentials, whatever the reason (which is in
    the audit record, and in ``reason`` for tests)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidRefreshToken(Exception):
    """The refresh token is unknown, used, revoked or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    # Seconds the access token is valid for.
    expires_in: int
    refresh_token: str
    account_id: str
    family_id: str
    token_id: str


@dataclass(frozen=True)
class AccessToken:
    """An access token presented at logout, as the verifier read it."""

    token_id: str
    expires_at: datetime


def _address(address: str | None) -> str | None:
    return address[:ADDRESS_LENGTH] if address else None


def _record(
    action: AuditAction,
    account: Account | None,
    now: datetime,
    address: str | None,
    **detail: Any,
) -> AuditRecord:
    return AuditRecord(
        at=now,
        action=action,
        account_id=account.account_id if account else None,
        actor_account_id=account.account_id if account else None,
        municipality_code=account.municipality_code if account else None,
        client_address=_address(address),
        detail=detail,
    )


def _refusal(ctx: AuthContext, account: Account | None, password: str) -> str | None:
    """Why ``account`` may not log in with ``password`` (None: it may). One
    verification whatever the reason, so every refusal takes as long."""
    if account is None:
        ctx.hasher.dummy_verify(password)
        return "unknown_username"
    if account.password_hash is None:
        ctx.hasher.dummy_verify(password)
        return "no_password"
    matches = ctx.hasher.verify(account.password_hash, password)
    if account.status is AccountStatus.DISABLED:
        return "disabled"
    if account.status is AccountStatus.LOCKED:
        return "locked"
    return None if matches else "wrong_password"


def _issue(
    ctx: AuthContext,
    uow: AuthUnitOfWork,
    account: Account,
    key: SigningKey,
    now: datetime,
    *,
    family_id: str,
    expires_at: datetime | None = None,
) -> IssuedTokens:
    """An access token and the family's next refresh token (stored as its digest)."""
    token_id = new_token_id()
    claims = access_claims(account, ctx.tokens, now, token_id)
    access = sign_access_token(key.private_pem, key.kid, claims)
    lifetime = (expires_at - now) if expires_at else ctx.tokens.refresh_lifetime
    refresh, stored = refresh_token_for(account.account_id, family_id, now, lifetime)
    uow.refresh_tokens.add(stored)
    return IssuedTokens(
        access_token=access,
        expires_in=ctx.tokens.access_seconds,
        refresh_token=refresh,
        account_id=account.account_id,
        family_id=family_id,
        token_id=token_id,
    )


def log_in(ctx: AuthContext, username: str, password: str, address: str | None) -> IssuedTokens:
    """Tokens for ``username`` when ``password`` is its password.
    ``TooManyAttempts`` when the throttle says wait, ``LoginFailed`` for wrong
    credentials of any kind, ``ThrottleUnavailable`` when the throttle cannot
    be asked (no login goes ahead unthrottled)."""
    now = ctx.clock()
    try:
        attempt = ctx.throttle.begin(username, address, now)
    except TooManyAttempts as refused:
        with ctx.uow() as uow:
            account = uow.accounts.by_username(username)
            uow.audit.add(
                _record(
                    AuditAction.LOGIN_THROTTLED,
                    account,
                    now,
                    address,
                    limited_by=refused.limited_by,
                    retry_after_s=refused.retry_after_s,
                )
            )
            uow.commit()
        raise
    key = ensure_signing_key(ctx, now)
    with ctx.uow() as uow:
        account = uow.accounts.by_username(username)
        reason = _refusal(ctx, account, password)
        if reason is not None or account is None:
            uow.audit.add(
                _record(
                    AuditAction.LOGIN_FAILED,
                    account,
                    now,
                    address,
                    reason=reason,
                    familiar_address=attempt.familiar,
                )
            )
            uow.commit()
            raise LoginFailed(reason or "unknown_username")
        upgraded = account.password_hash is not None and ctx.hasher.needs_rehash(
            account.password_hash
        )
        if upgraded:
            # The same password under the hasher's current parameters: not a
            # change of the account (no new version, no event).
            account = replace(account, password_hash=ctx.hasher.hash(password))
            uow.accounts.save(account)
        issued = _issue(ctx, uow, account, key, now, family_id=str(uuid.uuid4()))
        uow.audit.add(
            _record(
                AuditAction.LOGIN_SUCCEEDED,
                account,
                now,
                address,
                family=issued.family_id,
                argon2_parameters_upgraded=upgraded,
                familiar_address=attempt.familiar,
            )
        )
        uow.commit()
    try:
        ctx.throttle.succeeded(attempt, now)
    except ThrottleUnavailable:
        # The login is done; only the reset of its delay is lost.
        log.warning("the login throttle could not be reset after a login")
    return issued


def _reused(
    uow: AuthUnitOfWork, stored: RefreshToken, now: datetime, address: str | None
) -> InvalidRefreshToken:
    """A used refresh token came back: whoever holds the family, it is over."""
    revoked = uow.refresh_tokens.revoke_family(stored.family_id, now)
    account = uow.accounts.get(stored.account_id)
    uow.audit.add(
        _record(
            AuditAction.REFRESH_REUSED,
            account,
            now,
            address,
            family=stored.family_id,
            revoked=revoked,
        )
    )
    uow.commit()
    log.warning("a used refresh token was presented again; its family is revoked")
    return InvalidRefreshToken("reused")


def refresh(ctx: AuthContext, presented: str, address: str | None) -> IssuedTokens:
    """A new access token and the family's next refresh token for a usable
    refresh token; ``InvalidRefreshToken`` otherwise."""
    now = ctx.clock()
    key = ensure_signing_key(ctx, now)
    digest = token_digest(presented)
    with ctx.uow() as uow:
        stored = uow.refresh_tokens.get(digest)
        if stored is None:
            raise InvalidRefreshToken("unknown")
        if stored.used_at is not None:
            raise _reused(uow, stored, now, address)
        if stored.revoked_at is not None:
            raise InvalidRefreshToken("revoked")
        if now >= stored.expires_at:
            raise InvalidRefreshToken("expired")
        account = uow.accounts.get(stored.account_id)
        if account is None or not account.can_log_in:
            uow.refresh_tokens.revoke_family(stored.family_id, now)
            uow.commit()
            raise InvalidRefreshToken("account")
        if not uow.refresh_tokens.mark_used(digest, now):
            # A concurrent refresh with the same token got there first.
            raise _reused(uow, stored, now, address)
        issued = _issue(
            ctx, uow, account, key, now, family_id=stored.family_id, expires_at=stored.expires_at
        )
        uow.commit()
    return issued


def log_out(
    ctx: AuthContext,
    presented: str,
    access: AccessToken | None,
    address: str | None,
) -> None:
    """Revoke the refresh token's family and, when given, the access token
    until it expires. An unknown refresh token changes nothing and is no
    error (RFC 7009): the caller's session is over either way.
    ``RevocationsUnavailable`` when the access token cannot be revoked now."""
    now = ctx.clock()
    if access is not None:
        ctx.revocations.revoke(access.token_id, access.expires_at, now)
    with ctx.uow() as uow:
        stored = uow.refresh_tokens.get(token_digest(presented))
        if stored is None:
            return
        revoked = uow.refresh_tokens.revoke_family(stored.family_id, now)
        account = uow.accounts.get(stored.account_id)
        uow.audit.add(
            _record(
                AuditAction.LOGGED_OUT,
                account,
                now,
                address,
                family=stored.family_id,
                revoked=revoked,
                access_revoked=access is not None,
            )
        )
        uow.commit()


def is_revoked(ctx: AuthContext, token_id: str) -> bool:
    """Whether the access token ``token_id`` was revoked (the verifier's hook)."""
    return ctx.revocations.is_revoked(token_id)


def who_am_i(ctx: AuthContext, account_id: str) -> Account | None:
    with ctx.uow() as uow:
        return uow.accounts.get(account_id)
