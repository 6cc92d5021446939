"""Refresh tokens: long-lived, single-use, stored only as a hash.

Each login starts a family; every refresh uses up the presented token and
issues its successor in the same family. A used token presented again means
it was stolen (or the client raced itself): the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

REFRESH_TOKEN_BYTES = 32


def new_refresh_token() -> str:
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def token_digest(token: str) -> str:
    """What is stored and looked up: a token of 256 random bits needs no salt
    or slow hash, only to be useless if the table leaks."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class RefreshToken:
    digest: str
    family_id: str
    account_id: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at

    def used(self, now: datetime) -> RefreshToken:
        return replace(self, used_at=now)


def refresh_token_for(
    account_id: str, family_id: str, now: datetime, lifetime: timedelta
) -> tuple[str, RefreshToken]:
    """(the token to hand out once, what is stored of it)."""
    token = new_refresh_token()
    return token, RefreshToken(
        digest=token_digest(token),
        family_id=family_id,
        account_id=account_id,
        issued_at=now,
        expires_at=now + lifetime,
    )
