"""What a search finds and how its answer is laid out: the filters, which
normering a hit shows, the sort orders, keyset pages, the hits and the facets.

Rows are the read model's institutions with their profile's filter columns
(``search_rows``) and, once placed, their ``distance_m`` from the search's
point; ``municipal`` maps a municipality code to its name and latest figures
(``municipal_latest``).

A search is made on a day (``SearchQuery.today``): whether a report of open
places still counts depends on it (``open_places_fresh``), so the day is part
of the search like any filter.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from dagtilbud_contracts.vocabulary import DIETS, MEAL_KINDS, open_places_fresh
from search.domain.cursors import CursorSigner
from search.domain.documents import institution_facts, latest_figures
from search.domain.geo import haversine_m
from search.domain.text import collation_key, matches

SORTS = ("distance", "name", "normering")
AGE_GROUPS = ("0-2", "3-5")
# The normering a hit shows when no age group is asked for: its kind's.
KIND_NORMERING = {
    "vuggestue": "normering_0_2",
    "boernehave": "normering_3_5",
    "aldersintegreret": "normering_3_5",
    "dagpleje": "normering_dagpleje",
}
AGE_GROUP_NORMERING = {"0-2": "normering_0_2", "3-5": "normering_3_5"}


@dataclass(frozen=True)
class SearchQuery:
    lat: float
    lon: float
    radius_km: float = 5.0
    age_group: str | None = None
    kinds: tuple[str, ...] = ()
    ownerships: tuple[str, ...] = ()
    municipality: int | None = None
    meal: str | None = None  # offered | none | a meal kind | a diet
    open_before: str | None = None
    open_after: str | None = None
    tags: tuple[str, ...] = ()
    name: str | None = None
    open_places: str | None = None  # an age group with open places reported fresh
    languages: tuple[str, ...] = ()  # every one spoken
    organic_min: int | None = None  # meals offered, at least this share organic (percent)
    sort: str = "distance"
    limit: int = 20
    cursor: str | None = field(default=None, compare=False)
    # The day the search is made on (Danish time): which reports of open places
    # are still fresh. Always given: no search guesses its day.
    today: date = field(kw_only=True)

    def fingerprint(self) -> str:
        """Everything that decides the result list, not the page; the day
        included, so a cursor of yesterday's search is not one of today's."""
        data = asdict(self)
        data.pop("cursor")
        data.pop("limit")
        data["today"] = self.today.isoformat()
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def municipal_latest(municipal: Mapping[int, Mapping[str, Any]]) -> dict[int, dict[str, Any]]:
    """Each municipality's name and latest figure per indicator, from its
    statistics row."""
    return {
        code: {"name": row["name"], "latest": latest_figures(row["figures"])}
        for code, row in municipal.items()
    }


def within_radius(
    rows: Iterable[dict[str, Any]], query: SearchQuery, radius_m: float
) -> list[dict[str, Any]]:
    """The rows within ``radius_m`` of the query's point, each given its
    haversine ``distance_m``; rows without coordinates are never found."""
    out = []
    for row in rows:
        if row["lat"] is None or row["lon"] is None:
            continue
        distance = haversine_m(query.lat, query.lon, row["lat"], row["lon"])
        if distance <= radius_m:
            row["distance_m"] = distance
            out.append(row)
    return out


def search_page(
    query: SearchQuery,
    rows: list[dict[str, Any]],
    municipal: Mapping[int, dict[str, Any]],
    cursors: CursorSigner,
) -> dict[str, Any]:
    """The answer to ``query`` from the rows within its radius: the page after
    its cursor, the total, the facets of everything that matched and the
    cursor of the next page. InvalidCursor for a cursor not signed for it."""
    matching = [row for row in rows if passes(row, query)]
    for row in matching:
        row["normering"] = normering(row, query, municipal)
    matching.sort(key=lambda row: sort_key(row, query.sort))
    last_shown = (
        None
        if query.cursor is None
        else cursors.decode(query.fingerprint(), query.sort, query.cursor)
    )
    page = after(matching, query.sort, last_shown)
    hits = page[: query.limit]
    next_cursor = (
        cursors.encode(query.fingerprint(), sort_key(hits[-1], query.sort))
        if len(page) > query.limit and hits
        else None
    )
    return {
        "total": len(matching),
        "sort": query.sort,
        "hits": [hit(row, municipal, query.today) for row in hits],
        "facets": facets(matching, query.today),
        "next_cursor": next_cursor,
    }


def passes(row: Mapping[str, Any], q: SearchQuery) -> bool:
    """Whether the row meets every filter of the query."""
    if q.age_group == "0-2" and not row["accepts_0_2"]:
        return False
    if q.age_group == "3-5" and not row["accepts_3_5"]:
        return False
    if q.kinds and row["kind"] not in q.kinds:
        return False
    if q.ownerships and row["ownership"] not in q.ownerships:
        return False
    if q.municipality is not None and row["municipality_code"] != q.municipality:
        return False
    if q.meal is not None and not meal_matches(row, q.meal):
        return False
    if q.open_before is not None and not (
        row["opens_latest"] is not None and row["opens_latest"] <= q.open_before
    ):
        return False
    if q.open_after is not None and not (
        row["closes_earliest"] is not None and row["closes_earliest"] >= q.open_after
    ):
        return False
    if q.tags and not set(q.tags) <= set(row["tags"] or []):
        return False
    if q.languages and not set(q.languages) <= set(row["languages"] or []):
        return False
    if q.organic_min is not None and not organic_at_least(row, q.organic_min):
        return False
    if q.open_places is not None and q.open_places not in open_age_groups(row, q.today):
        return False
    return q.name is None or matches(q.name, row["name"])


def organic_at_least(row: Mapping[str, Any], pct: int) -> bool:
    """Meals are offered and at least ``pct`` percent of the food is organic
    (a share not reported meets no minimum, not even 0)."""
    share = row["organic_share_pct"]
    return bool(row["meal_offered"]) and share is not None and share >= pct


def open_places_shown(row: Mapping[str, Any], today: date) -> list[dict[str, Any]]:
    """The open places the profile reports, each as reported and whether the
    report still counts on ``today`` (``fresh``); empty when none is reported.
    Only the documented keys: a field the event grows later is not shown
    until the API documents it."""
    return [
        {
            "age_group": place["age_group"],
            "status": place["status"],
            "from_month": place["from_month"],
            "reported_on": place["reported_on"],
            "fresh": open_places_fresh(date.fromisoformat(place["reported_on"]), today),
        }
        for place in row["open_places"] or []
    ]


def open_age_groups(row: Mapping[str, Any], today: date) -> set[str]:
    """The age groups reported with open places (status yes) in a report that
    is still fresh on ``today``."""
    return {
        place["age_group"]
        for place in row["open_places"] or []
        if place["status"] == "yes"
        and open_places_fresh(date.fromisoformat(place["reported_on"]), today)
    }


def meal_matches(row: Mapping[str, Any], meal: str) -> bool:
    """offered, none (reported as not offered; unreported is neither), a meal
    kind or a diet."""
    if meal == "offered":
        return bool(row["meal_offered"])
    if meal == "none":
        return row["meal_offered"] is False
    if meal in MEAL_KINDS:
        return bool(row["meal_kind"] == meal)
    if meal in DIETS:
        return meal in (row["diets"] or [])
    return False


def normering(
    row: Mapping[str, Any], q: SearchQuery, municipal: Mapping[int, dict[str, Any]]
) -> dict[str, Any] | None:
    """The municipality's latest normering for the age group asked for, or
    else for the institution's kind; None when the municipality has none."""
    indicator = AGE_GROUP_NORMERING.get(q.age_group or "", KIND_NORMERING[row["kind"]])
    figure = municipal.get(row["municipality_code"], {}).get("latest", {}).get(indicator)
    if figure is None:
        return None
    return {"indicator": indicator, "value": figure["value"], "year": figure["year"]}


