"""The ingest service's unit of work: the repositories its use cases see
(``repositories``), and the SQL version that opens them over one session."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from dagkit.uow import AbstractUnitOfWork, SqlUnitOfWork
from ingest.adapters.orm import kit_tables
from ingest.adapters.repository import (
    SqlDatasetRepository,
    SqlImportRepository,
    SqlStoredFileRepository,
)
from ingest.service_layer.repositories import (
    DatasetRepository,
    ImportRepository,
    StoredFileRepository,
)


class IngestUnitOfWork(AbstractUnitOfWork):
    imports: ImportRepository
    files: StoredFileRepository
    datasets: DatasetRepository


class SqlIngestUnitOfWork(SqlUnitOfWork, IngestUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, outbox=kit_tables.outbox)

    def open_repositories(self, session: Session) -> None:
        self.imports = SqlImportRepository(session)
        self.files = SqlStoredFileRepository(session)
        self.datasets = SqlDatasetRepository(session)
