"""Reads of the search read model."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from search.adapters.orm import institutions, municipality_statistics, national_figures, profiles


def institution_rows(session: Session, numbers: list[str] | None = None) -> list[dict[str, Any]]:
    """Institutions joined with their profiles (None where none is reported)."""
    query = select(institutions, profiles.c.profile).outerjoin(
        profiles, profiles.c.number == institutions.c.number
    )
    if numbers is not None:
        query = query.where(institutions.c.number.in_(numbers))
    return [dict(row) for row in session.execute(query.order_by(institutions.c.number)).mappings()]


def municipal_figures(session: Session, code: int | None = None) -> dict[int, dict[str, Any]]:
    """Every municipality's statistics, or only ``code``'s."""
    query = select(municipality_statistics)
    if code is not None:
        query = query.where(municipality_statistics.c.municipality_code == code)
    rows = session.execute(query).mappings()
    return {row["municipality_code"]: dict(row) for row in rows}


def national(session: Session) -> dict[tuple[str, int, str | None], dict[str, Any]]:
    """National figures by indicator, year and series (None where an
    indicator has none)."""
    out = {}
    for row in session.execute(select(national_figures)).mappings():
        figure = dict(row) | {"series": row["series"] or None}
        out[(row["indicator"], row["year"], figure["series"])] = figure
    return out
