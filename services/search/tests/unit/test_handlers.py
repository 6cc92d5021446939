"""Applying events to the read model, on the in-memory fake."""

from __future__ import annotations

from dagtilbud_contracts import institution
from search.service_layer.handlers import CONSUMER, TOPICS, apply_events
from search.testing.events import (
    figure,
    institution_event,
    profile_event,
    profile_events,
    statistics_event,
)
from search.testing.fakes import FakeReadModel


def test_the_newest_event_of_each_institution_wins() -> None:
    read_model = FakeReadModel()
    apply_events(
        read_model,
        [
            institution_event("A00001", name="Solsikken"),
            institution_event("B00002"),
            institution_event(
                "A00001", version=2, event_type=institution.UPDATED, name="Nye Solsikken"
            ),
        ],
    )
    assert set(read_model.institutions) == {"A00001", "B00002"}
    solsikken = read_model.institutions["A00001"]
    assert solsikken["name"] == "Nye Solsikken"
    assert solsikken["name_folded"] == "nye solsikken"
    assert (solsikken["lat"], solsikken["lon"]) == (55.7, 12.58)
    assert solsikken["register"]["address"]["postcode"] == "2100"


def test_a_closed_institution_is_kept_closed_and_no_longer_found() -> None:
    read_model = FakeReadModel()
    apply_events(read_model, [institution_event("A00001")])
    closed = institution_event(
        "A00001",
        version=2,
        event_type=institution.CLOSED,
        status="closed",
        closed_on="2026-06-30",
    )
    apply_events(read_model, [closed])
    assert read_model.institutions["A00001"]["status"] == "closed"
    assert read_model.search_rows() == []
    assert [row["number"] for row in read_model.institution_rows()] == ["A00001"]


def test_a_profile_feeds_the_filter_columns() -> None:
    read_model = FakeReadModel()
    meal = {"offered": True, "kind": "frokost", "diets": ["halal"], "price_per_month_dkk": 900.0}
    apply_events(
        read_model,
        [
            # A profile may arrive before its institution.
            profile_event("A00001", hours=("06:30", "16:30"), meal_scheme=meal, tags=["udeliv"]),
            institution_event("A00001"),
        ],
    )
    [found] = read_model.search_rows()
    assert found["opens_latest"] == "06:30"
    assert found["closes_earliest"] == "16:30"
    assert (found["meal_offered"], found["meal_kind"], found["diets"]) == (
        True,
        "frokost",
        ["halal"],
    )
    assert found["tags"] == ["udeliv"]
    [document_row] = read_model.institution_rows(["A00001"])
    assert document_row["profile"]["meal_scheme"] == meal


def test_statistics_recompute_the_national_figures() -> None:
    read_model = FakeReadModel()
    apply_events(
        read_model,
        [
            statistics_event(
                101,
                "København",
                [figure("normering_3_5", 2023, 6.0), figure("antal_boern", 2023, 300.0)],
            ),
            statistics_event(
                147,
                "Frederiksberg",
                [figure("normering_3_5", 2023, 5.0), figure("antal_boern", 2023, 100.0)],
            ),
        ],
    )
    national = read_model.national()
    normering = national[("normering_3_5", 2023, "opgoerelse_fra_2023")]
    # Weighted by the number of children: (6.0 * 300 + 5.0 * 100) / 400.
    assert (normering["value"], normering["method"], normering["municipalities"]) == (
        5.75,
        "weighted_by_children",
        2,
    )
    assert national[("antal_boern", 2023, None)]["value"] == 400.0
    # A corrected municipality replaces its figures, and the national ones follow.
    apply_events(
        read_model,
        [
            statistics_event(
                147,
                "Frederiksberg",
                [figure("normering_3_5", 2023, 5.8), figure("antal_boern", 2023, 300.0)],
                version=2,
            )
        ],
    )
    again = read_model.national()[("normering_3_5", 2023, "opgoerelse_fra_2023")]
    assert again["value"] == 5.9
    assert read_model.municipal_figures(147)[147]["figures"][0]["value"] == 5.8


