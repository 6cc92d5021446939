"""Accounts: who can log in, with which role, scoped to what.

An institution's username is its (public) institution number; its account is
created from the register and has no usable password until its municipality
issues a credential letter. Municipality users are scoped to one
municipality; dst and admin users are national.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    INSTITUTION = "institution"
    MUNICIPALITY = "municipality"
    ADMIN = "admin"
    DST = "dst"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"
    DISABLED = "disabled"


class ScopeError(ValueError):
    """An account whose role and scope do not fit (e.g. a municipality user
    without a municipality)."""


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str
    role: Role
    institution_number: str | None
    municipality_code: int | None
    status: AccountStatus
    # argon2id; None: no usable password yet (an institution before its letter).
    password_hash: str | None
    display_name: str | None
    changed_at: datetime
    # Moves on with every change; the events' aggregateversion.
    version: int = 1
    password_changed_at: datetime | None = None

    def __post_init__(self) -> None:
        check_scope(self.role, self.institution_number, self.municipality_code)

    @property
    def can_log_in(self) -> bool:
        return self.status is AccountStatus.ACTIVE and self.password_hash is not None

    def changed(self, now: datetime, **changes: Any) -> Account:
        """This account with ``changes``, one version on."""
        return replace(self, changed_at=now, version=self.version + 1, **changes)

    def event_payload(self) -> dict[str, Any]:
        """The account's state as ``auth.accounts.v1`` carries it: never a
        password, hash or token (the contract refuses unknown fields)."""
        return {
            "account_id": self.account_id,
            "username": self.username,
            "role": self.role.value,
            "institution_number": self.institution_number,
            "municipality_code": self.municipality_code,
            "status": self.status.value,
            "changed_at": self.changed_at.isoformat(),
        }


def check_scope(role: Role, institution: str | None, municipality: int | None) -> None:
    if role is Role.INSTITUTION and institution is None:
        raise ScopeError("an institution account names its institution")
    if role is not Role.INSTITUTION and institution is not None:
        raise ScopeError(f"a {role.value} account has no institution")
    if role is Role.MUNICIPALITY and municipality is None:
        raise ScopeError("a municipality account names its municipality")
    if role in (Role.ADMIN, Role.DST) and municipality is not None:
        raise ScopeError(f"a {role.value} account has no municipality")


def new_account_id() -> str:
    return str(uuid.uuid4())


def institution_account(
    number: str, name: str | None, municipality_code: int | None, now: datetime
) -> Account:
    """The account the register's new institution gets: no password yet."""
    return Account(
        account_id=new_account_id(),
        username=number,
        role=Role.INSTITUTION,
        institution_number=number,
        municipality_code=municipality_code,
        status=AccountStatus.ACTIVE,
        password_hash=None,
        display_name=name,
        changed_at=now,
    )


def may_manage(actor: Account, target: Account) -> bool:
    """Whether ``actor`` may issue credentials for, or see, ``target``: an admin
    anyone; a municipality user the institutions of its own municipality."""
    if actor.role is Role.ADMIN:
        return True
    return (
        actor.role is Role.MUNICIPALITY
        and target.role is Role.INSTITUTION
        and target.municipality_code is not None
        and target.municipality_code == actor.municipality_code
    )
