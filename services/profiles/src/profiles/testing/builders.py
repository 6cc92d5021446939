"""Institutions, register events and profile edits for the profiles tests
and the bench."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dagkit.envelope import Envelope
from dagtilbud_contracts import institution
from dagtilbud_contracts.registry import new_event
from profiles.domain.institutions import RegisteredInstitution


def registered(
    number: str = "G10433",
    *,
    municipality_code: int = 101,
    kind: str = "aldersintegreret",
    closed: bool = False,
    accepts_0_2: bool = True,
    accepts_3_5: bool = True,
    name: str | None = None,
) -> RegisteredInstitution:
    return RegisteredInstitution(
        number=number,
        name=name or f"Institution {number}",
        kind=kind,
        municipality_code=municipality_code,
        accepts_0_2=accepts_0_2,
        accepts_3_5=accepts_3_5,
        closed=closed,
    )


def register_event(
    number: str,
    *,
    version: int = 1,
    municipality_code: int = 101,
    kind: str = "aldersintegreret",
    closed: bool = False,
    accepts_0_2: bool = True,
    accepts_3_5: bool = True,
) -> Envelope:
    """The register's event for one unit, as ingest publishes it."""
    event_type = (
        institution.CLOSED
        if closed
        else institution.REGISTERED
        if version == 1
        else institution.UPDATED
    )
    return new_event(
        event_type,
        {
            "institution_number": number,
            "name": f"Institution {number}",
            "kind": kind,
            "ownership": "kommunal",
            "municipality_code": municipality_code,
            "address": {"street": "Vesterbrogade 1", "postcode": "1620", "city": "København V"},
            "location": {"lat": 55.6736, "lon": 12.5647},
            "accepts_0_2": accepts_0_2,
            "accepts_3_5": accepts_3_5,
            "capacity": 60,
            "status": "closed" if closed else "active",
            "register_source": "Dagtilbudsregisteret",
            "dataset_version": "test",
            "opened_on": "2001-08-01",
            "closed_on": "2026-11-30" if closed else None,
            "contact": None,
        },
        aggregate_version=version,
    )


def whole_profile(today: date) -> dict[str, Any]:
    """A whole, valid profile as an editor sends it (PUT)."""
    return {
        "description": "Enghusene er en aldersintegreret institution i Vanløse.",
        "tags": ["natur_og_udeliv", "musik"],
        "languages": ["en", "ar"],
        "accessibility": "Niveaufri adgang og handicaptoilet.",
        "contact": {
            "leader_name": "Mette Vestergaard",
            "phone": "+45 38 10 42 17",
            "email": "enghusene@kk.dk",
            "website": "https://enghusene-kk.aula.dk",
        },
        "opening_hours": [
            {"weekday": day, "opens": "06:30", "closes": "17:00" if day < 4 else "16:00"}
            for day in range(5)
        ],
        "closing_days": [
            {"date": (today + timedelta(days=30)).isoformat(), "reason": "Planlægningsdag"},
            {
                "date": (today + timedelta(days=200)).isoformat(),
                "until": (today + timedelta(days=211)).isoformat(),
                "reason": "Sommerlukning",
            },
        ],
        "meal_scheme": {
            "offered": True,
            "kind": "frokost",
            "diets": ["vegetar", "halal"],
            "price_per_month_dkk": 869,
            "organic_share_pct": 60,
            "kitchen": "eget_koekken",
        },
        "open_places": [
            {"age_group": "0-2", "status": "waiting_list", "from_month": None},
            {
                "age_group": "3-5",
                "status": "yes",
                "from_month": f"{today.year + 1}-08",
            },
        ],
    }


def dagpleje_report() -> dict[str, Any]:
    """A whole, valid dagpleje report as a municipality sends it (PUT)."""
    return {
        "dagpleje": {
            "childminder_count": 12,
            "children_per_childminder": 4,
            "substitute_care": "gaestehus",
            "substitute_care_note": "Gæstehuset tager børnene, når deres dagplejer er syg.",
            "playgroup_weekdays": [1, 3],
            "postcodes": ["2700", "2720"],
        },
        "opening_hours": [
            {"weekday": day, "opens": "06:45", "closes": "16:30"} for day in range(5)
        ],
    }