def test_the_generation_moves_once_per_batch() -> None:
    read_model = FakeReadModel()
    apply_events(
        read_model,
        [
            institution_event("A00001"),
            institution_event("B00002"),
            profile_event("A00001"),
            statistics_event(101, "København", [figure("normering_0_2", 2023, 2.8)]),
        ],
    )
    assert (read_model.generation(), read_model.generation_bumps) == (1, 1)
    apply_events(read_model, [institution_event("C00003")])
    assert (read_model.generation(), read_model.generation_bumps) == (2, 2)
    apply_events(read_model, [])
    assert read_model.generation_bumps == 2


def test_without_statistics_the_national_figures_are_left_alone() -> None:
    read_model = FakeReadModel()
    apply_events(
        read_model, [statistics_event(101, "København", [figure("antal_boern", 2023, 5.0)])]
    )
    before = read_model.national()
    apply_events(read_model, [institution_event("A00001")])
    assert read_model.national() == before


def test_the_consumer_reads_every_topic_it_handles() -> None:
    assert TOPICS == ("ingest.institutions.v1", "ingest.statistics.v1", "profiles.profiles.v1")
    assert CONSUMER.topics == TOPICS
    assert CONSUMER.group == "search.read-model"


def test_a_profile_event_older_than_the_new_fields_still_applies() -> None:
    read_model = FakeReadModel()
    meal = {"offered": True, "kind": "frokost", "diets": [], "price_per_month_dkk": None}
    old = profile_event("A00001", meal_scheme=meal)
    assert not {"languages", "open_places", "accessibility"} & set(old.data)
    assert "organic_share_pct" not in old.data["meal_scheme"]
    apply_events(read_model, [institution_event("A00001"), old])
    [found] = read_model.search_rows()
    # Not reported: no languages, no organic share, no open places.
    assert (found["languages"], found["organic_share_pct"], found["open_places"]) == ([], None, [])
    assert found["meal_offered"] is True


def test_the_new_profile_fields_fill_their_columns() -> None:
    read_model = FakeReadModel()
    [dagpleje, enghusene] = sorted(profile_events(), key=lambda e: e.subject)
    apply_events(
        read_model,
        [
            institution_event("G10433"),
            institution_event("G23800", kind="dagpleje", accepts_0_2=True, accepts_3_5=False),
            enghusene,
            dagpleje,
        ],
    )
    rows = {row["number"]: row for row in read_model.search_rows()}
    assert rows["G10433"]["languages"] == ["en", "ar"]
    assert rows["G10433"]["organic_share_pct"] == 60
    assert rows["G10433"]["open_places"] == [
        {
            "age_group": "0-2",
            "status": "waiting_list",
            "from_month": None,
            "reported_on": "2026-04-07",
        },
        {"age_group": "3-5", "status": "yes", "from_month": "2026-08", "reported_on": "2026-04-07"},
    ]
    # The dagpleje example reports its district's postcodes but none of these.
    assert (
        rows["G23800"]["languages"],
        rows["G23800"]["organic_share_pct"],
        rows["G23800"]["open_places"],
    ) == ([], None, [])
    # The whole payload is kept for the institution's document.
    [document] = read_model.institution_rows(["G23800"])
    assert document["profile"]["dagpleje"]["postcodes"] == ["2300", "2770"]


def test_a_newer_profile_replaces_the_reported_fields_and_none_clears_them() -> None:
    read_model = FakeReadModel()
    meal = {
        "offered": True,
        "kind": "frokost",
        "diets": [],
        "price_per_month_dkk": None,
        "organic_share_pct": 80,
    }
    places = [
        {"age_group": "3-5", "status": "yes", "from_month": "2027-02", "reported_on": "2026-12-01"}
    ]
    apply_events(
        read_model,
        [
            institution_event("A00001"),
            profile_event("A00001", meal_scheme=meal, languages=["de"], open_places=places),
        ],
    )
    [found] = read_model.search_rows()
    assert (found["languages"], found["organic_share_pct"], found["open_places"]) == (
        ["de"],
        80,
        places,
    )
    # A later profile without them (full state): nothing reported any more.
    apply_events(read_model, [profile_event("A00001", version=2, meal_scheme=None)])
    [found] = read_model.search_rows()
    assert (found["languages"], found["organic_share_pct"], found["open_places"]) == ([], None, [])
