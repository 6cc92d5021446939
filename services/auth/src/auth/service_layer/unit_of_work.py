"""The auth service's unit of work: the repositories its use cases see, and
the SQL version that opens them over one session (events to the outbox in
the same transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from auth.adapters.orm import kit_tables
from auth.adapters.repository import (
    SqlAccountRepository,
    SqlAuditRepository,
    SqlRefreshTokenRepository,
    SqlSigningKeyRepository,
)
from auth.service_layer.repositories import (
    AccountRepository,
    AuditRepository,
    RefreshTokenRepository,
    SigningKeyRepository,
)
from dagkit.uow import AbstractUnitOfWork, SqlUnitOfWork


class AuthUnitOfWork(AbstractUnitOfWork):
    accounts: AccountRepository
    refresh_tokens: RefreshTokenRepository
    signing_keys: SigningKeyRepository
    audit: AuditRepository


class SqlAuthUnitOfWork(SqlUnitOfWork, AuthUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session] | None = None) -> None:
        super().__init__(session_factory, outbox=kit_tables.outbox)

    def open_repositories(self, session: Session) -> None:
        self.accounts = SqlAccountRepository(session)
        self.refresh_tokens = SqlRefreshTokenRepository(session)
        self.signing_keys = SqlSigningKeyRepository(session)
        self.audit = SqlAuditRepository(session)
