"""Applying events to the read model. Each handler gets the event's full
state and overwrites what it knows; the kit has already dropped duplicates and
stale versions, so replaying a topic changes nothing."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dagkit.envelope import Envelope
from dagtilbud_contracts import institution, profile, statistics
from search.adapters.orm import (
    institutions,
    municipality_statistics,
    national_figures,
    profiles,
    read_model_state,
)
from search.domain.figures import national_figures as compute_national
from search.domain.opening_hours import weekday_span
from search.domain.text import fold

TOPICS = ["ingest.institutions.v1", "ingest.statistics.v1", "profiles.profiles.v1"]
CONSUMER_GROUP = "search.read-model"


def bump_generation(session: Session) -> None:
    """Every applied event moves the read model on: caches keyed by the old
    generation are no longer read, and the geo index is rebuilt. Once per
    session is enough (a batch of events commits together)."""
    if session.info.get("search.generation_bumped"):
        return
    session.info["search.generation_bumped"] = True
    updated = session.execute(
        update(read_model_state)
        .where(read_model_state.c.id == 1)
        .values(generation=read_model_state.c.generation + 1)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        # A new database starts at a random generation, so answers cached in
        # Redis for an earlier database are never taken for this one's.
        start = secrets.randbits(40) << 16
        session.execute(insert(read_model_state).values(id=1, generation=start))


def _upsert(session: Session, table: Any, key: dict[str, Any], values: dict[str, Any]) -> None:
    # Both PostgreSQL and SQLite (the embedded default) know ON CONFLICT.
    dialect = session.get_bind().dialect.name
    make_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = make_insert(table)
    # set_ from "excluded" keeps the statement's shape constant, so SQLAlchemy
    # compiles it once and only binds new values.
    upsert = statement.on_conflict_do_update(
        index_elements=list(key), set_={name: statement.excluded[name] for name in values}
    )
    session.execute(upsert, {**key, **values})


def apply_institution(session: Session, event: Envelope) -> None:
    data = event.data
    location = data.get("location") or {}
    _upsert(
        session,
        institutions,
        {"number": data["institution_number"]},
        {
            "name": data["name"],
            "name_folded": fold(data["name"]),
            "kind": data["kind"],
            "ownership": data["ownership"],
            "municipality_code": data["municipality_code"],
            "postcode": data["address"]["postcode"],
            "lat": location.get("lat"),
            "lon": location.get("lon"),
            "status": data["status"],
            "accepts_0_2": data["accepts_0_2"],
            "accepts_3_5": data["accepts_3_5"],
            "register": data,
            "updated_at": datetime.now(UTC),
        },
    )
    bump_generation(session)


def apply_profile(session: Session, event: Envelope) -> None:
    data = event.data
    opens_latest, closes_earliest = weekday_span(data.get("opening_hours") or [])
    meal = data.get("meal_scheme")
    _upsert(
        session,
        profiles,
        {"number": data["institution_number"]},
        {
            "profile": data,
            "opens_latest": opens_latest,
            "closes_earliest": closes_earliest,
            "meal_offered": None if meal is None else meal["offered"],
            "meal_kind": None if meal is None else meal["kind"],
            "diets": [] if meal is None else list(meal["diets"]),
            "tags": list(data.get("tags") or []),
            "updated_at": datetime.now(UTC),
        },
    )
    bump_generation(session)


def apply_statistics(session: Session, event: Envelope) -> None:
    data = event.data
    _upsert(
        session,
        municipality_statistics,
        {"municipality_code": data["municipality_code"]},
        {
            "name": data["municipality_name"],
            "figures": data["figures"],
            "dataset_version": data["dataset_version"],
        },
    )
    _recompute_national(session)
    bump_generation(session)


def _recompute_national(session: Session) -> None:
    """Cheap enough to do whole: 98 municipalities, a few thousand figures."""
    municipal = {
        code: figures
        for code, figures in session.execute(
            select(municipality_statistics.c.municipality_code, municipality_statistics.c.figures)
        )
    }
    session.execute(delete(national_figures))
    rows = [
        {
            "indicator": f.indicator,
            "year": f.year,
            "value": f.value,
            "method": f.method,
            "municipalities": f.municipalities,
        }
        for f in compute_national(municipal)
    ]
    if rows:
        session.execute(insert(national_figures), rows)


HANDLERS: dict[str, Callable[[Session, Envelope], None]] = {
    institution.REGISTERED: apply_institution,
    institution.UPDATED: apply_institution,
    institution.CLOSED: apply_institution,
    statistics.PUBLISHED: apply_statistics,
    profile.UPDATED: apply_profile,
}
