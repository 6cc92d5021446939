"""Applying events to the read model, a batch at a time. Each event carries
its aggregate's full state, which overwrites what the read model knew."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from dagkit.consumer import ConsumerSpec, Handling
from dagkit.db import insert_rows
from dagkit.envelope import Envelope
from dagtilbud_contracts import institution, profile, statistics
from dagtilbud_contracts.consuming import payload_validator
from search.adapters.orm import (
    institutions,
    kit_tables,
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


def _newest_per_subject(events: Sequence[Envelope]) -> list[Envelope]:
    """The kit hands over events in offset order, so a later event of an
    aggregate carries its newer full state; only that one needs writing."""
    return list({event.subject: event for event in events}.values())


def institution_row(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    location = data.get("location") or {}
    return {
        "number": data["institution_number"],
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
        "updated_at": now,
    }


def profile_row(data: dict[str, Any], now: datetime) -> dict[str, Any]:
    opens_latest, closes_earliest = weekday_span(data.get("opening_hours") or [])
    meal = data.get("meal_scheme")
    return {
        "number": data["institution_number"],
        "profile": data,
        "opens_latest": opens_latest,
        "closes_earliest": closes_earliest,
        "meal_offered": None if meal is None else meal["offered"],
        "meal_kind": None if meal is None else meal["kind"],
        "diets": [] if meal is None else list(meal["diets"]),
        "tags": list(data.get("tags") or []),
        "updated_at": now,
    }


def statistics_row(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "municipality_code": data["municipality_code"],
        "name": data["municipality_name"],
        "figures": data["figures"],
        "dataset_version": data["dataset_version"],
    }


def apply_events(session: Session, events: Sequence[Envelope]) -> None:
    """Apply a batch: one upsert per table, the national figures recomputed
    once if any municipality changed, the generation bumped once. The kit has
    already dropped duplicates and stale versions, so replaying a topic
    changes nothing."""
    now = datetime.now(UTC)
    by_table: dict[str, list[Envelope]] = {"institutions": [], "profiles": [], "statistics": []}
    for event in events:
        by_table[_TABLE_OF[event.type]].append(event)
    insert_rows(
        session,
        institutions,
        [institution_row(e.data, now) for e in _newest_per_subject(by_table["institutions"])],
        upsert_on=["number"],
    )
    insert_rows(
        session,
        profiles,
        [profile_row(e.data, now) for e in _newest_per_subject(by_table["profiles"])],
        upsert_on=["number"],
    )
    statistics_rows = [statistics_row(e.data) for e in _newest_per_subject(by_table["statistics"])]
    insert_rows(session, municipality_statistics, statistics_rows, upsert_on=["municipality_code"])
    if statistics_rows:
        recompute_national(session)
    if events:
        bump_generation(session)


def recompute_national(session: Session) -> None:
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
            "series": f.series or "",
            "value": f.value,
            "method": f.method,
            "municipalities": f.municipalities,
        }
        for f in compute_national(municipal)
    ]
    if rows:
        session.execute(insert(national_figures), rows)


_TABLE_OF = {
    institution.REGISTERED: "institutions",
    institution.UPDATED: "institutions",
    institution.CLOSED: "institutions",
    statistics.PUBLISHED: "statistics",
    profile.UPDATED: "profiles",
}

# How the read model consumes: rebuild and the dead-letter redrive use the same.
CONSUMER = ConsumerSpec(
    group=CONSUMER_GROUP,
    topics=tuple(TOPICS),
    handling=Handling.batched(_TABLE_OF, apply_events),
    tables=kit_tables,
    validate=payload_validator(_TABLE_OF),
)
