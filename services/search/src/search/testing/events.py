"""Events for the search service's tests and the benches, built from the
shipped public data, and a way to apply them to a read model's database."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from dagkit.db import make_engine, make_session_factory, transaction
from dagkit.envelope import Envelope
from dagkit.migrations import upgrade
from dagkit.testing.events import publish as publish  # the tests and the bench use it
from dagtilbud_contracts import institution, profile, statistics
from dagtilbud_contracts.examples import load_examples
from dagtilbud_contracts.registry import new_event
from dagtilbud_contracts.vocabulary import (
    NORMERING_INDICATORS,
    normering_series_for_year,
    portal_day,
)
from search.adapters.repository import SqlReadModel
from search.service_layer.handlers import apply_events

# services/search: the package is installed editable, its tests sit beside src/.
SERVICE_ROOT = Path(__file__).resolve().parents[3]
DATA = SERVICE_ROOT.parents[1] / "data"
INDICATORS = (
    "normering_0_2",
    "normering_3_5",
    "normering_dagpleje",
    "andel_paedagogisk_uddannet_pct",
    "antal_boern",
)


def institution_events(limit: int | None = None, version: int = 1) -> list[Envelope]:
    with (DATA / "dagtilbud_enheder_dk.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:limit]
    return [
        institution_event(
            row["id"],
            version=version,
            name=row["navn"],
            kind=row["type"],
            ownership=row["ejerform"],
            municipality_code=int(row["kommunekode"]),
            address={
                "street": row["adresse"],
                "postcode": row["postnr"].zfill(4),
                "city": row["postdistrikt"],
            },
            location={"lat": float(row["lat"]), "lon": float(row["lon"])},
            accepts_0_2=row["type"] in ("vuggestue", "aldersintegreret", "dagpleje"),
            accepts_3_5=row["type"] in ("boernehave", "aldersintegreret"),
        )
        for row in rows
    ]


def apply_all(url: str, events: list[Envelope]) -> None:
    """Applies ``events`` to the read model at ``url`` in one batch."""
    engine = make_engine(url)
    try:
        apply_batch(engine, events)
    finally:
        engine.dispose()


def load_shipped_data(url: str) -> None:
    """A read model at ``url`` (migrated here) holding the whole shipped
    register, every municipality's statistics and generated profiles for
    every third unit, so each filter finds something: what the web pages'
    browser tests and bench run on."""
    upgrade(SERVICE_ROOT, url)
    register = institution_events()
    apply_all(
        url,
        [
            *register,
            *statistics_events(),
            *generated_profile_events([e.subject for e in register[::3]]),
        ],
    )


def apply_batch(engine: Engine, events: list[Envelope]) -> None:
    """Applies ``events`` to the read model on ``engine`` in one batch, as the
    consumer does."""
    with transaction(make_session_factory(engine)) as session:
        apply_events(SqlReadModel(session), events)


def statistics_events() -> list[Envelope]:
    figures: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    with (DATA / "dagtilbud_kommune_statistik_2017_2023.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            key = (int(row["kommunekode"]), row["kommune"])
            for indicator in INDICATORS:
                if row[indicator] != "":
                    year = int(row["aar"])
                    figures[key].append(
                        {
                            "indicator": indicator,
                            "year": year,
                            "value": float(row[indicator]),
                            "source": row["kilde"],
                            "series": normering_series_for_year(year)
                            if indicator in NORMERING_INDICATORS
                            else None,
                        }
                    )
    return [
        new_event(
            "dk.dagtilbud.statistics.published.v1",
            {
                "municipality_code": code,
                "municipality_name": name,
                "figures": figs,
                "dataset_version": "statistics:2",
            },
            aggregate_version=1,
        )
        for (code, name), figs in sorted(figures.items())
    ]


def profile_events() -> list[Envelope]:
    return [
        new_event(raw["type"], raw["data"], aggregate_version=raw["aggregateversion"])
        for _path, raw in load_examples("dk.dagtilbud.profile.updated.v1")
    ]


MEAL_VARIANTS: list[dict[str, Any] | None] = [
    None,
    {"offered": False, "kind": None, "diets": [], "price_per_month_dkk": None},
    {"offered": True, "kind": "frokost", "diets": ["vegetar"], "price_per_month_dkk": 850.0},
    {
        "offered": True,
        "kind": "fuld_forplejning",
        "diets": ["halal", "glutenfri"],
        "price_per_month_dkk": 1200.0,
    },
]
HOURS = [("06:30", "17:00"), ("07:00", "16:30"), ("06:00", "17:30"), ("07:30", "16:00")]
TAGS = [[], ["udeliv"], ["udeliv", "naturboernehave"], ["musik"]]
# Fields the profile event grew later: some profiles report them, some do not
# (an older event), so both kinds are found. Counts differ from the four
# variants above, so the combinations vary.
ORGANIC_SHARES: list[int | None] = [None, 30, 60, 90, 100]
LANGUAGE_VARIANTS: list[list[str] | None] = [None, [], ["en"], ["en", "ar"], ["de", "pl"], ["ar"]]
# (age group, status, days since the report): some fresh, some stale, some
# exactly at the boundary.
OPEN_PLACES_VARIANTS: list[list[tuple[str, str, int]] | None] = [
    None,
    [("0-2", "yes", 0), ("3-5", "no", 0)],
    [("3-5", "yes", 12)],
    [("0-2", "yes", 45), ("3-5", "waiting_list", 45)],
    [("0-2", "waiting_list", 3), ("3-5", "yes", 30)],
    [("0-2", "yes", 31)],
    [],
]


def open_places(
    reports: list[tuple[str, str, int]], today: date, from_month: str = "2027-01"
) -> list[dict[str, Any]]:
    """The event's open places: per (age group, status, days before
    ``today`` it was reported)."""
    return [
        {
            "age_group": group,
            "status": status,
            "from_month": None if status == "no" else from_month,
            "reported_on": (today - timedelta(days=age)).isoformat(),
        }
        for group, status, age in reports
    ]


def generated_profile_events(numbers: list[str], today: date | None = None) -> list[Envelope]:
    """Varied, valid profiles so every filter has something to find; open
    places are reported some days before ``today`` (the real one, in Danish
    time, by default)."""
    today = today or portal_day(datetime.now(UTC))
    events = []
    for i, number in enumerate(numbers):
        meal = MEAL_VARIANTS[i % len(MEAL_VARIANTS)]
        if meal is not None and meal["offered"]:
            meal = meal | {"organic_share_pct": ORGANIC_SHARES[i % len(ORGANIC_SHARES)]}
        later: dict[str, Any] = {}
        languages = LANGUAGE_VARIANTS[i % len(LANGUAGE_VARIANTS)]
        if languages is not None:
            later["languages"] = languages
        reports = OPEN_PLACES_VARIANTS[i % len(OPEN_PLACES_VARIANTS)]
        if reports is not None:
            later["open_places"] = open_places(reports, today)
        events.append(
            profile_event(
                number,
                hours=HOURS[i % len(HOURS)],
                weekdays=5 if i % 5 else 4,  # some leave Friday out
                meal_scheme=meal,
                tags=TAGS[i % len(TAGS)],
                **later,
            )
        )
    return events


# ------------------------------------------------- small events for unit tests
def institution_event(
    number: str,
    *,
    version: int = 1,
    event_type: str = institution.REGISTERED,
    **changes: Any,
) -> Envelope:
    """One daycare unit's register event: a kommunal børnehave in København
    (Østerbro) unless ``changes`` say otherwise (payload keys, e.g.
    ``location={"lat": ..., "lon": ...}`` or ``status="closed"``)."""
    payload: dict[str, Any] = {
        "institution_number": number,
        "name": f"Børnehuset {number}",
        "kind": "boernehave",
        "ownership": "kommunal",
        "municipality_code": 101,
        "address": {"street": "Strandboulevarden 1", "postcode": "2100", "city": "København Ø"},
        "location": {"lat": 55.7, "lon": 12.58},
        "accepts_0_2": False,
        "accepts_3_5": True,
        "capacity": None,
        "status": "active",
        "register_source": "STIL Dagtilbudsregisteret",
        "dataset_version": "register:1",
        "opened_on": None,
        "closed_on": None,
        "contact": None,
    }
    return new_event(event_type, payload | changes, aggregate_version=version)


def profile_event(
    number: str,
    *,
    version: int = 1,
    hours: tuple[str, str] | None = ("07:00", "17:00"),
    weekdays: int = 5,
    meal_scheme: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    **later: Any,
) -> Envelope:
    """An institution's profile: open ``hours`` (opens, closes) on the first
    ``weekdays`` weekdays (None: no opening hours reported), its meal scheme
    and tags; ``later``: fields the event grew later (``languages``,
    ``open_places``, ``accessibility``), absent unless given, as in an older
    event."""
    opening_hours = (
        []
        if hours is None
        else [{"weekday": d, "opens": hours[0], "closes": hours[1]} for d in range(weekdays)]
    )
    payload = {
        "institution_number": number,
        "description": None,
        "opening_hours": opening_hours,
        "closing_days": [],
        "contact": {"leader_name": None, "phone": None, "email": None, "website": None},
        "meal_scheme": meal_scheme,
        "tags": tags or [],
        "dagpleje": None,
        "updated_at": "2026-11-01T10:00:00Z",
        "updated_by": "86d08fad-3ede-4451-a9bc-c54cafa493be",
    }
    return new_event(profile.UPDATED, payload | later, aggregate_version=version)


def figure(
    indicator: str,
    year: int,
    value: float | None,
    *,
    source: str = "Danmarks Statistik",
    series: str | None = None,
) -> dict[str, Any]:
    """One municipal figure; a normering gets the series its year was counted
    in unless ``series`` names one."""
    if series is None and indicator in NORMERING_INDICATORS:
        series = normering_series_for_year(year)
    return {
        "indicator": indicator,
        "year": year,
        "value": value,
        "source": source,
        "series": series,
    }


def statistics_event(
    code: int, name: str, figures: list[dict[str, Any]], *, version: int = 1
) -> Envelope:
    """A municipality's statistics: every figure it has (``figure``)."""
    payload = {
        "municipality_code": code,
        "municipality_name": name,
        "figures": figures,
        "dataset_version": "statistics:test",
    }
    return new_event(statistics.PUBLISHED, payload, aggregate_version=version)
