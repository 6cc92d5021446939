"""What institutions report themselves (languages, accessibility, open places
and how old their report is, the meal scheme's organic share and kitchen,
closing ranges, the dagpleje district, focus tags) on the institution,
compare and search pages, in Danish and English; and the search filters on
them. The recorded G20580 reported its open places on 7 April 2026."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from web.domain.open_places import open_places
from web.domain.opening_hours import coming_closing_days
from web.testing.fakes import FakeClock, FakeSearchGateway, sample

from .conftest import link_of, page_text

REPORTED_ON = date(2026, 4, 7)
STALE_DA = "Oplyst for mere end 30 dage siden – spørg institutionen"
STALE_EN = "Reported more than 30 days ago – ask the institution"


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return page_text(response.get_data(as_text=True))


def _profile(search: FakeSearchGateway, number: str = "G20580") -> dict[str, Any]:
    profile: dict[str, Any] = search.institutions[number]["profile"]
    return profile


def _older_profile() -> dict[str, Any]:
    """A profile from before the new fields: none of them present."""
    profile: dict[str, Any] = sample("institution")["profile"]
    for key in ("languages", "accessibility", "open_places"):
        del profile[key]
    del profile["meal_scheme"]["organic_share_pct"]
    del profile["meal_scheme"]["kitchen"]
    for closing in profile["closing_days"]:
        closing.pop("until", None)
    return profile


def _dagpleje(search: FakeSearchGateway, **details: Any) -> None:
    document = search.institutions["G20581"]
    document["kind"] = "dagpleje"
    document["profile"] = dict(
        sample("institution")["profile"],
        institution_number="G20581",
        dagpleje={
            "childminder_count": 3,
            "children_per_childminder": 4,
            "substitute_care": "fast_makker",
            "playgroup_weekdays": [1, 3],
            **details,
        },
    )


# ------------------------------------------------------- institution page


INSTITUTION = [
    (
        "",
        [
            "Sprog ud over dansk Engelsk, Arabisk",
            "Tilgængelighed Niveaufri adgang fra parkeringspladsen og handicaptoilet",
            "60 % af maden er økologisk.",
            "Maden laves i institutionens eget køkken.",
            "15. maj 2026: Fredag efter Kristi himmelfartsdag",
            "20. juli – 31. juli 2026: Sommerlukning",
            "24. december 2026: Juleaftensdag",
            "0-2 år (vuggestuealder): Venteliste (oplyst 7. april 2026)",
            "3-5 år (børnehavealder): Ledige pladser fra august 2026 (oplyst 7. april 2026)",
            "Pædagogisk fokus: Natur og udeliv Musik koekkenhave",
        ],
    ),
    (
        "/en",
        [
            "Languages besides Danish English, Arabic",
            "Accessibility Niveaufri adgang fra parkeringspladsen og handicaptoilet",
            "60 % of the food is organic.",
            "The food is cooked in the institution's own kitchen.",
            "May 15, 2026: Fredag efter Kristi himmelfartsdag",
            "July 20 – July 31, 2026: Sommerlukning",
            "0-2 years (nursery age): Waiting list (reported April 7, 2026)",
            "3-5 years (kindergarten age): Open places from August 2026 (reported April 7, 2026)",
            "Educational focus: Nature and outdoor life Music koekkenhave",
        ],
    ),
]


@pytest.mark.parametrize(("prefix", "expected"), INSTITUTION)
def test_institution_page_shows_every_reported_field(
    client: FlaskClient, prefix: str, expected: list[str]
) -> None:
    text = _text(client, f"{prefix}/institution/G20580")
    for words in expected:
        assert words in text, (words, text[:3000])
    assert STALE_DA not in text
    assert STALE_EN not in text
    # Not a dagpleje: no district.
    assert "Dagplejens distrikt" not in text
    assert "district" not in text


def test_a_kitchen_of_a_supplier_and_a_share_of_nothing(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    _profile(search)["meal_scheme"].update(kitchen="leverandoer", organic_share_pct=0)
    text = _text(client, "/institution/G20580")
    assert "0 % af maden er økologisk." in text
    assert "Maden leveres af en leverandør." in text
    assert "The food comes from a caterer." in _text(client, "/en/institution/G20580")


@pytest.mark.parametrize(
    ("prefix", "expected", "absent"),
    [
        (
            "",
            [
                "Ledige pladser er ikke oplyst af institutionen endnu.",
                "Sprogene er ikke oplyst af institutionen endnu.",
                "Tilgængeligheden er ikke oplyst af institutionen endnu.",
                "20. juli 2026: Sommerlukning",
            ],
            ["økologisk", "eget køkken", "leverandør", "Kun dansk", "31. juli"],
        ),
        (
            "/en",
            [
                "Open places: not yet provided by the institution.",
                "Languages: not yet provided by the institution.",
                "Accessibility: not yet provided by the institution.",
                "July 20, 2026: Sommerlukning",
            ],
            ["organic", "kitchen", "caterer", "Danish only", "July 31"],
        ),
    ],
)
def test_fields_an_older_profile_lacks_are_not_reported(
    client: FlaskClient,
    search: FakeSearchGateway,
    prefix: str,
    expected: list[str],
    absent: list[str],
) -> None:
    search.institutions["G20580"]["profile"] = _older_profile()
    text = _text(client, f"{prefix}/institution/G20580")
    for words in expected:
        assert words in text, (words, text[:3000])
    for words in absent:
        assert words not in text, words


def test_no_language_besides_danish_is_said_so(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    _profile(search).update(languages=[], accessibility="  ", open_places=[])
    text = _text(client, "/institution/G20580")
    assert "Sprog ud over dansk Kun dansk" in text
    # A blank note and an empty list of open places are nothing reported.
    assert "Tilgængeligheden er ikke oplyst" in text
    assert "Ledige pladser er ikke oplyst" in text
    assert "Languages besides Danish Danish only" in _text(client, "/en/institution/G20580")


def test_a_language_outside_the_vocabulary_is_shown_as_written(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    _profile(search)["languages"] = ["en", "xh"]
    assert "Engelsk, xh" in _text(client, "/institution/G20580")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (
            "",
            [
                "Dagplejens distrikt",
                "Dagplejere i distriktet 3",
                "Børn pr. dagplejer 4",
                "Når dagplejeren er væk Hos en fast makker-dagplejer",
                "Legestue Tirsdag, Torsdag",
                "Postnumre 2300, 2770",
                "Gæstepleje Når en dagplejer",
            ],
        ),
        (
            "/en",
            [
                "Childminding district",
                "Childminders in the district 3",
                "Children per childminder 4",
                "When the childminder is away With a regular partner childminder",
                "Playgroup Tuesday, Thursday",
                "Postcodes 2300, 2770",
                "Substitute care Når en",
            ],
        ),
    ],
)
def test_dagpleje_page_shows_its_district_and_substitute_care(
    client: FlaskClient, search: FakeSearchGateway, prefix: str, expected: list[str]
) -> None:
    _dagpleje(
        search,
        postcodes=["2300", "2770"],
        substitute_care_note="Når en dagplejer er syg, passes børnene af den faste makker.",
    )
    text = _text(client, f"{prefix}/institution/G20581")
    for words in expected:
        assert words in text, (words, text[:3000])


def test_dagpleje_without_the_new_details_says_not_reported(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    _dagpleje(search)
    text = _text(client, "/institution/G20581")
    assert "Postnumre Ikke oplyst" in text
    assert "Gæstepleje Ikke oplyst" in text
    assert "Postcodes Not provided" in _text(client, "/en/institution/G20581")


# ------------------------------------------------- fresh and stale reports


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_open_places_are_fresh_for_30_days_and_stale_from_the_31st(
    client: FlaskClient, clock: FakeClock, prefix: str
) -> None:
    stale = STALE_EN if prefix else STALE_DA
    clock.set(REPORTED_ON + timedelta(days=30))
    html = client.get(f"{prefix}/institution/G20580").get_data(as_text=True)
    assert stale not in page_text(html)
    assert "open-places-item--stale" not in html

    clock.advance(1)
    html = client.get(f"{prefix}/institution/G20580").get_data(as_text=True)
    text = page_text(html)
    assert html.count("open-places-item--stale") == 2
    if prefix:
        assert f"3-5 years (kindergarten age): {stale} (Last reported April 7, 2026: " in text
        assert "Open places from August 2026)" in text
    else:
        assert f"3-5 år (børnehavealder): {stale} (Sidst oplyst 7. april 2026: " in text
        assert "Ledige pladser fra august 2026)" in text
    # Never as the current state: nothing reads as a report in force.
    assert "(oplyst 7. april 2026)" not in text
    assert "(reported April 7, 2026)" not in text


def test_the_freshness_rule_at_its_boundary() -> None:
    rows: list[dict[str, Any]] = [
        {"age_group": "3-5", "status": "yes", "from_month": "2026-08", "reported_on": "2026-04-07"},
        {"age_group": "0-2", "status": "no", "from_month": None, "reported_on": "2026-04-07"},
    ]
    fresh = open_places(rows, REPORTED_ON + timedelta(days=30))
    assert [p.age_group for p in fresh] == ["0-2", "3-5"]
    assert all(p.fresh for p in fresh)
    assert fresh[1].from_month == date(2026, 8, 1)
    assert not any(p.fresh for p in open_places(rows, REPORTED_ON + timedelta(days=31)))
    # What search says of its hit is kept; a day that cannot be read is never fresh.
    assert open_places([dict(rows[0], fresh=False)], REPORTED_ON)[0].fresh is False
    assert open_places([dict(rows[0], reported_on="yesterday")], REPORTED_ON)[0].fresh is False


def test_a_closing_range_is_shown_until_its_last_day(client: FlaskClient, clock: FakeClock) -> None:
    clock.set(date(2026, 7, 31))
    assert "20. juli – 31. juli 2026: Sommerlukning" in _text(client, "/institution/G20580")
    clock.advance(1)
    assert "Sommerlukning" not in _text(client, "/institution/G20580")


def test_closing_ranges_across_a_new_year_and_backwards() -> None:
    rows = [
        {"date": "2026-12-28", "until": "2027-01-02", "reason": "Jul"},
        {"date": "2026-10-12", "until": "2026-10-01", "reason": "Baglæns"},
    ]
    days = coming_closing_days(rows, date(2027, 1, 1))
    assert [(d.day, d.until) for d in days] == [(date(2026, 12, 28), date(2027, 1, 2))]
    # A range that ends before it starts is the single day it starts on.
    assert coming_closing_days(rows, date(2026, 10, 12))[0].until is None


def test_the_range_across_a_new_year_names_both_years(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    _profile(search)["closing_days"] = [
        {"date": "2026-12-28", "until": "2027-01-02", "reason": "Jul"}
    ]
    assert "28. december 2026 – 2. januar 2027: Jul" in _text(client, "/institution/G20580")


# ------------------------------------------------------------ compare page


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (
            "",
            [
                "Økologi i maden 60 % Ikke oplyst",
                "Sprog ud over dansk Engelsk, Arabisk Ikke oplyst",
                "Ledige pladser 0-2 år (vuggestuealder): Venteliste (oplyst 7. april 2026)",
            ],
        ),
        (
            "/en",
            [
                "Organic food 60 % Not provided",
                "Languages besides Danish English, Arabic Not provided",
                "Open places 0-2 years (nursery age): Waiting list (reported April 7, 2026)",
            ],
        ),
    ],
)
def test_compare_shows_languages_open_places_and_organic_share(
    client: FlaskClient, prefix: str, expected: list[str]
) -> None:
    text = _text(client, f"{prefix}/sammenlign?ids=G20580,G20581")
    for words in expected:
        assert words in text, (words, text)


def test_compare_marks_a_stale_report(
    client: FlaskClient, search: FakeSearchGateway, clock: FakeClock
) -> None:
    search.institutions["G20581"]["profile"] = dict(
        _older_profile(), languages=[], meal_scheme=None
    )
    clock.set(REPORTED_ON + timedelta(days=31))
    html = client.get("/sammenlign?ids=G20580,G20581").get_data(as_text=True)
    text = page_text(html)
    assert f"0-2 år (vuggestuealder): {STALE_DA}" in text
    assert "Engelsk, Arabisk Kun dansk" in text
    assert "Økologi i maden 60 % Ikke oplyst" in text
    assert STALE_EN in _text(client, "/en/sammenlign?ids=G20580,G20581")


# ------------------------------------------------------------- search page


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (
            "",
            [
                "Ledige pladser 0-2 år: Venteliste 3-5 år: Ledige pladser fra august 2026",
                "Sprog ud over dansk Engelsk, Arabisk",
            ],
        ),
        (
            "/en",
            [
                "Open places 0-2 years: Waiting list 3-5 years: Open places from August 2026",
                "Languages besides Danish English, Arabic",
            ],
        ),
    ],
)
def test_results_show_languages_and_open_places(
    client: FlaskClient, prefix: str, expected: list[str]
) -> None:
    html = client.get(f"{prefix}/?q=8000").get_data(as_text=True)
    first = html[html.index('id="result-G20580"') : html.index('id="result-G20581"')]
    for words in expected:
        assert words in page_text(first), (words, page_text(first))
    second = html[html.index('id="result-G20581"') : html.index('id="result-G20334"')]
    assert "result-open-places" not in second
    assert "result-languages" not in second


def test_a_hit_search_calls_stale_is_stale(client: FlaskClient, search: FakeSearchGateway) -> None:
    original = search.search

    def stale(params):  # type: ignore[no-untyped-def]
        answer = original(params)
        for place in answer["hits"][0]["open_places"]:
            place["fresh"] = False
        return answer

    search.search = stale  # type: ignore[method-assign]
    text = page_text(client.get("/?q=8000").get_data(as_text=True))
    assert f"0-2 år: {STALE_DA}" in text
    assert "Venteliste" not in text


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (
            "",
            [
                "Ledige pladser Oplyst af institutionen inden for de seneste 30 dage Vis alle "
                "0-2 år (vuggestuealder) (0) 3-5 år (børnehavealder) (1)",
                "Arabisk (1)",
                "Engelsk (1)",
                "Tysk (0)",
                "Mindst 75 % økologisk",
                "Natur og udeliv (1)",
            ],
        ),
        (
            "/en",
            [
                "Open places Reported by the institution within the last 30 days Show all "
                "0-2 years (nursery age) (0) 3-5 years (kindergarten age) (1)",
                "Arabic (1)",
                "English (1)",
                "German (0)",
                "At least 75 % organic",
                "Nature and outdoor life (1)",
            ],
        ),
    ],
)
def test_new_filters_are_offered_with_their_facet_counts(
    client: FlaskClient, prefix: str, expected: list[str]
) -> None:
    text = _text(client, f"{prefix}/?q=8000")
    for words in expected:
        assert words in text, (words, text[:4000])


def test_the_empty_front_page_offers_the_filters_without_counts(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert 'name="open_places"' in html
    assert 'name="language"' in html
    assert 'name="organic_min"' in html
    assert "Engelsk (" not in page_text(html)


def test_counts_are_left_out_where_search_gives_none(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    original = search.search

    def older(params):  # type: ignore[no-untyped-def]
        answer = original(params)
        del answer["facets"]["open_places"], answer["facets"]["language"]
        return answer

    search.search = older  # type: ignore[method-assign]
    html = client.get("/?q=8000").get_data(as_text=True)
    open_places = html[html.index('id="field-open_places"') : html.index('id="field-language"')]
    assert "facet-count" not in open_places
    assert "Engelsk (" not in page_text(html)
    # The filters search does count still have their counts.
    assert "Børnehave (21)" in page_text(html)


def test_the_open_places_filter_finds_fresh_open_places(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    text = _text(client, "/?q=8000&open_places=3-5&language=ar")
    assert "1 dagtilbud inden for 5 km fra Aarhus C" in text
    assert search.calls[-1][1]["open_places"] == "3-5"
    assert search.calls[-1][1]["language"] == ["ar"]
    assert "(3 valgt)" not in text
    assert "(2 valgt)" in text


def test_new_filters_travel_with_paging_the_shortlist_and_the_way_back(
    client: FlaskClient,
) -> None:
    html = client.get("/?q=8000&language=en&language=ar&organic_min=50").get_data(as_text=True)
    kept = "language=en&language=ar&organic_min=50"
    assert kept in link_of(html, 'id="next-page"')
    assert kept in link_of(html, 'class="shortlist-add"')
    # Several languages stay chosen in the form too.
    assert 'name="language" multiple' in html
    assert 'value="en" selected' in html
    assert 'value="ar" selected' in html
    assert "(2 valgt)" in page_text(html)

    query = "q=8000&language=en&language=ar&organic_min=50&open_places=3-5&liste=G20581"
    html = client.get(f"/?{query}").get_data(as_text=True)
    page = client.get(link_of(html, 'class="result-name"')).get_data(as_text=True)
    back = page[: page.index('id="back-to-search"')].rsplit('href="', 1)[1].split('"')[0]
    assert "language=en&amp;language=ar&amp;organic_min=50&amp;open_places=3-5" in back
    assert "liste=G20581" in back


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_page_with_reports_renders_without_inline_script_or_style(
    client: FlaskClient, clock: FakeClock, prefix: str
) -> None:
    clock.advance(60)
    for path in ("/?q=8000&language=en&language=ar", "/institution/G20580"):
        html = client.get(prefix + path).get_data(as_text=True)
        assert " style=" not in html
        assert "<script>" not in html
