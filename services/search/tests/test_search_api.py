"""GET /v1/search and /v1/institutions on the full national data."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from dagkit.envelope import Envelope
from dagkit.testing.clock import MovableClock
from dagtilbud_contracts import institution
from dagtilbud_contracts.registry import new_event
from dagtilbud_contracts.vocabulary import OPEN_PLACES_FRESH_DAYS, portal_day
from search.bootstrap import context
from search.domain.search import SearchQuery
from search.testing.events import apply_all, institution_events, open_places, profile_event


@pytest.fixture
def app(national_url: str, redis_client: Any, make_search_app: Callable[..., Flask]) -> Flask:
    return make_search_app(national_url)


def independent_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance from the chord between unit vectors (not haversine)."""

    def vector(lat: float, lon: float) -> tuple[float, float, float]:
        la, lo = math.radians(lat), math.radians(lon)
        return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))

    a, b = vector(lat1, lon1), vector(lat2, lon2)
    chord = math.dist(a, b)
    return 2 * 6_371_008.8 * math.asin(chord / 2)


def all_pages(client: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get("/v1/search", query_string=query).get_json()
        hits.extend(body["hits"])
        cursor = body["next_cursor"]
        if cursor is None:
            return hits


def newcomer(number: str, name: str, location: dict[str, float], **changes: Any) -> Envelope:
    """A newly registered institution at ``location``, otherwise like the first
    of the national data."""
    [template] = institution_events(limit=1)
    payload = template.data | {"institution_number": number, "name": name, "location": location}
    return new_event(institution.REGISTERED, payload | changes, aggregate_version=1)


AARHUS = {"lat": 56.1572, "lon": 10.2107}


def test_distances_match_an_independent_formula_and_are_sorted(app: Flask) -> None:
    body = (
        app.test_client()
        .get("/v1/search", query_string={**AARHUS, "radius_km": 3, "limit": 100})
        .get_json()
    )
    assert body["total"] > 20
    distances = [hit["distance_m"] for hit in body["hits"]]
    assert distances == sorted(distances)
    for hit in body["hits"]:
        expected = independent_distance_m(
            AARHUS["lat"], AARHUS["lon"], hit["location"]["lat"], hit["location"]["lon"]
        )
        assert abs(hit["distance_m"] - expected) <= 1.0
        assert hit["distance_m"] <= 3000


def test_a_postcode_is_geocoded_and_an_unknown_one_gets_suggestions(app: Flask) -> None:
    client = app.test_client()
    body = client.get("/v1/search", query_string={"q": "Vestergade 12, 8000 Aarhus C"}).get_json()
    assert body["point"]["geocoded"]["postcode"] == "8000"
    assert body["total"] > 0
    bad = client.get("/v1/search", query_string={"q": "0001"})
    assert bad.status_code == 422
    assert bad.get_json()["suggestions"]


def open_now(hit: dict[str, Any], age_group: str) -> bool:
    """Whether the hit reports open places for ``age_group`` in a report at
    most 30 days old today, counted here by hand."""
    today = portal_day(datetime.now(UTC))
    return any(
        place["age_group"] == age_group
        and place["status"] == "yes"
        and (today - date.fromisoformat(place["reported_on"])).days <= OPEN_PLACES_FRESH_DAYS
        for place in hit["open_places"]
    )


def organic_share(detail: Callable[[], dict[str, Any]]) -> int | None:
    meal = (detail()["profile"] or {}).get("meal_scheme") or {}
    share: int | None = meal.get("organic_share_pct") if meal.get("offered") else None
    return share


FILTERS: list[tuple[dict[str, Any], Callable[..., Any]]] = [
    ({"age_group": "0-2"}, lambda h, d: h["accepts_0_2"]),
    ({"age_group": "3-5"}, lambda h, d: h["accepts_3_5"]),
    ({"kind": "vuggestue,dagpleje"}, lambda h, d: h["kind"] in ("vuggestue", "dagpleje")),
    ({"ownership": "privat"}, lambda h, d: h["ownership"] == "privat"),
    ({"municipality": 751}, lambda h, d: h["municipality"]["code"] == 751),
    ({"meal": "offered"}, lambda h, d: h["meal_offered"] is True),
    ({"meal": "none"}, lambda h, d: h["meal_offered"] is False),
    (
        {"meal": "halal"},
        lambda h, d: "halal" in ((d()["profile"] or {}).get("meal_scheme") or {}).get("diets", []),
    ),
    (
        {"open_before": "06:45"},
        lambda h, d: h["opens_latest"] is not None and h["opens_latest"] <= "06:45",
    ),
    (
        {"open_after": "17:00"},
        lambda h, d: h["closes_earliest"] is not None and h["closes_earliest"] >= "17:00",
    ),
    ({"tag": "udeliv"}, lambda h, d: "udeliv" in h["tags"]),
    (
        {"name": "boernehus"},
        lambda h, d: "ørnehus" in h["name"].lower() or "oernehus" in h["name"].lower(),
    ),
    ({"open_places": "0-2"}, lambda h, d: open_now(h, "0-2")),
    ({"open_places": "3-5"}, lambda h, d: open_now(h, "3-5")),
    ({"language": "en"}, lambda h, d: "en" in h["languages"]),
    ({"language": ["ar", "en"]}, lambda h, d: {"ar", "en"} <= set(h["languages"])),
    ({"organic_min": 60}, lambda h, d: (organic_share(d) or -1) >= 60),
]


@pytest.mark.parametrize(("params", "holds"), FILTERS, ids=[str(f[0]) for f in FILTERS])
def test_each_filter_keeps_exactly_what_it_says(
    app: Flask, params: dict[str, Any], holds: Any
) -> None:
    client = app.test_client()
    base = {**AARHUS, "radius_km": 15, "limit": 100}
    everything = {h["institution_number"]: h for h in all_pages(client, base)}
    kept = all_pages(client, {**base, **params})
    kept_ids = {h["institution_number"] for h in kept}
    assert kept, f"nothing for {params}"
    for number, hit in everything.items():

        def detail(n: str = number) -> Any:
            return client.get(f"/v1/institutions/{n}").get_json()

        assert bool(holds(hit, detail)) == (number in kept_ids), (number, params)


def test_filters_combine_and_facets_count_the_result(app: Flask) -> None:
    client = app.test_client()
    params = {
        **AARHUS,
        "radius_km": 20,
        "age_group": "3-5",
        "ownership": "kommunal",
        "meal": "offered",
        "limit": 100,
    }
    hits = all_pages(client, params)
    assert hits
    assert all(
        h["accepts_3_5"] and h["ownership"] == "kommunal" and h["meal_offered"] for h in hits
    )
    facets = client.get("/v1/search", query_string=params).get_json()["facets"]
    assert sum(facets["kind"].values()) == len(hits)
    assert facets["ownership"] == {"kommunal": len(hits)}
    assert facets["meal"]["offered"] == len(hits)


def test_danish_name_folding(app: Flask) -> None:
    client = app.test_client()
    copenhagen = {"lat": 55.6761, "lon": 12.5683, "radius_km": 50, "limit": 100}
    with_letters = all_pages(client, {**copenhagen, "name": "børnehus"})
    spelled_out = all_pages(client, {**copenhagen, "name": "BOERNEHUS"})
    assert with_letters
    assert [h["institution_number"] for h in with_letters] == [
        h["institution_number"] for h in spelled_out
    ]


def test_sorting_by_name_and_normering(app: Flask) -> None:
    client = app.test_client()
    base = {**AARHUS, "radius_km": 30, "limit": 100}
    by_name = all_pages(client, {**base, "sort": "name"})
    from search.domain.text import collation_key

    keys = [(collation_key(h["name"]), h["institution_number"]) for h in by_name]
    assert keys == sorted(keys)
    by_normering = all_pages(client, {**base, "sort": "normering", "age_group": "3-5"})
    values = [h["normering"]["value"] for h in by_normering if h["normering"]]
    assert values == sorted(values)


def test_cursor_pages_neither_skip_nor_repeat_while_events_arrive(
    app: Flask, national_url: str
) -> None:
    client = app.test_client()
    params = {**AARHUS, "radius_km": 10, "limit": 25}
    first = client.get("/v1/search", query_string=params).get_json()
    before = {h["institution_number"] for h in all_pages(client, {**params, "limit": 100})}
    seen = [h["institution_number"] for h in first["hits"]]
    cursor = first["next_cursor"]
    # Events arrive between pages: a new institution right at the centre (it sorts
    # before the cursor) and a renamed one further out.
    apply_all(national_url, [newcomer("ZZ9001", "Nyt Børnehus", AARHUS, municipality_code=751)])
    while cursor:
        body = client.get("/v1/search", query_string={**params, "cursor": cursor}).get_json()
        seen.extend(h["institution_number"] for h in body["hits"])
        cursor = body["next_cursor"]
    assert len(seen) == len(set(seen)), "a page repeated an institution"
    assert before <= set(seen), "a page skipped an institution"


def test_redis_and_database_paths_give_identical_results_on_national_data(app: Flask) -> None:
    searcher = context(app).searcher
    rng = random.Random(7)
    for _ in range(40):
        query = SearchQuery(
            lat=rng.uniform(54.8, 57.6),
            lon=rng.uniform(8.2, 12.6),
            radius_km=rng.choice([2, 5, 15, 50]),
            limit=100,
            sort=rng.choice(["distance", "name", "normering"]),
            age_group=rng.choice([None, "0-2", "3-5"]),
            open_places=rng.choice([None, "0-2", "3-5"]),
            today=context(app).today(),
        )
        via_redis = searcher.search(query)
        via_database = searcher.search(query, use_redis=False)
        assert via_redis.geo_source == "redis"
        assert via_database.geo_source == "database"
        assert via_redis.body == via_database.body


def test_without_redis_the_database_answers_and_says_so(
    national_url: str, app: Flask, make_search_app: Callable[..., Flask]
) -> None:
    down = make_search_app(national_url, redis="redis://127.0.0.1:1/0")
    params = {**AARHUS, "radius_km": 5}
    response = down.test_client().get("/v1/search", query_string=params)
    assert response.status_code == 200
    assert response.headers["X-Geo-Source"] == "database"
    healthy = app.test_client().get("/v1/search", query_string=params)
    assert healthy.headers["X-Geo-Source"] == "redis"
    assert response.get_json()["hits"] == healthy.get_json()["hits"]


def test_institution_detail_has_municipal_and_national_figures(app: Flask) -> None:
    client = app.test_client()
    body = client.get("/v1/search", query_string={**AARHUS, "radius_km": 1}).get_json()
    number = body["hits"][0]["institution_number"]
    detail = client.get(f"/v1/institutions/{number}").get_json()
    figures = {f["indicator"]: f for f in detail["figures"]}
    normering = figures["normering_3_5"]
    assert normering["municipality"]["year"] == 2023
    assert normering["municipality"]["source"]
    assert normering["national"]["year"] == 2023
    assert normering["national"]["method"] in (
        "weighted_by_children",
        "unweighted_mean_of_municipalities",
    )
    assert figures["andel_ikke_dansk_baggrund_pct"]["municipality"] is None
    assert client.get("/v1/institutions/XX0000").status_code == 404


def test_a_cached_answer_is_never_older_than_a_second_after_an_event(
    app: Flask, national_url: str
) -> None:
    import time

    client = app.test_client()
    params = {"lat": 55.4038, "lon": 10.4024, "radius_km": 2, "limit": 100}  # Odense
    first = client.get("/v1/search", query_string=params)
    again = client.get("/v1/search", query_string=params)
    assert again.headers["X-Cache"] == "hit"
    assert again.get_json() == first.get_json()
    odense = {"lat": params["lat"], "lon": params["lon"]}
    apply_all(
        national_url, [newcomer("ZZ9002", "Odense Nye Børnehus", odense, municipality_code=461)]
    )
    applied = time.monotonic()
    while True:
        body = client.get("/v1/search", query_string=params).get_json()
        if any(h["institution_number"] == "ZZ9002" for h in body["hits"]):
            break
        assert time.monotonic() - applied < 1.0, "a cached answer outlived the event by 1 s"
        time.sleep(0.02)


def test_every_pair_of_filters_gives_the_intersection_of_each_alone(app: Flask) -> None:
    import itertools

    client = app.test_client()
    base = {**AARHUS, "radius_km": 15, "limit": 100}
    alone = {
        str(params): {h["institution_number"] for h in all_pages(client, {**base, **params})}
        for params, _holds in FILTERS
    }
    for (first, _a), (second, _b) in itertools.combinations(FILTERS, 2):
        if set(first) & set(second):
            continue  # the same parameter twice is not a combination
        both = {h["institution_number"] for h in all_pages(client, {**base, **first, **second})}
        assert both == alone[str(first)] & alone[str(second)], (first, second)


def test_the_redis_path_recovers_by_itself_when_redis_returns(app: Flask, redis_url: str) -> None:
    import time

    import redis as redis_lib

    searcher = context(app).searcher
    query = SearchQuery(
        lat=AARHUS["lat"], lon=AARHUS["lon"], radius_km=4, today=context(app).today()
    )
    assert searcher.search(query).geo_source == "redis"
    admin = redis_lib.Redis.from_url(redis_url)
    admin.client_pause(1500, all=True)  # Redis stops answering
    try:
        assert searcher.search(query).geo_source == "database"
    finally:
        time.sleep(1.6)
        admin.close()
    deadline = time.monotonic() + 5
    while searcher.search(query).geo_source != "redis":
        assert time.monotonic() < deadline, "the Redis path did not come back"
        time.sleep(0.2)


KATTEGAT = {"lat": 56.5, "lon": 11.8}  # open sea: nothing else within a few km
# Numbered so that neither number order nor the folded spelling (å as aa,
# æ as ae) gives the Danish order.
DANISH_ORDER = [
    ("ZZ8006", "Abildgården"),
    ("ZZ8007", "Ebbes Hus"),
    ("ZZ8008", "Éclair Børnehave"),
    ("ZZ8004", "Zebra"),
    ("ZZ8003", "Ærtehaven"),
    ("ZZ8005", "Østerled"),
    ("ZZ8002", "Aabenraa Vuggestue"),  # aa is å
    ("ZZ8001", "Åbo Børnehus"),
]


def test_sorting_by_name_follows_the_danish_alphabet(app: Flask, national_url: str) -> None:
    events = [
        newcomer(number, name, {"lat": KATTEGAT["lat"], "lon": KATTEGAT["lon"] + i * 0.001})
        for i, (number, name) in enumerate(reversed(DANISH_ORDER))
    ]
    apply_all(national_url, events)
    client = app.test_client()
    params = {**KATTEGAT, "radius_km": 2, "sort": "name", "limit": 3}
    shown = [(h["institution_number"], h["name"]) for h in all_pages(client, params)]
    assert shown == DANISH_ORDER


def test_a_name_typed_without_danish_letters_is_found(app: Flask) -> None:
    client = app.test_client()
    copenhagen = {"lat": 55.6761, "lon": 12.5683, "radius_km": 50, "limit": 100}
    # "borne": ø typed as o, as the folding docstring promises.
    typed = all_pages(client, {**copenhagen, "name": "borne"})
    names = [h["name"] for h in typed]
    assert any(name.startswith("Børnehuset") for name in names)
    assert all("borne" in name.lower().replace("ø", "o").replace("oe", "o") for name in names)
    spelled = {h["institution_number"] for h in all_pages(client, {**copenhagen, "name": "børne"})}
    assert spelled <= {h["institution_number"] for h in typed}


def test_institution_numbers_are_read_in_any_case(app: Flask) -> None:
    client = app.test_client()
    number = institution_events(limit=1)[0].data["institution_number"]
    upper = client.get(f"/v1/institutions/{number}")
    lower = client.get(f"/v1/institutions/{number.lower()}")
    assert upper.status_code == lower.status_code == 200
    assert lower.get_json() == upper.get_json()
    assert lower.get_json()["institution_number"] == number


NORTH_KATTEGAT = {"lat": 56.3, "lon": 11.9}  # open sea, far from KATTEGAT's newcomers


def test_open_places_go_stale_as_the_days_pass_without_a_new_event(
    national_url: str, redis_client: Any, make_search_app: Callable[..., Flask]
) -> None:
    clock = MovableClock()
    app = make_search_app(national_url, clock=clock)
    reported = context(app).today()
    places = open_places([("0-2", "yes", 0), ("3-5", "waiting_list", 0)], reported)
    events: list[Envelope] = []
    for i, number in enumerate(("ZZ7001", "ZZ7002")):
        spot = {"lat": NORTH_KATTEGAT["lat"], "lon": NORTH_KATTEGAT["lon"] + i * 0.001}
        events.append(
            newcomer(
                number,
                f"Ledige Pladser {i}",
                spot,
                kind="aldersintegreret",
                accepts_0_2=True,
                accepts_3_5=True,
            )
        )
        events.append(profile_event(number, languages=["uk"], open_places=places))
    apply_all(national_url, events)
    client = app.test_client()
    asked = {**NORTH_KATTEGAT, "radius_km": 2, "open_places": "0-2", "language": "uk"}
    generation = context(app).searcher.current_generation()

    def search(**extra: Any) -> Any:
        return client.get("/v1/search", query_string={**asked, **extra})

    first = search()
    assert [h["institution_number"] for h in first.get_json()["hits"]] == ["ZZ7001", "ZZ7002"]
    assert search().headers["X-Cache"] == "hit"
    paged = search(limit=1).get_json()
    assert paged["next_cursor"]

    # 30 days on, the report still counts: the same search finds both.
    clock.advance(days=30)
    on_day_30 = search()
    assert on_day_30.headers["X-Cache"] == "miss", "an answer of another day was served"
    body = on_day_30.get_json()
    assert body["total"] == 2
    assert body["facets"]["open_places"] == {"0-2": 2, "3-5": 0}
    assert [p["fresh"] for p in body["hits"][0]["open_places"]] == [True, True]
    # A cursor given out on the day the report was made is not one of today's search.
    assert search(limit=1, cursor=paged["next_cursor"]).status_code == 422
    day_30_cursor = search(limit=1).get_json()["next_cursor"]

    # 31 days on, it is stale: no event applied, and the same search finds nothing.
    clock.advance(days=1)
    on_day_31 = search()
    assert on_day_31.status_code == 200
    assert on_day_31.get_json()["total"] == 0
    assert on_day_31.get_json()["hits"] == []
    assert search(limit=1, cursor=day_30_cursor).status_code == 422
    # Without the filter they are found, their report shown as stale and not counted.
    everything = client.get("/v1/search", query_string={**NORTH_KATTEGAT, "radius_km": 2})
    body = everything.get_json()
    assert [h["institution_number"] for h in body["hits"]] == ["ZZ7001", "ZZ7002"]
    assert [p["fresh"] for p in body["hits"][0]["open_places"]] == [False, False]
    assert body["facets"]["open_places"] == {"0-2": 0, "3-5": 0}
    assert body["facets"]["language"] == {"uk": 2}
    # The database path agrees, and nothing moved the read model on.
    query = SearchQuery(
        **NORTH_KATTEGAT,
        radius_km=2,
        open_places="0-2",
        languages=("uk",),
        today=context(app).today(),
    )
    assert context(app).searcher.search(query, use_redis=False).body["total"] == 0
    assert context(app).searcher.current_generation() == generation
    assert context(app).today() == reported + timedelta(days=31)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"open_places": "6-9"}, "open_places"),
        ({"open_places": ""}, "open_places"),
        ({"language": "xx"}, "language"),
        ({"language": ["en", "EN"]}, "language"),
        ({"language": "da"}, "language"),  # besides Danish
        ({"organic_min": "101"}, "organic_min"),
        ({"organic_min": "-1"}, "organic_min"),
        ({"organic_min": "50.5"}, "organic_min"),
        ({"organic_min": "x"}, "organic_min"),
    ],
)
def test_the_new_filters_refuse_what_they_do_not_know(
    app: Flask, params: dict[str, Any], named: str
) -> None:
    response = app.test_client().get("/v1/search", query_string={**AARHUS, **params})
    assert response.status_code == 422
    body = response.get_json()
    assert set(body["errors"]["query"]) == {named}
    assert body["message"] == f"The request has invalid parameters: {named}. See errors."
    assert body["message_da"] == f"Forespørgslen har ugyldige parametre: {named}. Se errors."
