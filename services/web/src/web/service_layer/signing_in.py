"""Signing in and staying signed in: what a session behind login holds, and
the use cases that start, renew, check and end it.

The session lives server-side (Redis); its tokens never reach the browser.
Who is signed in, with which role and tenancy, is always read from the
verified access token, never from a form or from what the session says.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from web.service_layer.accounts_gateway import AccountsGateway, SessionEnded, Tokens

# An access token this close to its end is renewed before a page uses it, so
# a call to profiles does not meet an expired one halfway.
RENEW_BEFORE_S = 60

ROLES = ("institution", "municipality", "dst", "admin")


class TokenRefused(Exception):
    """The access token is not (or no longer) valid."""


@dataclass(frozen=True)
class TokenClaims:
    """What a verified access token says (the kit's verifier, adapted)."""

    subject: str
    role: str
    municipality: int | None
    institution: str | None


# Verifies an access token: its claims, or TokenRefused; a verifier that
# cannot judge now (auth's keys unreachable) raises its own error, which the
# app answers with 503.
Verify = Callable[[str], TokenClaims]
Session = MutableMapping[str, Any]

# The session's keys (one place, so a page cannot invent its own).
ACCESS, REFRESH, EXPIRES_AT, USERNAME, CHECKED_AT = (
    "access_token",
    "refresh_token",
    "access_expires_at",
    "username",
    "account_checked_at",
)


@dataclass(frozen=True)
class SignedIn:
    """Who a page behind login serves, from the verified access token."""

    account_id: str
    role: str
    username: str
    municipality: int | None
    institution: str | None
    access_token: str

    def __repr__(self) -> str:
        # Never a token in a log line or a traceback.
        return f"SignedIn(role={self.role!r}, username={self.username!r})"

    def may_edit_institution(self, number: str, municipality: int | None) -> bool:
        """Its own institution; any institution of its municipality; admins all."""
        if self.role == "admin":
            return True
        if self.role == "institution":
            return self.institution == number
        if self.role == "municipality":
            return municipality is not None and self.municipality == municipality
        return False

    def may_manage_municipality(self, code: int) -> bool:
        return self.role == "admin" or (self.role == "municipality" and self.municipality == code)

    @property
    def may_import(self) -> bool:
        return self.role in ("dst", "admin")


def start(session: Session, tokens: Tokens, username: str, now: float) -> None:
    """A new login's tokens into a session the caller has just renewed."""
    session.clear()
    _keep(session, tokens, now)
    session[USERNAME] = username
    session[CHECKED_AT] = now


def _keep(session: Session, tokens: Tokens, now: float) -> None:
    session[ACCESS] = tokens.access_token
    session[REFRESH] = tokens.refresh_token
    session[EXPIRES_AT] = now + tokens.expires_in_s


def current(
    session: Session,
    accounts: AccountsGateway,
    verify: Verify,
    now: float,
    account_check_s: float,
) -> SignedIn | None:
    """Who the session is signed in as, renewing its access token first when
    it is about to end and asking auth every ``account_check_s`` whether the
    account may still log in. None (and the session emptied) when it has
    ended. ``AuthUnavailable`` and ``VerifierUnavailable`` pass through: the
    page says auth is away, and the session stays for when it is back."""
    if not session.get(REFRESH):
        return None
    try:
        if now >= float(session.get(EXPIRES_AT, 0)) - RENEW_BEFORE_S:
            _keep(session, accounts.refresh(session[REFRESH]), now)
        try:
            principal = verify(session[ACCESS])
        except TokenRefused:
            # A key rotated or a token revoked: one renewal, then it is over.
            _keep(session, accounts.refresh(session[REFRESH]), now)
            principal = verify(session[ACCESS])
        if now - float(session.get(CHECKED_AT, 0)) >= account_check_s:
            account = accounts.me(session[ACCESS])
            if account.get("status", "active") != "active":
                raise SessionEnded()
            session[CHECKED_AT] = now
    except (SessionEnded, TokenRefused):
        session.clear()
        return None
    return SignedIn(
        account_id=principal.subject,
        role=principal.role,
        username=str(session.get(USERNAME) or principal.subject),
        municipality=principal.municipality,
        institution=principal.institution,
        access_token=session[ACCESS],
    )


def end(session: Session, accounts: AccountsGateway) -> None:
    """Log out: auth ends the login (and the access token); the session goes
    whatever auth answers, so a user who clicked log out is logged out here."""
    access, refresh = session.get(ACCESS), session.get(REFRESH)
    session.clear()
    if refresh:
        accounts.logout(access, refresh)


def refresh_token(session: Session) -> str | None:
    value = session.get(REFRESH)
    return str(value) if value else None
