"""The auth service's repositories in memory, for unit tests of its use cases
(the SQL repositories are covered by the integration tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import cast

from auth.domain.accounts import Account, Role
from auth.domain.audit import AuditRecord
from auth.domain.keys import SigningKey
from auth.domain.sessions import RefreshToken
from auth.service_layer.repositories import (
    AccountRepository,
    AuditRepository,
    KeyIdTaken,
    RefreshTokenRepository,
    SigningKeyRepository,
    username_key,
)
from auth.service_layer.unit_of_work import AuthUnitOfWork
from dagkit.testing.fakes import FakeUnitOfWork


class FakeAccountRepository(AccountRepository):
    def __init__(self) -> None:
        self.rows: dict[str, Account] = {}

    def add(self, account: Account) -> None:
        if self.by_username(account.username) is not None:
            raise ValueError(f"username {account.username} is taken")
        self.rows[account.account_id] = account

    def save(self, account: Account) -> None:
        self.rows[account.account_id] = account

    def get(self, account_id: str) -> Account | None:
        return self.rows.get(account_id)

    def by_username(self, username: str) -> Account | None:
        key = username_key(username)
        return next((a for a in self.rows.values() if username_key(a.username) == key), None)

    def by_institution(self, number: str) -> Account | None:
        return next((a for a in self.rows.values() if a.institution_number == number.upper()), None)

    def in_municipality(self, code: int) -> list[Account]:
        found = [
            a
            for a in self.rows.values()
            if a.role is Role.INSTITUTION and a.municipality_code == code
        ]
        return sorted(found, key=lambda a: username_key(a.username))

    def count(self) -> int:
        return len(self.rows)


class FakeRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self) -> None:
        self.rows: dict[str, RefreshToken] = {}

    def add(self, token: RefreshToken) -> None:
        self.rows[token.digest] = token

    def get(self, digest: str) -> RefreshToken | None:
        return self.rows.get(digest)

    def mark_used(self, digest: str, now: datetime) -> bool:
        token = self.rows.get(digest)
        if token is None or token.used_at is not None:
            return False
        self.rows[digest] = token.used(now)
        return True

    def _revoke(self, match: list[RefreshToken], now: datetime) -> int:
        for token in match:
            self.rows[token.digest] = replace(token, revoked_at=now)
        return len(match)

    def revoke_family(self, family_id: str, now: datetime) -> int:
        live = [t for t in self.rows.values() if t.family_id == family_id and t.revoked_at is None]
        return self._revoke(live, now)

    def revoke_account(
        self, account_id: str, now: datetime, *, except_family: str | None = None
    ) -> int:
        live = [
            t
            for t in self.rows.values()
            if t.account_id == account_id and t.revoked_at is None and t.family_id != except_family
        ]
        return self._revoke(live, now)


class FakeSigningKeyRepository(SigningKeyRepository):
    def __init__(self) -> None:
        self.rows: dict[str, SigningKey] = {}

    def add(self, key: SigningKey) -> None:
        # The kid is the table's primary key.
        if key.kid in self.rows:
            raise KeyIdTaken(key.kid)
        self.rows[key.kid] = key

    def all(self) -> list[SigningKey]:
        return sorted(self.rows.values(), key=lambda k: (k.signs_from, k.kid))

    def supersede(self, kid: str, now: datetime) -> None:
        key = self.rows[kid]
        if key.superseded_at is None:
            self.rows[kid] = replace(key, superseded_at=now)

    def remove(self, kid: str) -> None:
        self.rows.pop(kid, None)


class FakeAuditRepository(AuditRepository):
    def __init__(self) -> None:
        self.rows: list[AuditRecord] = []

    def add(self, record: AuditRecord) -> None:
        self.rows.append(record)

    def for_account(self, account_id: str, limit: int) -> list[AuditRecord]:
        return [r for r in reversed(self.rows) if r.account_id == account_id][:limit]

    def for_municipality(self, code: int | None, limit: int) -> list[AuditRecord]:
        return [r for r in reversed(self.rows) if code is None or r.municipality_code == code][
            :limit
        ]


class FakeAuthUnitOfWork(FakeUnitOfWork, AuthUnitOfWork):
    REPOSITORIES = ("accounts", "refresh_tokens", "signing_keys", "audit")

    def __init__(self) -> None:
        super().__init__()
        self.accounts = FakeAccountRepository()
        self.refresh_tokens = FakeRefreshTokenRepository()
        self.signing_keys = FakeSigningKeyRepository()
        self.audit = FakeAuditRepository()


def account_rows(uow: AuthUnitOfWork) -> dict[str, Account]:
    """What the fake account repository holds, by account id."""
    return cast(FakeAccountRepository, uow.accounts).rows


def audit_rows(uow: AuthUnitOfWork) -> list[AuditRecord]:
    return cast(FakeAuditRepository, uow.audit).rows


def token_rows(uow: AuthUnitOfWork) -> dict[str, RefreshToken]:
    return cast(FakeRefreshTokenRepository, uow.refresh_tokens).rows
