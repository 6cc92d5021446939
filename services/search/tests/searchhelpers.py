"""Events for the search service's tests, built from the shipped public data."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from dagkit.db import make_engine, make_session_factory, transaction
from dagkit.envelope import Envelope
from dagkit.testing.events import publish as publish  # the tests and the bench use it
from dagtilbud_contracts.examples import load_examples
from dagtilbud_contracts.registry import new_event
from dagtilbud_contracts.vocabulary import NORMERING_INDICATORS, normering_series_for_year
from search.adapters.orm import institutions, municipality_statistics, national_figures, profiles
from search.service_layer.handlers import apply_events

SERVICE_ROOT = Path(__file__).resolve().parents[1]
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
    events = []
    for row in rows:
        payload = {
            "institution_number": row["id"],
            "name": row["navn"],
            "kind": row["type"],
            "ownership": row["ejerform"],
            "municipality_code": int(row["kommunekode"]),
            "address": {
                "street": row["adresse"],
                "postcode": row["postnr"].zfill(4),
                "city": row["postdistrikt"],
            },
            "location": {"lat": float(row["lat"]), "lon": float(row["lon"])},
            "accepts_0_2": row["type"] in ("vuggestue", "aldersintegreret", "dagpleje"),
            "accepts_3_5": row["type"] in ("boernehave", "aldersintegreret"),
            "capacity": None,
            "status": "active",
            "register_source": "STIL Dagtilbudsregisteret",
            "dataset_version": "register:1",
            "opened_on": None,
            "closed_on": None,
            "contact": None,
        }
        events.append(
            new_event("dk.dagtilbud.institution.registered.v1", payload, aggregate_version=version)
        )
    return events


def apply_all(url: str, events: list[Envelope]) -> None:
    """Applies ``events`` to the read model at ``url`` in one batch."""
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        apply_events(session, events)
    engine.dispose()


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


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The read model's content, without the times rows were written."""
    out = {}
    with engine.connect() as conn:
        for table in (institutions, profiles, municipality_statistics, national_figures):
            columns = [c for c in table.c if c.name != "updated_at"]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(str(v) for v in row) for row in rows]
    return out


MEAL_VARIANTS = [
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


def generated_profile_events(numbers: list[str]) -> list[Envelope]:
    """Varied, valid profiles so every filter has something to find."""
    events = []
    for i, number in enumerate(numbers):
        opens, closes = HOURS[i % len(HOURS)]
        hours = [{"weekday": d, "opens": opens, "closes": closes} for d in range(5)]
        payload = {
            "institution_number": number,
            "description": None,
            "opening_hours": hours if i % 5 else hours[:4],  # some leave Friday out
            "closing_days": [],
            "contact": {"leader_name": None, "phone": None, "email": None, "website": None},
            "meal_scheme": MEAL_VARIANTS[i % len(MEAL_VARIANTS)],
            "tags": TAGS[i % len(TAGS)],
            "dagpleje": None,
            "updated_at": "2026-11-01T10:00:00Z",
            "updated_by": "86d08fad-3ede-4451-a9bc-c54cafa493be",
        }
        events.append(new_event("dk.dagtilbud.profile.updated.v1", payload, aggregate_version=1))
    return events
