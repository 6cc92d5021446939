"""The search read model in SQL: every query the use cases and the event
handlers need, over one session."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.orm import Session

from dagkit.db import insert_rows
from search.adapters.orm import (
    institutions,
    kit_tables,
    municipality_statistics,
    national_figures,
    profiles,
    read_model_state,
)
from search.domain.figures import NationalFigure, national_by_key, stored_national
from search.domain.geo import BoundingBox

READ_MODEL = (institutions, profiles, municipality_statistics, national_figures)
# Marks a session whose transaction has already moved the generation on.
GENERATION_BUMPED = "search.generation_bumped"

# What a search filters and shows: the register facts and the profile's
# derived columns (None for all of them where no profile is reported).
_SEARCH_COLUMNS = (
    institutions.c.number,
    institutions.c.name,
    institutions.c.name_folded,
    institutions.c.kind,
    institutions.c.ownership,
    institutions.c.municipality_code,
    institutions.c.postcode,
    institutions.c.lat,
    institutions.c.lon,
    institutions.c.status,
    institutions.c.accepts_0_2,
    institutions.c.accepts_3_5,
    institutions.c.register,
    profiles.c.opens_latest,
    profiles.c.closes_earliest,
    profiles.c.meal_offered,
    profiles.c.meal_kind,
    profiles.c.diets,
    profiles.c.tags,
    profiles.c.languages,
    profiles.c.organic_share_pct,
    profiles.c.open_places,
)
_ACTIVE = institutions.c.status == "active"


class SqlReadModel:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------- reads
    def generation(self) -> int:
        value = self.session.execute(
            select(read_model_state.c.generation).where(read_model_state.c.id == 1)
        ).scalar_one_or_none()
        return int(value or 0)

    def search_rows(
        self, *, numbers: Sequence[str] | None = None, box: BoundingBox | None = None
    ) -> list[dict[str, Any]]:
        stmt = (
            select(*_SEARCH_COLUMNS)
            .outerjoin(profiles, profiles.c.number == institutions.c.number)
            .where(_ACTIVE)
        )
        if numbers is not None:
            if not numbers:
                return []
            stmt = stmt.where(institutions.c.number.in_(numbers))
        if box is not None:
            stmt = stmt.where(
                and_(
                    institutions.c.lat.between(box.min_lat, box.max_lat),
                    institutions.c.lon.between(box.min_lon, box.max_lon),
                )
            )
        return [dict(r) for r in self.session.execute(stmt).mappings()]

    def located_points(self) -> list[tuple[str, float, float]]:
        rows = self.session.execute(
            select(institutions.c.number, institutions.c.lat, institutions.c.lon).where(
                _ACTIVE, institutions.c.lat.is_not(None)
            )
        ).all()
        return [(number, lat, lon) for number, lat, lon in rows]

    def institution_rows(self, numbers: Sequence[str] | None = None) -> list[dict[str, Any]]:
        query = select(institutions, profiles.c.profile).outerjoin(
            profiles, profiles.c.number == institutions.c.number
        )
        if numbers is not None:
            query = query.where(institutions.c.number.in_(numbers))
        rows = self.session.execute(query.order_by(institutions.c.number)).mappings()
        return [dict(row) for row in rows]

    def active_names(self) -> list[tuple[str, str]]:
        rows = self.session.execute(
            select(institutions.c.number, institutions.c.name).where(_ACTIVE)
        )
        return [(number, name) for number, name in rows]

    def active_institutions(self, numbers: Sequence[str]) -> list[dict[str, Any]]:
        rows = self.session.execute(
            select(institutions).where(_ACTIVE, institutions.c.number.in_(numbers))
        ).mappings()
        return [dict(row) for row in rows]

    def municipal_figures(self, code: int | None = None) -> dict[int, dict[str, Any]]:
        query = select(municipality_statistics)
        if code is not None:
            query = query.where(municipality_statistics.c.municipality_code == code)
        rows = self.session.execute(query).mappings()
        return {row["municipality_code"]: dict(row) for row in rows}

    def figures_by_municipality(self) -> dict[int, list[dict[str, Any]]]:
        rows = self.session.execute(
            select(municipality_statistics.c.municipality_code, municipality_statistics.c.figures)
        )
        return {code: figures for code, figures in rows}

    def national(self) -> dict[tuple[str, int, str | None], dict[str, Any]]:
        return national_by_key(self.session.execute(select(national_figures)).mappings())

    # ------------------------------------------------------------ writes
    def upsert_institutions(self, rows: Sequence[dict[str, Any]]) -> None:
        insert_rows(self.session, institutions, rows, upsert_on=["number"])

    def upsert_profiles(self, rows: Sequence[dict[str, Any]]) -> None:
        insert_rows(self.session, profiles, rows, upsert_on=["number"])

    def upsert_statistics(self, rows: Sequence[dict[str, Any]]) -> None:
        insert_rows(self.session, municipality_statistics, rows, upsert_on=["municipality_code"])

    def replace_national(self, figures: Iterable[NationalFigure]) -> None:
        self.session.execute(delete(national_figures))
        rows = [stored_national(f) for f in figures]
        if rows:
            self.session.execute(insert(national_figures), rows)

    def bump_generation(self) -> None:
        # Once per session is enough: a batch of events commits together.
        if self.session.info.get(GENERATION_BUMPED):
            return
        self.session.info[GENERATION_BUMPED] = True
        updated = self.session.execute(
            update(read_model_state)
            .where(read_model_state.c.id == 1)
            .values(generation=read_model_state.c.generation + 1)
        )
        if not updated.rowcount:  # type: ignore[attr-defined]
            # A new database starts at a random generation, so answers cached in
            # Redis for an earlier database are never taken for this one's.
            start = secrets.randbits(40) << 16
            self.session.execute(insert(read_model_state).values(id=1, generation=start))

    def clear(self) -> None:
        for table in READ_MODEL:
            self.session.execute(delete(table))

    def forget_consumer_group(self, group: str) -> None:
        for table in (kit_tables.inbox, kit_tables.aggregate_versions):
            self.session.execute(delete(table).where(table.c.consumer_group == group))
