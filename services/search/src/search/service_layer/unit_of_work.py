"""The search service's unit of work: the read model, as the use cases and
event handlers see it, and the SQL version that opens it over one session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session

from dagkit.uow import AbstractUnitOfWork, SqlUnitOfWork
from search.adapters.repository import SqlReadModel
from search.domain.figures import NationalFigure
from search.domain.geo import BoundingBox


class ReadModel(Protocol):
    """Institutions, profiles, municipal and national figures, and the
    generation every applied batch of events moves on."""

    def generation(self) -> int: ...

    def search_rows(
        self, *, numbers: Sequence[str] | None = None, box: BoundingBox | None = None
    ) -> list[dict[str, Any]]:
        """Active institutions with their profile's filter columns: those
        among ``numbers``, or within ``box``; in no particular order."""
        ...

    def located_points(self) -> list[tuple[str, float, float]]:
        """(number, lat, lon) of every active institution with coordinates."""
        ...

    def institution_rows(self, numbers: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Institutions (any status) with their profile (None where none is
        reported), by number."""
        ...

    def active_names(self) -> list[tuple[str, str]]:
        """(number, name) of every active institution."""
        ...

    def active_institutions(self, numbers: Sequence[str]) -> list[dict[str, Any]]:
        """The register rows of the active institutions among ``numbers``."""
        ...

    def municipal_figures(self, code: int | None = None) -> dict[int, dict[str, Any]]:
        """Every municipality's statistics row, or only ``code``'s."""
        ...

    def figures_by_municipality(self) -> dict[int, list[dict[str, Any]]]:
        """Every municipality's figures, by code."""
        ...

    def national(self) -> dict[tuple[str, int, str | None], dict[str, Any]]:
        """National figures by indicator, year and series (None where an
        indicator has none)."""
        ...

    def upsert_institutions(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def upsert_profiles(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def upsert_statistics(self, rows: Sequence[dict[str, Any]]) -> None: ...

    def replace_national(self, figures: Iterable[NationalFigure]) -> None: ...

    def bump_generation(self) -> None:
        """Move the generation on, once per transaction however often asked."""
        ...

    def clear(self) -> None:
        """Drop every institution, profile and figure."""
        ...

    def forget_consumer_group(self, group: str) -> None:
        """Forget which events ``group`` has applied, so a replay applies them again."""
        ...


class SearchUnitOfWork(AbstractUnitOfWork):
    read_model: ReadModel


class SqlSearchUnitOfWork(SqlUnitOfWork, SearchUnitOfWork):
    """The search service publishes nothing: its unit of work has no outbox."""

    def open_repositories(self, session: Session) -> None:
        self.read_model = SqlReadModel(session)
