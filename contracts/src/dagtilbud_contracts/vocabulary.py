"""Identifiers and closed vocabularies shared by every payload schema.

The values are the keys used on the wire and in the HTTP APIs, so they are
ASCII (``boernehave``, not ``børnehave``) and never translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

INSTITUTION_NUMBER_PATTERN: Final = r"^[A-Z0-9]{6}$"
# Canonical lowercase form only, so an id compares equal as a string everywhere
# (Kafka key, subject, database column).
UUID_PATTERN: Final = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
POSTCODE_PATTERN: Final = r"^[0-9]{4}$"
CLOCK_PATTERN: Final = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
PHONE_PATTERN: Final = r"^\+?[0-9][0-9 ]{6,18}[0-9]$"
TAG_PATTERN: Final = r"^[a-z0-9][a-z0-9_]{0,39}$"
MUNICIPALITY_SUBJECT_PREFIX: Final = "kommune:"

INSTITUTION_KINDS: Final = ("vuggestue", "boernehave", "aldersintegreret", "dagpleje")
OWNERSHIPS: Final = ("kommunal", "selvejende", "privat", "udliciteret")
INSTITUTION_STATUSES: Final = ("active", "closed")

INDICATORS: Final = (
    "normering_0_2",
    "normering_3_5",
    "normering_dagpleje",
    "andel_paedagogisk_uddannet_pct",
    "antal_boern",
    "andel_ikke_dansk_baggrund_pct",
)
NORMERING_INDICATORS: Final = ("normering_0_2", "normering_3_5", "normering_dagpleje")
PERCENT_INDICATORS: Final = ("andel_paedagogisk_uddannet_pct", "andel_ikke_dansk_baggrund_pct")
COUNT_INDICATORS: Final = ("antal_boern",)
# How normering is counted. The ministry changed the method in 2023 (its API's
# measures "Normering kommune til og med 2022" and "... fra 2023"): figures of
# two series are never averaged together, and a trend across them is a break.
NORMERING_SERIES: Final = ("opgoerelse_til_2022", "opgoerelse_fra_2023")
FIRST_YEAR_OF_NEW_NORMERING: Final = 2023


def series_of(figure: Mapping[str, Any]) -> str | None:
    """A published figure's series: its own, or for a normering from an event
    older than the field, the series of its year."""
    series = figure.get("series")
    if series is None and figure["indicator"] in NORMERING_INDICATORS:
        return normering_series_for_year(int(figure["year"]))
    return series if isinstance(series, str) else None


def normering_series_for_year(year: int) -> str:
    """The series a normering figure of ``year`` belongs to when its source
    does not say (the ministry's own split)."""
    return "opgoerelse_fra_2023" if year >= FIRST_YEAR_OF_NEW_NORMERING else "opgoerelse_til_2022"


MEAL_KINDS: Final = ("frokost", "frokost_og_mellemmaaltider", "fuld_forplejning")
DIETS: Final = (
    "vegetar",
    "halal",
    "svinekoedfri",
    "glutenfri",
    "laktosefri",
    "maelkefri",
    "noeddefri",
)
SUBSTITUTE_CARE_KINDS: Final = ("gaestehus", "gaestedagplejer", "fast_makker", "andet")
# Where the meals are cooked.
KITCHENS: Final = ("eget_koekken", "leverandoer")

# The pedagogical focus an institution may name (profiles accepts only these;
# the event field stays a free keyword, so older events remain valid).
FOCUS_TAGS: Final = (
    "natur_og_udeliv",
    "skovboernehave",
    "idraet_og_bevaegelse",
    "musik",
    "sprog",
    "kunst_og_kreativitet",
    "science",
    "madkultur",
    "dyr_og_natur",
    "drama_og_fortaelling",
    "baeredygtighed",
    "inklusion",
    "digital_dannelse",
    "udeskole",
)
# Languages spoken besides Danish, as ISO 639-1 codes (the languages most
# spoken in Danish homes beside Danish, and the neighbours').
LANGUAGES: Final = (
    "en",
    "de",
    "sv",
    "no",
    "fo",
    "kl",
    "is",
    "fr",
    "es",
    "it",
    "pl",
    "ro",
    "lt",
    "uk",
    "ru",
    "tr",
    "ar",
    "fa",
    "ur",
    "so",
    "ti",
    "ku",
    "bs",
    "sr",
    "vi",
    "th",
    "tl",
    "zh",
    "hi",
    "ta",
)

# Open places (ledige pladser), reported per age group.
AGE_GROUPS: Final = ("0-2", "3-5")
OPEN_PLACE_STATUSES: Final = ("yes", "no", "waiting_list")
MONTH_PATTERN: Final = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
# A report older than this many days is stale: shown as such, and no longer
# counted by the "has open places" filter.
OPEN_PLACES_FRESH_DAYS: Final = 30


# The portal's days (a report's day, closing days, "today") are Danish days.
PORTAL_TIME_ZONE: Final = ZoneInfo("Europe/Copenhagen")


def portal_day(moment: datetime) -> date:
    """The Danish day ``moment`` (timezone-aware) falls on."""
    return moment.astimezone(PORTAL_TIME_ZONE).date()


def open_places_fresh(reported_on: date, today: date) -> bool:
    """Whether an open-places report made on ``reported_on`` still counts on
    ``today`` (at most ``OPEN_PLACES_FRESH_DAYS`` old)."""
    return (today - reported_on).days <= OPEN_PLACES_FRESH_DAYS


ROLES: Final = ("institution", "municipality", "admin", "dst")
ACCOUNT_STATUSES: Final = ("active", "locked", "disabled")

# A generous box around Denmark incl. Bornholm and Skagen; outside it a
# coordinate is a swapped lat/lon or a projected (UTM) value, not a place.
LAT_MIN: Final = 54.5
LAT_MAX: Final = 57.8
LON_MIN: Final = 8.0
LON_MAX: Final = 15.2
