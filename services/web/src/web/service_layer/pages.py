"""One use case per page: ask search, shape what the template shows.

Each returns a page model; a search that is away raises ``SearchUnavailable``
and the view answers with the polite page. Nothing here knows Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from web.domain import charts, maps
from web.domain.indicators import INDICATORS, better_of
from web.domain.open_places import OpenPlaces, open_places
from web.domain.opening_hours import ClosingDay, WeekdayHours, coming_closing_days, weekly_table
from web.domain.search_request import SearchRequest
from web.service_layer.gateway import Document, NotFound, SearchGateway, SearchRejected

BoundariesSource = Callable[[], maps.Boundaries]


# ------------------------------------------------------------------ search


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    results: Document | None = None
    rejected: SearchRejected | None = None
    area_map: maps.AreaMap | None = None
    # Per hit (by institution number): its open places as reported.
    open_places: Mapping[str, tuple[OpenPlaces, ...]] = field(default_factory=dict)

    @property
    def hits(self) -> list[Document]:
        return list(self.results["hits"]) if self.results else []


def search_page(
    gateway: SearchGateway, boundaries: BoundariesSource, request: SearchRequest, today: date
) -> SearchPage:
    if not request.has_place:
        return SearchPage(request)
    try:
        results = gateway.search(request.search_params())
    except SearchRejected as rejected:
        if not (request.cursor and "cursor" in rejected.errors):
            return SearchPage(request, rejected=rejected)
        # A page link from before a restart or an edited address: the first
        # page of the same search is what the parent wants.
        request = replace(request, cursor=None)
        results = gateway.search(request.search_params())
    point = results.get("point") or {}
    center = (point["lat"], point["lon"]) if "lat" in point else None
    points = [
        maps.MapPoint(
            key=hit["institution_number"],
            lat=hit["location"]["lat"],
            lon=hit["location"]["lon"],
            label=hit["name"],
            number=index,
        )
        for index, hit in enumerate(results["hits"], start=1)
        if hit.get("location")
    ]
    area = maps.area_map(center, points, boundaries(), radius_km=request.radius_km)
    places = {
        hit["institution_number"]: open_places(hit.get("open_places") or [], today)
        for hit in results["hits"]
    }
    return SearchPage(request, results=results, area_map=area, open_places=places)


# ------------------------------------------------------------- institution


@dataclass(frozen=True)
class FigureRow:
    indicator: str
    municipal: Mapping[str, Any] | None
    national: Mapping[str, Any] | None
    chart: charts.BarChart


@dataclass(frozen=True)
class InstitutionPage:
    institution: Document
    figures: tuple[FigureRow, ...]
    profile: Mapping[str, Any] | None
    hours: tuple[WeekdayHours, ...] | None
    closing_days: tuple[ClosingDay, ...] | None
    contact: Mapping[str, Any] | None
    meal_scheme: Mapping[str, Any] | None
    # None: not reported (older profiles lack the field).
    open_places: tuple[OpenPlaces, ...] | None
    # None: not reported; empty: no language besides Danish.
    languages: tuple[str, ...] | None
    accessibility: str | None
    tags: tuple[str, ...]
    # Set for a dagpleje only: the district's details.
    dagpleje: Mapping[str, Any] | None
    updated_at: datetime | None


def institution_page(gateway: SearchGateway, number: str, today: date) -> InstitutionPage:
    document = gateway.institution(number)
    return InstitutionPage(
        institution=document,
        figures=_figure_rows(document),
        **_voluntary(document.get("profile"), today),
    )


def _figure_rows(document: Mapping[str, Any]) -> tuple[FigureRow, ...]:
    rows = []
    for figure in document.get("figures") or []:
        municipal, national = figure.get("municipality"), figure.get("national")
        rows.append(
            FigureRow(
                indicator=figure["indicator"],
                municipal=municipal,
                national=national,
                chart=charts.bar_pair(
                    municipal["value"] if municipal else None,
                    national["value"] if national else None,
                ),
            )
        )
    return tuple(rows)


def _voluntary(profile: Mapping[str, Any] | None, today: date) -> dict[str, Any]:
    """The sections an institution reports itself; None where nothing is reported."""
    if not profile:
        return {
            "profile": None,
            "hours": None,
            "closing_days": None,
            "contact": None,
            "meal_scheme": None,
            "open_places": None,
            "languages": None,
            "accessibility": None,
            "tags": (),
            "dagpleje": None,
            "updated_at": None,
        }
    hours = profile.get("opening_hours") or []
    contact = profile.get("contact") or {}
    updated = profile.get("updated_at")
    return {
        "profile": profile,
        "hours": weekly_table(hours) if hours else None,
        "closing_days": coming_closing_days(profile.get("closing_days") or [], today),
        "contact": contact if any(contact.values()) else None,
        "meal_scheme": profile.get("meal_scheme"),
        "open_places": reported_open_places(profile, today),
        "languages": reported_languages(profile),
        "accessibility": _text(profile.get("accessibility")),
        "tags": tuple(tag for tag in profile.get("tags") or [] if isinstance(tag, str)),
        "dagpleje": profile.get("dagpleje") or None,
        "updated_at": _parse_time(updated) if isinstance(updated, str) else None,
    }


def reported_open_places(
    profile: Mapping[str, Any] | None, today: date
) -> tuple[OpenPlaces, ...] | None:
    """A profile's open places; None when it reports none (absent in older
    profiles, empty until an age group is reported)."""
    rows = (profile or {}).get("open_places") or []
    return open_places(rows, today) or None


def reported_languages(profile: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    """Languages spoken besides Danish; None when the profile does not say
    (older profiles), empty when it says Danish only."""
    languages = (profile or {}).get("languages")
    if not isinstance(languages, list):
        return None
    return tuple(code for code in languages if isinstance(code, str))


def _text(value: object) -> str | None:
    """A reported text; None when absent or blank."""
    return (value.strip() or None) if isinstance(value, str) else None


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


# ---------------------------------------------------------------- compare


@dataclass(frozen=True)
class ComparePage:
    comparison: Document
    institutions: list[Document]
    indicators: list[Document]
    same_municipality: bool
    # Per institution, in the same order; None where it has not reported it.
    hours: list[tuple[WeekdayHours, ...] | None]
    open_places: list[tuple[OpenPlaces, ...] | None]
    languages: list[tuple[str, ...] | None]


def compare_page(gateway: SearchGateway, numbers: Sequence[str], today: date) -> ComparePage:
    comparison = gateway.compare(numbers)
    institutions = list(comparison["institutions"])
    codes = {inst["municipality"]["code"] for inst in institutions}
    profiles = [inst.get("profile") or {} for inst in institutions]
    hours = [
        weekly_table(rows) if (rows := profile.get("opening_hours")) else None
        for profile in profiles
    ]
    return ComparePage(
        comparison=comparison,
        institutions=institutions,
        indicators=list(comparison["indicators"]),
        same_municipality=len(codes) == 1,
        hours=hours,
        open_places=[reported_open_places(profile, today) for profile in profiles],
        languages=[reported_languages(profile) for profile in profiles],
    )


# --------------------------------------------------------------- shortlist


@dataclass(frozen=True)
class ShortlistPage:
    numbers: tuple[str, ...]
    institutions: list[Document] = field(default_factory=list)
    # On the list but no longer in the register (closed or mistyped).
    missing: list[str] = field(default_factory=list)


def shortlist_page(gateway: SearchGateway, numbers: Sequence[str]) -> ShortlistPage:
    found: list[Document] = []
    missing: list[str] = []
    for number in numbers:
        try:
            found.append(gateway.institution(number))
        except NotFound:
            missing.append(number)
    return ShortlistPage(tuple(numbers), found, missing)


# ------------------------------------------------------------ municipality


@dataclass(frozen=True)
class IndicatorHistory:
    indicator: str
    better: str | None
    years: list[Document]
    latest: Document | None
    chart: charts.LineChart
    has_break: bool


@dataclass(frozen=True)
class MunicipalityPage:
    municipality: Document
    indicators: tuple[IndicatorHistory, ...]


def municipality_page(gateway: SearchGateway, code: int) -> MunicipalityPage:
    document = gateway.municipality(code)
    histories = []
    for item in document["indicators"]:
        years = sorted(item["years"], key=lambda y: y["year"])
        present = [y for y in years if y.get("value") is not None]
        chart = charts.line_chart(
            {
                "municipality": [(y["year"], y.get("value"), y.get("series")) for y in years],
                "national": [
                    (y["year"], (y.get("national") or {}).get("value"), y.get("series"))
                    for y in years
                ],
            }
        )
        histories.append(
            IndicatorHistory(
                indicator=item["indicator"],
                better=item.get("better"),
                years=years,
                latest=present[-1] if present else None,
                chart=chart,
                has_break=any(y.get("series_break") for y in years),
            )
        )
    return MunicipalityPage(document, tuple(histories))


# ---------------------------------------------------------- national view


@dataclass(frozen=True)
class MunicipalityRow:
    code: int
    name: str
    figure: Mapping[str, Any] | None

    @property
    def value(self) -> float | None:
        return self.figure["value"] if self.figure else None


@dataclass(frozen=True)
class NationalPage:
    indicator: str
    rows: list[MunicipalityRow]
    national_latest: Mapping[str, Any] | None
    choropleth: maps.Choropleth
    sort: str
    descending: bool


def national_page(
    gateway: SearchGateway,
    boundaries: BoundariesSource,
    indicator: str,
    sort: str,
    descending: bool,
    name_key: Callable[[str], Any],
) -> NationalPage:
    if indicator not in INDICATORS:
        raise ValueError(indicator)
    listing = gateway.municipalities()
    national = gateway.national()
    rows = [
        MunicipalityRow(m["code"], m["name"], (m.get("latest") or {}).get(indicator))
        for m in listing["municipalities"]
    ]
    if sort == "value":
        # Municipalities without a figure last, whichever the direction.
        present = sorted(
            (r for r in rows if r.value is not None),
            key=lambda r: (r.value, name_key(r.name)),
            reverse=descending,
        )
        rows = present + sorted(
            (r for r in rows if r.value is None), key=lambda r: name_key(r.name)
        )
    else:
        rows = sorted(rows, key=lambda r: name_key(r.name), reverse=descending)
    latest = None
    for item in national["indicators"]:
        if item["indicator"] == indicator:
            present_years = [y for y in item["years"] if y.get("value") is not None]
            latest = present_years[-1] if present_years else None
    drawn = maps.choropleth(
        boundaries(), {r.code: r.value for r in rows}, better=better_of(indicator)
    )
    # The boundary file also outlines Christiansø, which is no municipality and
    # has no page: only the municipalities search knows are drawn and linked.
    codes = {r.code for r in rows}
    choropleth = replace(drawn, areas=tuple(a for a in drawn.areas if a.code in codes))
    return NationalPage(indicator, rows, latest, choropleth, sort, descending)
