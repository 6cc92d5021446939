"""The profiles service's unit of work: the repositories its use cases see,
and the SQL version that opens them over one session (events to the outbox in
the same transaction)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dagkit.uow import AbstractUnitOfWork, SqlUnitOfWork
from profiles.adapters.orm import kit_tables
from profiles.adapters.repository import (
    SqlChangeRepository,
    SqlInstitutionRepository,
    SqlProfileRepository,
)
from profiles.service_layer.repositories import (
    ChangeRepository,
    InstitutionRepository,
    ProfileRepository,
)


class ProfilesUnitOfWork(AbstractUnitOfWork):
    institutions: InstitutionRepository
    profiles: ProfileRepository
    changes: ChangeRepository


class SqlProfilesUnitOfWork(SqlUnitOfWork, ProfilesUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session] | None = None) -> None:
        super().__init__(session_factory, outbox=kit_tables.outbox)

    def open_repositories(self, session: Session) -> None:
        self.institutions = SqlInstitutionRepository(session)
        self.profiles = SqlProfileRepository(session)
        self.changes = SqlChangeRepository(session)
