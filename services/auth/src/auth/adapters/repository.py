"""The auth service's repositories on SQLAlchemy Core."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.adapters.orm import accounts, audit_records, refresh_tokens, signing_keys
from auth.domain.accounts import Account, AccountStatus, Role
from auth.domain.audit import AuditAction, AuditRecord
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


def _account(row: RowMapping) -> Account:
    return Account(
        account_id=row["account_id"],
        username=row["username"],
        role=Role(row["role"]),
        institution_number=row["institution_number"],
        municipality_code=row["municipality_code"],
        status=AccountStatus(row["status"]),
        password_hash=row["password_hash"],
        display_name=row["display_name"],
        changed_at=row["changed_at"],
        version=row["version"],
        password_changed_at=row["password_changed_at"],
    )


def _account_row(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "username": account.username,
        "username_key": username_key(account.username),
        "role": account.role.value,
        "institution_number": account.institution_number,
        "municipality_code": account.municipality_code,
        "status": account.status.value,
        "password_hash": account.password_hash,
        "display_name": account.display_name,
        "changed_at": account.changed_at,
        "version": account.version,
        "password_changed_at": account.password_changed_at,
    }


class SqlAccountRepository(AccountRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def _one(self, *where: Any) -> Account | None:
        row = self._session.execute(select(accounts).where(*where)).mappings().first()
        return _account(row) if row else None

    def add(self, account: Account) -> None:
        self._session.execute(insert(accounts).values(_account_row(account)))

    def save(self, account: Account) -> None:
        row = _account_row(account)
        self._session.execute(
            update(accounts).where(accounts.c.account_id == account.account_id).values(row)
        )

    def get(self, account_id: str) -> Account | None:
        return self._one(accounts.c.account_id == account_id)

    def by_username(self, username: str) -> Account | None:
        return self._one(accounts.c.username_key == username_key(username))

    def by_institution(self, number: str) -> Account | None:
        return self._one(accounts.c.institution_number == number.upper())

    def in_municipality(self, code: int) -> list[Account]:
        rows = self._session.execute(
            select(accounts)
            .where(accounts.c.municipality_code == code, accounts.c.role == Role.INSTITUTION.value)
            .order_by(accounts.c.username_key)
        ).mappings()
        return [_account(row) for row in rows]

    def count(self) -> int:
        return int(self._session.execute(select(func.count()).select_from(accounts)).scalar_one())


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands times back without their offset; they were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _with_utc_times(row: RowMapping, *names: str) -> dict[str, Any]:
    values = dict(row)
    for name in names:
        values[name] = _utc(values[name])
    return values


def _refresh(row: RowMapping) -> RefreshToken:
    return RefreshToken(**_with_utc_times(row, "issued_at", "expires_at", "used_at", "revoked_at"))


class SqlRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: RefreshToken) -> None:
        self._session.execute(insert(refresh_tokens).values(vars(token)))

    def get(self, digest: str) -> RefreshToken | None:
        row = (
            self._session.execute(select(refresh_tokens).where(refresh_tokens.c.digest == digest))
            .mappings()
            .first()
        )
        return _refresh(row) if row else None

    def mark_used(self, digest: str, now: datetime) -> bool:
        # Conditional on "not used yet": of two concurrent refreshes with one
        # token, exactly one wins.
        result = self._session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.digest == digest, refresh_tokens.c.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def revoke_family(self, family_id: str, now: datetime) -> int:
        result = self._session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def revoke_account(
        self, account_id: str, now: datetime, *, except_family: str | None = None
    ) -> int:
        where = [refresh_tokens.c.account_id == account_id, refresh_tokens.c.revoked_at.is_(None)]
        if except_family is not None:
            where.append(refresh_tokens.c.family_id != except_family)
        result = self._session.execute(update(refresh_tokens).where(*where).values(revoked_at=now))
        return int(result.rowcount)  # type: ignore[attr-defined]


class SqlSigningKeyRepository(SigningKeyRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: SigningKey) -> None:
        try:
            self._session.execute(insert(signing_keys).values(vars(key)))
        except IntegrityError:
            raise KeyIdTaken(key.kid) from None

    def all(self) -> list[SigningKey]:
        rows = self._session.execute(
            select(signing_keys).order_by(signing_keys.c.signs_from, signing_keys.c.kid)
        )
        return [
            SigningKey(**_with_utc_times(row, "created_at", "signs_from", "superseded_at"))
            for row in rows.mappings()
        ]

    def supersede(self, kid: str, now: datetime) -> None:
        self._session.execute(
            update(signing_keys)
            .where(signing_keys.c.kid == kid, signing_keys.c.superseded_at.is_(None))
            .values(superseded_at=now)
        )

    def remove(self, kid: str) -> None:
        self._session.execute(delete(signing_keys).where(signing_keys.c.kid == kid))


def _audit(row: RowMapping) -> AuditRecord:
    return AuditRecord(
        at=row["at"],
        action=AuditAction(row["action"]),
        account_id=row["account_id"],
        actor_account_id=row["actor_account_id"],
        municipality_code=row["municipality_code"],
        client_address=row["client_address"],
        detail=dict(row["detail"] or {}),
    )


class SqlAuditRepository(AuditRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, record: AuditRecord) -> None:
        values = vars(record).copy()
        values["action"] = record.action.value
        self._session.execute(insert(audit_records).values(values))

    def for_account(self, account_id: str, limit: int) -> list[AuditRecord]:
        rows = self._session.execute(
            select(audit_records)
            .where(audit_records.c.account_id == account_id)
            .order_by(audit_records.c.at.desc(), audit_records.c.id.desc())
            .limit(limit)
        ).mappings()
        return [_audit(row) for row in rows]

    def for_municipality(self, code: int | None, limit: int) -> list[AuditRecord]:
        query = select(audit_records)
        if code is not None:
            query = query.where(audit_records.c.municipality_code == code)
        rows = self._session.execute(
            query.order_by(audit_records.c.at.desc(), audit_records.c.id.desc()).limit(limit)
        ).mappings()
        return [_audit(row) for row in rows]
