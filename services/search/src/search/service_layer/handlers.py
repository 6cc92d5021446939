"""Applying events to the read model, a batch at a time. Each event carries
its aggregate's full state, which overwrites what the read model knew."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from dagkit.consumer import ConsumerSpec, Handling
from dagkit.envelope import Envelope
from dagtilbud_contracts import institution, profile, statistics
from dagtilbud_contracts.consuming import payload_validator
from dagtilbud_contracts.registry import topics_for
from search.adapters.orm import kit_tables
from search.adapters.repository import SqlReadModel
from search.domain.figures import national_figures as compute_national
from search.domain.opening_hours import weekday_span
from search.domain.text import fold
from search.service_layer.unit_of_work import ReadModel

# Which read-model table each event type writes.
_TABLE_OF = {
    institution.REGISTERED: "institutions",
    institution.UPDATED: "institutions",
    institution.CLOSED: "institutions",
    statistics.PUBLISHED: "statistics",
    profile.UPDATED: "profiles",
}
TOPICS = topics_for(_TABLE_OF)
CONSUMER_GROUP = "search.read-model"


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
    """The profile and the columns a search filters on. A field an older event
    lacks is "not reported": no languages, no organic share, no open places."""
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
        "languages": list(data.get("languages") or []),
        "organic_share_pct": None if meal is None else meal.get("organic_share_pct"),
        # As reported; whether a report is still fresh depends on the day a search is made.
        "open_places": [dict(place) for place in data.get("open_places") or []],
        "updated_at": now,
    }


def statistics_row(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "municipality_code": data["municipality_code"],
        "name": data["municipality_name"],
        "figures": data["figures"],
        "dataset_version": data["dataset_version"],
    }


def apply_events(read_model: ReadModel, events: Sequence[Envelope]) -> None:
    """Apply a batch: one upsert per table, the national figures recomputed
    once if any municipality changed, the generation bumped once (every
    applied event moves the read model on: caches keyed by the old generation
    are no longer read, and the geo index is rebuilt). The kit has already
    dropped duplicates and stale versions, so replaying a topic changes
    nothing."""
    now = datetime.now(UTC)
    by_table: dict[str, list[Envelope]] = {"institutions": [], "profiles": [], "statistics": []}
    for event in events:
        by_table[_TABLE_OF[event.type]].append(event)
    read_model.upsert_institutions(
        [institution_row(e.data, now) for e in _newest_per_subject(by_table["institutions"])]
    )
    read_model.upsert_profiles(
        [profile_row(e.data, now) for e in _newest_per_subject(by_table["profiles"])]
    )
    statistics_rows = [statistics_row(e.data) for e in _newest_per_subject(by_table["statistics"])]
    read_model.upsert_statistics(statistics_rows)
    if statistics_rows:
        update_national_figures(read_model)
    if events:
        read_model.bump_generation()


def update_national_figures(read_model: ReadModel) -> None:
    """Cheap enough to do whole: 98 municipalities, a few thousand figures."""
    read_model.replace_national(compute_national(read_model.figures_by_municipality()))


def recompute_national(session: Session) -> None:
    """The national figures again from the municipal figures on ``session``'s
    database; the migration that keyed them by series rebuilds them so."""
    update_national_figures(SqlReadModel(session))


# How the read model consumes: rebuild and the dead-letter redrive use the same.
CONSUMER = ConsumerSpec(
    group=CONSUMER_GROUP,
    topics=tuple(TOPICS),
    # The kit hands over its batch's session; the handler sees the read model.
    handling=Handling.batched(
        _TABLE_OF, lambda session, events: apply_events(SqlReadModel(session), events)
    ),
    tables=kit_tables,
    validate=payload_validator(_TABLE_OF),
)