def sort_key(row: Mapping[str, Any], sort: str) -> list[Any]:
    """The row's place in ``sort``'s order; the institution number breaks ties.
    A missing normering (or 0: no such offer) sorts last."""
    if sort == "name":
        return [collation_key(row["name"]), row["number"]]
    if sort == "normering":
        figure = row.get("normering")
        value = figure["value"] if figure and figure["value"] else math.inf
        return [value, row["distance_m"], row["number"]]
    return [row["distance_m"], row["number"]]


def after(rows: list[dict[str, Any]], sort: str, key: list[Any] | None) -> list[dict[str, Any]]:
    """The sorted rows after ``key``, the sort key of the last hit shown."""
    # Keyset paging: the next page starts after the last key shown, so rows
    # that arrive or leave meanwhile neither shift nor repeat the others.
    if key is None:
        return rows
    return [row for row in rows if sort_key(row, sort) > key]


def hit(
    row: Mapping[str, Any], municipal: Mapping[int, dict[str, Any]], today: date
) -> dict[str, Any]:
    """One search hit as the API shows it; whether each report of open places
    is fresh is told as of ``today``."""
    # Set key by key: the cheapest way to add to the facts, once per hit.
    out = institution_facts(row, municipal.get(row["municipality_code"], {}).get("name"))
    out["distance_m"] = round(row["distance_m"])
    out["normering"] = row.get("normering")
    out["meal_offered"] = row["meal_offered"]
    out["opens_latest"] = row["opens_latest"]
    out["closes_earliest"] = row["closes_earliest"]
    out["tags"] = row["tags"] or []
    out["languages"] = row["languages"] or []
    out["open_places"] = open_places_shown(row, today)
    return out


def facets(rows: list[dict[str, Any]], today: date) -> dict[str, dict[str, int]]:
    """Counts over every matching row (not only the page): per kind, ownership,
    municipality, age group, meal (offered, none, kinds and diets), the 30
    most common tags, open places per age group (fresh on ``today``) and
    languages spoken."""
    meal: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    open_places: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    for row in rows:
        if row["meal_offered"]:
            meal["offered"] += 1
            if row["meal_kind"]:
                meal[row["meal_kind"]] += 1
            meal.update(row["diets"] or [])
        elif row["meal_offered"] is False:
            meal["none"] += 1
        tags.update(row["tags"] or [])
        languages.update(row["languages"] or [])
        if row["open_places"]:
            open_places.update(open_age_groups(row, today))
    return {
        "kind": dict(Counter(row["kind"] for row in rows)),
        "ownership": dict(Counter(row["ownership"] for row in rows)),
        "municipality": {
            str(k): v for k, v in Counter(row["municipality_code"] for row in rows).items()
        },
        "age_group": {
            "0-2": sum(1 for row in rows if row["accepts_0_2"]),
            "3-5": sum(1 for row in rows if row["accepts_3_5"]),
        },
        "meal": dict(meal),
        "tag": dict(tags.most_common(30)),
        "open_places": {group: open_places[group] for group in AGE_GROUPS},
        "language": dict(languages),
    }
