"""What a search keeps, in which order, page by page, and what it counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from search.domain.cursors import CursorSigner, InvalidCursor
from search.domain.search import (
    SearchQuery,
    after,
    facets,
    hit,
    meal_matches,
    normering,
    open_age_groups,
    open_places_shown,
    organic_at_least,
    passes,
    search_page,
    sort_key,
    within_radius,
)

HERE = {"lat": 55.7, "lon": 12.58}
TODAY = date(2026, 12, 3)
SIGNER = CursorSigner(b"s" * 32)
MUNICIPAL = {
    101: {
        "name": "København",
        "latest": {
            "normering_0_2": {"indicator": "normering_0_2", "value": 2.8, "year": 2023},
            "normering_3_5": {"indicator": "normering_3_5", "value": 5.9, "year": 2023},
            "normering_dagpleje": {"indicator": "normering_dagpleje", "value": 0.0, "year": 2023},
        },
    },
    147: {
        "name": "Frederiksberg",
        "latest": {
            "normering_0_2": {"indicator": "normering_0_2", "value": 2.6, "year": 2023},
            "normering_3_5": {"indicator": "normering_3_5", "value": 6.3, "year": 2023},
        },
    },
}


def row(number: str, **changes: Any) -> dict[str, Any]:
    """A search row (register facts and profile filter columns) with a distance."""
    base: dict[str, Any] = {
        "number": number,
        "name": f"Børnehuset {number}",
        "kind": "boernehave",
        "ownership": "kommunal",
        "municipality_code": 101,
        "lat": HERE["lat"],
        "lon": HERE["lon"],
        "accepts_0_2": False,
        "accepts_3_5": True,
        "register": {
            "address": {"street": "Vej 1", "postcode": "2100", "city": "København Ø"},
            "location": {"lat": HERE["lat"], "lon": HERE["lon"]},
        },
        "opens_latest": None,
        "closes_earliest": None,
        "meal_offered": None,
        "meal_kind": None,
        "diets": None,
        "tags": None,
        "languages": None,
        "organic_share_pct": None,
        "open_places": None,
        "distance_m": 100.0,
    }
    return base | changes


def query(**changes: Any) -> SearchQuery:
    return SearchQuery(**{**HERE, "today": TODAY, **changes})


def kept(rows: list[dict[str, Any]], **changes: Any) -> list[str]:
    return [r["number"] for r in rows if passes(r, query(**changes))]


def test_age_group() -> None:
    rows = [
        row("V00001", kind="vuggestue", accepts_0_2=True, accepts_3_5=False),
        row("B00002"),
        row("A00003", kind="aldersintegreret", accepts_0_2=True),
    ]
    assert kept(rows, age_group="0-2") == ["V00001", "A00003"]
    assert kept(rows, age_group="3-5") == ["B00002", "A00003"]
    assert kept(rows) == ["V00001", "B00002", "A00003"]


def test_kinds_ownerships_and_municipality() -> None:
    rows = [
        row("K00001"),
        row("P00002", ownership="privat", kind="vuggestue"),
        row("S00003", ownership="selvejende", municipality_code=147),
    ]
    assert kept(rows, kinds=("vuggestue", "dagpleje")) == ["P00002"]
    assert kept(rows, ownerships=("privat", "selvejende")) == ["P00002", "S00003"]
    assert kept(rows, municipality=147) == ["S00003"]
    assert kept(rows, kinds=("boernehave",), ownerships=("kommunal",)) == ["K00001"]


def test_meal() -> None:
    rows = [
        row("O00001", meal_offered=True, meal_kind="frokost", diets=["halal", "vegetar"]),
        row("N00002", meal_offered=False, diets=[]),
        row("U00003"),  # no profile reported: neither offered nor none
    ]
    assert kept(rows, meal="offered") == ["O00001"]
    assert kept(rows, meal="none") == ["N00002"]
    assert kept(rows, meal="frokost") == ["O00001"]
    assert kept(rows, meal="fuld_forplejning") == []
    assert kept(rows, meal="halal") == ["O00001"]
    assert kept(rows, meal="glutenfri") == []
    assert not meal_matches(rows[0], "something else")


def test_open_before_and_after_on_every_weekday() -> None:
    rows = [
        row("E00001", opens_latest="06:30", closes_earliest="17:00"),
        row("L00002", opens_latest="07:30", closes_earliest="16:00"),
        row("U00003"),  # no opening hours reported: found by neither
    ]
    assert kept(rows, open_before="07:00") == ["E00001"]
    assert kept(rows, open_before="07:30") == ["E00001", "L00002"]
    assert kept(rows, open_after="16:30") == ["E00001"]
    assert kept(rows, open_after="16:00") == ["E00001", "L00002"]


def test_every_tag_asked_for_must_match() -> None:
    rows = [
        row("T00001", tags=["udeliv", "musik"]),
        row("T00002", tags=["udeliv"]),
        row("T00003"),
    ]
    assert kept(rows, tags=("udeliv",)) == ["T00001", "T00002"]
    assert kept(rows, tags=("musik", "udeliv")) == ["T00001"]


def test_name_matching_folds_danish_letters() -> None:
    rows = [row("N00001", name="Børnehuset Solsikken"), row("N00002", name="Aabenraa Vuggestue")]
    assert kept(rows, name="boernehus") == ["N00001"]
    assert kept(rows, name="borne") == ["N00001"]
    assert kept(rows, name="solsikke BØRNE") == ["N00001"]
    assert kept(rows, name="Åbenrå") == ["N00002"]


def test_the_normering_shown_follows_the_age_group_or_else_the_kind() -> None:
    nursery = row("V00001", kind="vuggestue")
    integrated = row("A00002", kind="aldersintegreret", municipality_code=147)
    assert normering(nursery, query(), MUNICIPAL) == {
        "indicator": "normering_0_2",
        "value": 2.8,
        "year": 2023,
    }
    assert normering(integrated, query(), MUNICIPAL) == {
        "indicator": "normering_3_5",
        "value": 6.3,
        "year": 2023,
    }
    assert normering(integrated, query(age_group="0-2"), MUNICIPAL) == {
        "indicator": "normering_0_2",
        "value": 2.6,
        "year": 2023,
    }
    childminder = row("D00003", kind="dagpleje", municipality_code=147)
    assert normering(childminder, query(), MUNICIPAL) is None
    assert normering(row("X00004", municipality_code=999), query(), MUNICIPAL) is None


def test_sort_keys() -> None:
    first = row("Z00001", name="Ærtehaven", distance_m=300.0)
    second = row("Z00002", name="Aabenraa Vuggestue", distance_m=200.0)
    assert sort_key(first, "distance") == [300.0, "Z00001"]
    # Danish order: æ before å, and aa is å.
    assert sort_key(first, "name") < sort_key(second, "name")
    with_figure = first | {"normering": {"value": 2.8}}
    assert sort_key(with_figure, "normering") == [2.8, 300.0, "Z00001"]
    # No normering, or 0 (no such offer), sorts last.
    missing = sort_key(second | {"normering": None}, "normering")
    zero = sort_key(second | {"normering": {"value": 0.0}}, "normering")
    assert missing[0] == zero[0] == float("inf")
    assert sort_key(with_figure, "normering") < missing


def test_keyset_paging_starts_after_the_last_key_shown() -> None:
    rows = [row(f"P0000{i}", distance_m=float(i * 100)) for i in range(1, 6)]
    assert after(rows, "distance", None) == rows
    assert [r["number"] for r in after(rows, "distance", [300.0, "P00003"])] == [
        "P00004",
        "P00005",
    ]
    # Equal distances: the number decides, so nothing repeats or is skipped.
    ties = [row("Q00001", distance_m=50.0), row("Q00002", distance_m=50.0)]
    assert [r["number"] for r in after(ties, "distance", [50.0, "Q00001"])] == ["Q00002"]


def test_within_radius_measures_from_the_point() -> None:
    near = row("R00001", lat=55.701, lon=12.58)  # about 111 m north
    far = row("R00002", lat=55.72, lon=12.58)  # about 2.2 km
    nowhere = row("R00003", lat=None, lon=None)
    found = within_radius([near, far, nowhere], query(), 1000.0)
    assert [r["number"] for r in found] == ["R00001"]
    assert found[0]["distance_m"] == pytest.approx(111.2, abs=0.5)


def test_facets_count_every_match() -> None:
    rows = [
        row("F00001", meal_offered=True, meal_kind="frokost", diets=["halal"], tags=["udeliv"]),
        row("F00002", meal_offered=False, kind="vuggestue", accepts_0_2=True, accepts_3_5=False),
        row("F00003", ownership="privat", municipality_code=147, tags=["udeliv", "musik"]),
    ]
    assert facets(rows, TODAY) == {
        "kind": {"boernehave": 2, "vuggestue": 1},
        "ownership": {"kommunal": 2, "privat": 1},
        "municipality": {"101": 2, "147": 1},
        "age_group": {"0-2": 1, "3-5": 2},
        "meal": {"offered": 1, "frokost": 1, "halal": 1, "none": 1},
        "tag": {"udeliv": 2, "musik": 1},
        "open_places": {"0-2": 0, "3-5": 0},
        "language": {},
    }


def test_a_hit_as_the_api_shows_it() -> None:
    shown = hit(
        row("H00001", distance_m=123.6, tags=None, normering={"value": 5.9}),
        MUNICIPAL,
        TODAY,
    )
    assert shown["institution_number"] == "H00001"
    assert shown["municipality"] == {"code": 101, "name": "København"}
    assert shown["distance_m"] == 124
    assert shown["tags"] == []
    # Nothing reported (an older profile, or none): empty, not missing.
    assert (shown["languages"], shown["open_places"]) == ([], [])
    assert shown["normering"] == {"value": 5.9}
    assert shown["address"]["postcode"] == "2100"
    unknown = hit(row("H00002", municipality_code=999), MUNICIPAL, TODAY)
    assert unknown["municipality"] == {"code": 999, "name": None}


def test_pages_follow_each_other_without_gaps_or_repeats() -> None:
    rows = [row(f"G0000{i}", distance_m=float(10 * i)) for i in range(1, 8)]
    asked = query(limit=3)
    first = search_page(asked, [dict(r) for r in rows], MUNICIPAL, SIGNER)
    assert first["total"] == 7
    assert [h["institution_number"] for h in first["hits"]] == ["G00001", "G00002", "G00003"]
    assert first["facets"]["kind"] == {"boernehave": 7}
    seen = [h["institution_number"] for h in first["hits"]]
    cursor = first["next_cursor"]
    while cursor:
        page = search_page(
            query(limit=3, cursor=cursor), [dict(r) for r in rows], MUNICIPAL, SIGNER
        )
        seen += [h["institution_number"] for h in page["hits"]]
        cursor = page["next_cursor"]
    assert seen == [f"G0000{i}" for i in range(1, 8)]


def test_a_cursor_of_another_search_is_refused() -> None:
    rows = [row(f"C0000{i}", distance_m=float(i)) for i in range(1, 5)]
    cursor = search_page(query(limit=2), rows, MUNICIPAL, SIGNER)["next_cursor"]
    assert cursor
    with pytest.raises(InvalidCursor):
        search_page(query(limit=2, age_group="3-5", cursor=cursor), rows, MUNICIPAL, SIGNER)
    # The page size is not part of the search: a cursor still fits.
    page = search_page(query(limit=1, cursor=cursor), rows, MUNICIPAL, SIGNER)
    assert [h["institution_number"] for h in page["hits"]] == ["C00003"]


def test_the_fingerprint_leaves_out_the_page() -> None:
    assert query(limit=5, cursor="x").fingerprint() == query(limit=50).fingerprint()
    assert query().fingerprint() != query(radius_km=6).fingerprint()


# --------------------------------------------- fields the profile event grew later
def reported(group: str, status: str, days_ago: int, today: date = TODAY) -> dict[str, Any]:
    """One age group's open places as the event has them, reported ``days_ago``
    days before ``today``."""
    return {
        "age_group": group,
        "status": status,
        "from_month": None if status == "no" else "2027-01",
        "reported_on": (today - timedelta(days=days_ago)).isoformat(),
    }


def test_open_places_count_while_the_report_is_at_most_30_days_old() -> None:
    rows = [
        row("D00030", open_places=[reported("0-2", "yes", 30)]),
        row("D00031", open_places=[reported("0-2", "yes", 31)]),
        row("D00000", open_places=[reported("0-2", "yes", 0)]),
    ]
    assert kept(rows, open_places="0-2") == ["D00030", "D00000"]
    # The same rows a day later: the 30-day-old report has gone stale.
    assert kept(rows, open_places="0-2", today=TODAY + timedelta(days=1)) == ["D00000"]
    # A report dated after search's day (a clock elsewhere ahead) counts too.
    assert kept(rows, open_places="0-2", today=TODAY - timedelta(days=40)) == [
        "D00030",
        "D00031",
        "D00000",
    ]


def test_open_places_need_status_yes_for_the_age_group_asked_for() -> None:
    rows = [
        row("Y00001", open_places=[reported("0-2", "yes", 1), reported("3-5", "no", 1)]),
        row("W00002", open_places=[reported("0-2", "waiting_list", 1)]),
        row("T00003", open_places=[reported("3-5", "yes", 2)]),
        row("E00004", open_places=[]),  # reported as nothing yet
        row("U00005"),  # no profile, or one older than the field
    ]
    assert kept(rows, open_places="0-2") == ["Y00001"]
    assert kept(rows, open_places="3-5") == ["T00003"]
    assert kept(rows) == ["Y00001", "W00002", "T00003", "E00004", "U00005"]
    assert open_age_groups(rows[0], TODAY) == {"0-2"}
    assert open_age_groups(rows[4], TODAY) == set()


def test_every_language_asked_for_must_be_spoken() -> None:
    rows = [
        row("L00001", languages=["en", "ar"]),
        row("L00002", languages=["en"]),
        row("L00003", languages=[]),
        row("L00004"),  # not reported
    ]
    assert kept(rows, languages=("en",)) == ["L00001", "L00002"]
    assert kept(rows, languages=("ar", "en")) == ["L00001"]
    assert kept(rows, languages=("de",)) == []
    assert kept(rows) == ["L00001", "L00002", "L00003", "L00004"]


def test_organic_min_needs_meals_offered_and_a_share_at_least_that() -> None:
    rows = [
        row("M00060", meal_offered=True, organic_share_pct=60),
        row("M00000", meal_offered=True, organic_share_pct=0),
        row("M0000N", meal_offered=True, organic_share_pct=None),  # share not reported
        row("N00000", meal_offered=False),
        row("U00000"),  # no meal scheme reported
    ]
    assert kept(rows, organic_min=60) == ["M00060"]
    assert kept(rows, organic_min=61) == []
    # 0 asks for a reported share: meals without one meet no minimum.
    assert kept(rows, organic_min=0) == ["M00060", "M00000"]
    assert not organic_at_least(rows[3] | {"organic_share_pct": 100}, 50)


def test_the_new_filters_combine_with_each_other_and_the_old_ones() -> None:
    rows = [
        row(
            "C00001",
            kind="aldersintegreret",
            accepts_0_2=True,
            languages=["en", "pl"],
            meal_offered=True,
            organic_share_pct=90,
            open_places=[reported("0-2", "yes", 5)],
        ),
        row(
            "C00002",
            kind="aldersintegreret",
            accepts_0_2=True,
            languages=["en"],
            meal_offered=True,
            organic_share_pct=90,
            open_places=[reported("0-2", "yes", 5)],
        ),
        row("C00003", languages=["en", "pl"], meal_offered=True, organic_share_pct=90),
    ]
    both = {"open_places": "0-2", "languages": ("en", "pl"), "organic_min": 75}
    assert kept(rows, **both) == ["C00001"]
    assert kept(rows, **both, age_group="0-2", kinds=("aldersintegreret",)) == ["C00001"]
    assert kept(rows, **both, ownerships=("privat",)) == []


def test_facets_count_fresh_open_places_and_languages() -> None:
    rows = [
        row("F00001", languages=["en", "ar"], open_places=[reported("0-2", "yes", 30)]),
        row(
            "F00002",
            languages=["en"],
            open_places=[reported("0-2", "yes", 31), reported("3-5", "yes", 2)],
        ),
        row("F00003", open_places=[reported("3-5", "waiting_list", 2)]),
        row("F00004"),
    ]
    counted = facets(rows, TODAY)
    # The 31-day-old report is not counted; waiting lists are not open places.
    assert counted["open_places"] == {"0-2": 1, "3-5": 1}
    assert counted["language"] == {"en": 2, "ar": 1}
    later = facets(rows, TODAY + timedelta(days=1))
    assert later["open_places"] == {"0-2": 0, "3-5": 1}
    assert facets([], TODAY)["open_places"] == {"0-2": 0, "3-5": 0}


def test_a_hit_shows_the_reports_with_whether_each_is_fresh_today() -> None:
    places = [reported("0-2", "yes", 30), reported("3-5", "waiting_list", 31)]
    shown = hit(row("H00003", languages=["de"], open_places=places), MUNICIPAL, TODAY)
    assert shown["languages"] == ["de"]
    assert shown["open_places"] == [
        places[0] | {"fresh": True},
        places[1] | {"fresh": False},
    ]
    assert shown["open_places"][0]["reported_on"] == "2026-11-03"
    assert open_places_shown(row("H00004"), TODAY) == []


def test_the_day_is_part_of_the_search() -> None:
    assert query().fingerprint() != query(today=TODAY + timedelta(days=1)).fingerprint()
    assert query().fingerprint() != query(open_places="0-2").fingerprint()
    assert query().fingerprint() != query(languages=("en",)).fingerprint()
    assert query().fingerprint() != query(organic_min=50).fingerprint()
    with pytest.raises(TypeError):
        SearchQuery(**HERE)  # type: ignore[call-arg]  # no search without its day


def test_a_cursor_of_yesterday_is_not_one_of_today() -> None:
    rows = [
        row(f"Z0000{i}", distance_m=float(i), open_places=[reported("0-2", "yes", 30)])
        for i in range(1, 5)
    ]
    yesterday = query(limit=2, open_places="0-2")
    cursor = search_page(yesterday, [dict(r) for r in rows], MUNICIPAL, SIGNER)["next_cursor"]
    assert cursor
    today = query(limit=2, open_places="0-2", today=TODAY + timedelta(days=1), cursor=cursor)
    with pytest.raises(InvalidCursor):
        search_page(today, [dict(r) for r in rows], MUNICIPAL, SIGNER)
    # On the day it was given out, it pages on.
    page = search_page(
        query(limit=2, open_places="0-2", cursor=cursor), [dict(r) for r in rows], MUNICIPAL, SIGNER
    )
    assert [h["institution_number"] for h in page["hits"]] == ["Z00003", "Z00004"]


def test_a_hit_shows_only_the_documented_keys_of_a_report() -> None:
    place = reported("3-5", "yes", 1) | {"a_field_added_later": 1}
    [shown] = hit(row("H00005", open_places=[place]), MUNICIPAL, TODAY)["open_places"]
    assert set(shown) == {"age_group", "status", "from_month", "reported_on", "fresh"}
