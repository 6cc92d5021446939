"""The auth service's repositories as its use cases see them; the SQL
repositories (adapters/repository.py) and the in-memory ones
(auth.testing.fakes) only store what is said here."""

from __future__ import annotations

import abc
from datetime import datetime

from auth.domain.accounts import Account
from auth.domain.audit import AuditRecord
from auth.domain.keys import SigningKey
from auth.domain.sessions import RefreshToken


def username_key(username: str) -> str:
    """Usernames are found in any case (g20580 is G20580)."""
    return username.strip().casefold()


class AccountRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, account: Account) -> None: ...

    @abc.abstractmethod
    def save(self, account: Account) -> None:
        """Writes a changed account (same id)."""

    @abc.abstractmethod
    def get(self, account_id: str) -> Account | None: ...

    @abc.abstractmethod
    def by_username(self, username: str) -> Account | None:
        """The account whose username is ``username`` in any case."""

    @abc.abstractmethod
    def by_institution(self, number: str) -> Account | None: ...

    @abc.abstractmethod
    def in_municipality(self, code: int) -> list[Account]:
        """Every institution account of municipality ``code``, by username."""

    @abc.abstractmethod
    def count(self) -> int: ...


class RefreshTokenRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, token: RefreshToken) -> None: ...

    @abc.abstractmethod
    def get(self, digest: str) -> RefreshToken | None: ...

    @abc.abstractmethod
    def mark_used(self, digest: str, now: datetime) -> bool:
        """Uses the token up; False if it was already used (a concurrent
        refresh with the same token lost the race)."""

    @abc.abstractmethod
    def revoke_family(self, family_id: str, now: datetime) -> int: ...

    @abc.abstractmethod
    def revoke_account(
        self, account_id: str, now: datetime, *, except_family: str | None = None
    ) -> int:
        """Revokes every live refresh token of the account (a password change
        keeps the session that made it: ``except_family``)."""


class KeyIdTaken(Exception):
    """Another process stored a key with the same kid first (key ids follow
    from the table, so this is how two processes making one key meet)."""


class SigningKeyRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, key: SigningKey) -> None:
        """``KeyIdTaken`` when a key with its kid exists; the unit of work
        must then be left without a commit."""

    @abc.abstractmethod
    def all(self) -> list[SigningKey]: ...

    @abc.abstractmethod
    def supersede(self, kid: str, now: datetime) -> None:
        """Sets when ``kid`` stops signing (once: a later call changes nothing)."""

    @abc.abstractmethod
    def remove(self, kid: str) -> None:
        """Deletes a retired key, its private half with it."""


class AuditRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, record: AuditRecord) -> None: ...

    @abc.abstractmethod
    def for_account(self, account_id: str, limit: int) -> list[AuditRecord]:
        """Newest first."""

    @abc.abstractmethod
    def for_municipality(self, code: int | None, limit: int) -> list[AuditRecord]:
        """Newest first; ``None``: every record (admins)."""
