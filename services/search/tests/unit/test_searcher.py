"""The search use case on the fakes: the GEO index path and the database path
give the same answers, and answers are cached per generation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dagkit.testing.clock import MovableClock
from search.domain.search import SearchQuery
from search.service_layer.handlers import apply_events
from search.service_layer.searching import Searcher
from search.testing.events import figure, institution_event, profile_event, statistics_event
from search.testing.fakes import CURSOR_SECRET, FakeGeoIndex, FakeSearchUnitOfWork, fake_context

LAT, LON = 55.7, 12.58
TODAY = date(2026, 12, 3)


@pytest.fixture
def uow() -> FakeSearchUnitOfWork:
    uow = FakeSearchUnitOfWork()
    events = [statistics_event(101, "København", [figure("normering_3_5", 2023, 5.9)])]
    # A row of institutions going north, 0.01 degrees (about 1.1 km) apart.
    for i in range(8):
        number = f"N0000{i}"
        events.append(institution_event(number, location={"lat": LAT + i * 0.01, "lon": LON}))
        if i % 2:
            events.append(profile_event(number, tags=["udeliv"]))
    with uow:
        apply_events(uow.read_model, events)
        uow.commit()
    return uow


def test_the_index_and_the_database_give_the_same_answer(uow: FakeSearchUnitOfWork) -> None:
    index = FakeGeoIndex()
    searcher = Searcher(uow, index, CURSOR_SECRET)
    asked = SearchQuery(LAT, LON, radius_km=4, tags=("udeliv",), today=TODAY)
    via_index = searcher.search(asked)
    via_database = searcher.search(asked, use_redis=False)
    assert (via_index.geo_source, via_database.geo_source) == ("redis", "database")
    assert via_index.body == via_database.body
    assert [h["institution_number"] for h in via_index.body["hits"]] == ["N00001", "N00003"]
    assert via_index.body["hits"][0]["normering"] == {
        "indicator": "normering_3_5",
        "value": 5.9,
        "year": 2023,
    }
    # The index was built for the read model's generation, once.
    assert (index.indexed_generation, index.rebuilds) == (1, 1)


def test_when_the_index_is_down_the_database_answers(uow: FakeSearchUnitOfWork) -> None:
    index = FakeGeoIndex()
    index.available = False
    searcher = Searcher(uow, index, CURSOR_SECRET)
    result = searcher.search(SearchQuery(LAT, LON, radius_km=2, today=TODAY))
    assert result.geo_source == "database"
    assert [h["institution_number"] for h in result.body["hits"]] == ["N00000", "N00001"]
    # And no answer is served from a cache that cannot answer.
    assert searcher.cached_answer("search:q=2100") is None


def test_answers_are_cached_under_the_generation(uow: FakeSearchUnitOfWork) -> None:
    index = FakeGeoIndex()
    searcher = Searcher(uow, index, CURSOR_SECRET)
    result = searcher.search(SearchQuery(LAT, LON, today=TODAY))
    searcher.remember_answer("search:lat=55.7", result.generation, b"{}")
    assert searcher.cached_answer("search:lat=55.7") == b"{}"
    # Another process sharing the index finds it too.
    other = Searcher(uow, index, CURSOR_SECRET)
    assert other.cached_answer("search:lat=55.7") == b"{}"
    # One with another cursor secret does not: its cursors would not fit.
    assert Searcher(uow, index, b"x" * 32).cached_answer("search:lat=55.7") is None


def test_both_paths_keep_open_places_only_while_the_report_is_fresh() -> None:
    uow = FakeSearchUnitOfWork()
    reported = TODAY - timedelta(days=30)
    places = [{"age_group": "0-2", "status": "yes", "from_month": "2027-01"}]
    with uow:
        apply_events(
            uow.read_model,
            [
                institution_event("P00001", accepts_0_2=True),
                profile_event(
                    "P00001",
                    languages=["en"],
                    open_places=[places[0] | {"reported_on": reported.isoformat()}],
                ),
            ],
        )
        uow.commit()
    searcher = Searcher(uow, FakeGeoIndex(), CURSOR_SECRET)
    for today, found in ((TODAY, ["P00001"]), (TODAY + timedelta(days=1), [])):
        asked = SearchQuery(LAT, LON, open_places="0-2", languages=("en",), today=today)
        via_index = searcher.search(asked)
        via_database = searcher.search(asked, use_redis=False)
        assert via_index.geo_source == "redis"
        assert via_index.body == via_database.body
        assert [h["institution_number"] for h in via_index.body["hits"]] == found
        assert via_index.body["facets"]["open_places"]["0-2"] == len(found)


def test_search_s_day_is_the_danish_day_of_its_clock() -> None:
    clock = MovableClock(datetime(2026, 12, 3, 22, 30, tzinfo=UTC))
    ctx = fake_context(clock=clock)
    assert ctx.today() == date(2026, 12, 3)  # 23:30 in Copenhagen
    clock.advance(hours=1)
    assert ctx.today() == date(2026, 12, 4)  # 00:30 in Copenhagen, 23:30 UTC
    clock.advance(days=31)
    assert ctx.today() == date(2027, 1, 4)
    summer = fake_context(clock=MovableClock(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)))
    assert summer.today() == date(2026, 7, 2)  # 00:30 summer time
