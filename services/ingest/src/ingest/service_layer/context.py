"""What every use case of the ingest service gets: how to open a unit of
work, the loaded reference data, and the limits an import is held to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine

from ingest.domain.reference import ReferenceData
from ingest.service_layer.unit_of_work import IngestUnitOfWork


class AccessTokenVerifier(Protocol):
    """What verifies the access tokens of HTTP requests: the kit's
    ``dagkit.tokens.TokenVerifier`` (named by shape only: the service layer
    does not import the web stack)."""

    def verify(self, token: str) -> object: ...


@dataclass(frozen=True)
class IngestContext:
    uow: Callable[[], IngestUnitOfWork]
    reference: ReferenceData
    work_dir: Path  # where a stored file is written out while it is read
    max_upload_bytes: int
    # A register import closing more than this share of the active
    # institutions (or emptying a municipality) needs a confirmed count.
    max_closure_pct: float = 5.0
    # How long uploaded files are kept (see service_layer.retention).
    keep_files_days: int = 30
    keep_replaced_files_days: int = 365
    # Verifies the access tokens of HTTP requests against auth's public keys
    # (None where nothing is served over HTTP: fakes).
    verifier: AccessTokenVerifier | None = None
    # Only for fault tests: hold the applying transaction open this long.
    pause_before_commit_seconds: float = 0.0
    # The database the unit of work opens sessions on (None on fakes).
    engine: Engine | None = None

    def close(self) -> None:
        """Give back the database connections (end of a process or a test)."""
        if self.engine is not None:
            self.engine.dispose()
