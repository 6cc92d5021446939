"""Every parents' page, in Danish and English, on an in-memory search."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from web.testing.fakes import FakeSearchGateway

from .conftest import link_of, page_text

PAGES = [
    "/",
    "/?q=8000",
    "/institution/G20580",
    "/sammenlign?ids=G20580,G20581",
    "/liste?ids=G20580,G20581",
    "/kommune/751",
    "/kommuner",
    "/om-data",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_page_renders_in_both_languages(client: FlaskClient, path: str, prefix: str) -> None:
    response = client.get(prefix + path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    language = "en" if prefix else "da"
    assert f'<html lang="{language}">' in html
    assert 'id="language-switch"' in html
    assert '<main id="main"' in html
    # Nothing inline that the CSP would block.
    assert "<script>" not in html
    assert " style=" not in html
    assert "onclick" not in html


@pytest.mark.parametrize(
    ("path", "danish", "english"),
    [
        ("/", "Find et dagtilbud", "Find childcare"),
        ("/om-data", "Sådan tælles normering", "staff ratio"),
        ("/kommuner", "Kommunernes tal", "Municipalit"),
        ("/kommune/751", "Aarhus Kommune", "Aarhus Municipality"),
    ],
)
def test_pages_speak_the_language_of_their_address(
    client: FlaskClient, path: str, danish: str, english: str
) -> None:
    da = page_text(client.get(path).get_data(as_text=True))
    en = page_text(client.get("/en" + path).get_data(as_text=True))
    assert danish in da
    assert english in en
    assert danish not in en


def test_language_switch_keeps_the_page_and_its_parameters(client: FlaskClient) -> None:
    html = client.get("/?q=8000&kind=boernehave").get_data(as_text=True)
    assert 'href="/en/?q=8000&amp;kind=boernehave"' in html
    html = client.get("/en/institution/G20580").get_data(as_text=True)
    assert 'id="language-switch" href="/institution/G20580"' in html


def test_search_results_show_distance_facts_facets_map_and_paging(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    html = client.get("/?q=8000").get_data(as_text=True)
    text = page_text(html)
    assert "194 dagtilbud inden for 5 km fra Aarhus C" in text
    assert html.count('class="result"') == 20
    assert 'data-institution="G20580"' in html
    assert "584 m" in text  # distance of a hit
    assert "Børnehave (21)" in text  # facet count beside its filter
    assert 'id="area-map"' in html
    assert 'id="next-page"' in html
    assert search.calls[-1] == (
        "search",
        {"q": "8000", "radius_km": "5", "sort": "distance", "limit": "20"},
    )


def test_next_page_link_carries_the_cursor_and_the_search(client: FlaskClient) -> None:
    html = client.get("/?q=8000&kind=vuggestue").get_data(as_text=True)
    link = link_of(html, 'id="next-page"')
    assert link.startswith("/?q=8000&kind=vuggestue&cursor=")
    assert client.get(link).status_code == 200


FILTERS = [
    (
        "age_group=0-2",
        {"age_group": "0-2"},
        'id="age_group-0-2" name="age_group" value="0-2" checked',
    ),
    ("kind=boernehave", {"kind": "boernehave"}, 'value="boernehave" checked'),
    ("kind=vuggestue,dagpleje", {"kind": "vuggestue,dagpleje"}, 'value="dagpleje" checked'),
    ("ownership=privat", {"ownership": "privat"}, 'value="privat" checked'),
    ("meal=offered", {"meal": "offered"}, 'value="offered" selected'),
    ("meal=halal", {"meal": "halal"}, 'value="halal" selected'),
    ("open_before=06:30", {"open_before": "06:30"}, 'name="open_before" value="06:30"'),
    ("open_after=17:00", {"open_after": "17:00"}, 'name="open_after" value="17:00"'),
    ("tag=udeliv", {"tag": "udeliv"}, 'value="udeliv" checked'),
    ("tag=musik", {"tag": "musik"}, 'value="musik" checked'),
    (
        "open_places=3-5",
        {"open_places": "3-5"},
        'id="open_places-3-5" name="open_places" value="3-5" checked',
    ),
    ("open_places=0-2", {"open_places": "0-2"}, 'value="0-2" checked'),
    ("language=en", {"language": ["en"]}, 'value="en" selected'),
    ("language=en&language=ar", {"language": ["en", "ar"]}, 'value="ar" selected'),
    ("organic_min=50", {"organic_min": "50"}, 'value="50" selected'),
    ("organic_min=0", {"organic_min": "0"}, 'value="0" selected'),
    ("organic_min=60", {"organic_min": "60"}, 'value="60" selected'),
    ("name=b%C3%B8rnely", {"name": "børnely"}, 'name="name" value="børnely"'),
    ("radius_km=10", {"radius_km": "10"}, 'value="10" selected'),
    ("sort=normering", {"sort": "normering"}, 'value="normering" selected'),
]


@pytest.mark.parametrize(("query", "expected", "marker"), FILTERS)
def test_every_filter_reaches_search_and_stays_chosen(
    client: FlaskClient,
    search: FakeSearchGateway,
    query: str,
    expected: dict[str, str],
    marker: str,
) -> None:
    response = client.get(f"/?q=8000&{query}")
    assert response.status_code == 200
    sent = search.calls[-1][1]
    for key, value in expected.items():
        assert sent[key] == value
    assert marker in response.get_data(as_text=True)


def test_both_age_groups_ticked_ask_search_for_either(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    # Search takes one age group; every institution takes at least one of the two.
    html = client.get("/?q=8000&age_group=0-2&age_group=3-5").get_data(as_text=True)
    assert "age_group" not in search.calls[-1][1]
    assert 'value="0-2" checked' in html
    assert 'value="3-5" checked' in html


def test_position_searches_by_coordinates(client: FlaskClient, search: FakeSearchGateway) -> None:
    assert client.get("/?lat=56.15&lon=10.2").status_code == 200
    sent = search.calls[-1][1]
    assert sent["lat"] == "56.15000"
    assert sent["lon"] == "10.20000"
    assert "q" not in sent


VALIDATION = [
    ("q=" + "x" * 101, "q", "Skriv højst 100 tegn", "no more than 100 characters"),
    ("lat=40&lon=10", "lat", "Positionen ligger ikke i Danmark", "not in Denmark"),
    ("lat=abc&lon=10", "lat", "Positionen skal være et tal", "must be a number"),
    ("kind=hospital", "kind", "Vælg en af mulighederne på listen", "Choose one of the options"),
    (
        "age_group=6-9",
        "age_group",
        "Vælg en af mulighederne på listen",
        "Choose one of the options",
    ),
    ("ownership=x", "ownership", "Vælg en af mulighederne på listen", "Choose one of the options"),
    ("meal=pizza", "meal", "Vælg en af mulighederne på listen", "Choose one of the options"),
    ("open_before=7", "open_before", "Skriv et klokkeslæt som TT:MM", "HH:MM"),
    ("open_after=25:00", "open_after", "Skriv et klokkeslæt som TT:MM", "HH:MM"),
    ("tag=Not%20a%20tag", "tag", "Ukendt fokusområde", "Unknown focus"),
    ("radius_km=3", "radius_km", "Vælg en afstand på listen", "Choose a distance"),
    ("radius_km=far", "radius_km", "Vælg en afstand på listen", "Choose a distance"),
    ("sort=price", "sort", "Vælg en af mulighederne på listen", "Choose one of the options"),
    ("name=" + "x" * 101, "name", "Skriv højst 100 tegn af navnet", "no more than 100 characters"),
    (
        "open_places=6-9",
        "open_places",
        "Vælg en af mulighederne på listen",
        "Choose one of the options",
    ),
    ("open_places=yes", "open_places", "Vælg en af mulighederne", "Choose one of the options"),
    ("language=xx", "language", "Vælg en af mulighederne på listen", "Choose one of the options"),
    ("language=EN", "language", "Vælg en af mulighederne på listen", "Choose one of the options"),
    (
        "language=en,de,sv,no,fo,kl,is,fr,es,it,pl",
        "language",
        "Vælg højst 10 sprog",
        "Choose no more than 10 languages",
    ),
    ("organic_min=abc", "organic_min", "Skriv økologiandelen som et helt tal", "whole number"),
    ("organic_min=101", "organic_min", "Skriv økologiandelen som et helt tal", "whole number"),
    ("organic_min=-1", "organic_min", "Skriv økologiandelen som et helt tal", "whole number"),
    ("organic_min=50.5", "organic_min", "Skriv økologiandelen som et helt tal", "whole number"),
]


@pytest.mark.parametrize(("query", "field", "danish", "english"), VALIDATION)
def test_every_validation_message_in_both_languages(
    client: FlaskClient, query: str, field: str, danish: str, english: str
) -> None:
    for prefix, message in (("", danish), ("/en", english)):
        base = "" if query.startswith("q=") else "q=8000&"
        response = client.get(f"{prefix}/?{base}{query}")
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert 'id="error-summary"' in html
        assert f'href="#field-{field}"' in html
        assert message in page_text(html), (prefix, page_text(html)[:600])


def test_a_bad_filter_does_not_lose_the_rest_of_the_search(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    response = client.get("/?q=8000&kind=hospital&ownership=privat")
    assert response.status_code == 400
    assert search.calls[-1][1]["ownership"] == "privat"
    assert "kind" not in search.calls[-1][1]


def test_a_place_search_cannot_find_is_explained_in_both_languages(client: FlaskClient) -> None:
    da = client.get("/?q=Atlantis")
    en = client.get("/en/?q=Atlantis")
    assert da.status_code == en.status_code == 422
    assert "Vi kan ikke finde «Atlantis»" in page_text(da.get_data(as_text=True))
    assert "Cannot place “Atlantis”" in page_text(en.get_data(as_text=True))
    # search's suggestions become links that search again.
    assert 'href="/?q=8000+Aarhus+C">8000 Aarhus C</a>' in da.get_data(as_text=True)
    assert "Did you mean:" in page_text(en.get_data(as_text=True))


def test_a_stale_page_link_shows_the_first_page(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    response = client.get("/?q=8000&cursor=stale")
    assert response.status_code == 200
    assert "cursor" not in search.calls[-1][1]
    assert 'id="first-page"' not in response.get_data(as_text=True)


def test_search_down_keeps_the_form_and_says_so(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    search.down = True
    response = client.get("/?q=8000&kind=boernehave")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Søgningen er midlertidigt utilgængelig" in page_text(html)
    assert 'value="8000"' in html
    assert 'value="boernehave" checked' in html
    english = client.get("/en/?q=8000").get_data(as_text=True)
    assert "temporarily unavailable" in page_text(english)
    for path in (
        "/institution/G20580",
        "/kommune/751",
        "/kommuner",
        "/sammenlign?ids=G20580,G20581",
    ):
        assert client.get(path).status_code == 503
    assert client.get("/om-data").status_code == 200
    assert client.get("/").status_code == 200  # the empty front page asks search nothing


def test_institution_page_shows_register_facts_and_figures_with_source(
    client: FlaskClient,
) -> None:
    html = client.get("/institution/G20580").get_data(as_text=True)
    text = page_text(html)
    assert "<h1>Børnely - Udvidet</h1>" in html
    assert "Valdemars Have 4, 8000 Aarhus C" in text
    assert "Kommunens tal" in text
    assert "Kilde: Uddannelsesstatistik.dk (Børne- og Undervisningsministeriet), 2023" in text
    assert html.count('class="chart') >= 5
    # G20581 has reported nothing yet: said plainly.
    text = page_text(client.get("/institution/G20581").get_data(as_text=True))
    assert "Institutionen har ikke oplyst noget selv endnu" in text


def test_institution_page_shows_what_the_institution_reported(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    from web.testing.fakes import sample

    profile = {
        "description": "Vi er ude hver dag.",
        "opening_hours": [{"weekday": d, "opens": "06:30", "closes": "17:00"} for d in range(5)]
        + [{"weekday": 4, "opens": "18:00", "closes": "19:00"}],
        "closing_days": [
            {"date": "2099-12-24", "reason": "Juleaftensdag"},
            {"date": "2001-01-01", "reason": "Gammel"},
        ],
        "contact": {
            "leader_name": "Mette Vestergaard",
            "phone": "+45 38 10 42 17",
            "email": "x@example.dk",
            "website": "https://example.dk",
        },
        "meal_scheme": {
            "offered": True,
            "kind": "frokost",
            "diets": ["halal"],
            "price_per_month_dkk": 869.0,
        },
        "tags": ["udeliv"],
        "updated_at": "2026-04-07T13:42:09.884301Z",
        "open_places": [
            {
                "age_group": "0-2",
                "status": "yes",
                "from_month": "2027-02",
                "reported_on": "2026-04-10",
            }
        ],
    }
    document = sample("institution")
    document["profile"] = profile
    search.institutions["G20580"] = document
    text = page_text(client.get("/institution/G20580").get_data(as_text=True))
    assert "Vi er ude hver dag." in text
    assert "Fredag 06:30–17:00, 18:00–19:00" in text
    assert "Juleaftensdag" in text
    assert "Gammel" not in text
    assert "Frokost, 869 kr. om måneden" in text
    assert "Halal" in text
    assert "Mette Vestergaard" in text
    assert (
        "0-2 år (vuggestuealder): Ledige pladser fra februar 2027 (oplyst 10. april 2026)" in text
    )
    assert "Senest opdateret af institutionen 7. april 2026" in text


def test_text_from_the_register_is_escaped(client: FlaskClient, search: FakeSearchGateway) -> None:
    search.institutions["G20580"]["name"] = "<script>alert(1)</script>"
    html = client.get("/institution/G20580").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_institution_numbers_are_read_in_any_case(client: FlaskClient) -> None:
    response = client.get("/institution/g20580?liste=G20581")
    assert response.status_code == 301
    assert response.headers["Location"] == "/institution/G20580?liste=G20581"


@pytest.mark.parametrize(
    "path", ["/institution/NOPE00", "/institution/x", "/kommune/999", "/kommune/abc", "/nowhere"]
)
def test_unknown_pages_are_404_pages_in_the_right_language(client: FlaskClient, path: str) -> None:
    da = client.get(path)
    en = client.get("/en" + path)
    assert da.status_code == en.status_code == 404
    assert da.mimetype == "text/html"
    assert "Siden findes ikke" in page_text(da.get_data(as_text=True))
    assert "Page not found" in page_text(en.get_data(as_text=True))


def test_municipality_code_has_one_address(client: FlaskClient) -> None:
    response = client.get("/kommune/0751")
    assert response.status_code == 301
    assert response.headers["Location"] == "/kommune/751"


def test_municipality_page_breaks_the_line_at_the_new_normering(client: FlaskClient) -> None:
    html = client.get("/kommune/751").get_data(as_text=True)
    text = page_text(html)
    assert "Nr. 34 af 97 kommuner" in text  # normering 0-2 in 2023
    assert "Fra 2023 tæller ministeriet normeringen på en ny måde" in text
    assert html.count("<svg") >= 6
    assert "<table" in html  # the data table beside each chart


def test_national_overview_sorts_and_maps_every_municipality(client: FlaskClient) -> None:
    html = client.get("/kommuner?indikator=normering_3_5&sortering=value&retning=op").get_data(
        as_text=True
    )
    assert html.count('class="municipality-area"') >= 98
    assert 'href="/kommune/101"' in html
    rows = html[html.index('id="national-table"') :]
    first = rows[rows.index("<tbody>") :].split("</tr>")[0]
    last_with_value = [r for r in rows.split("</tr>") if "/kommune/" in r and "–" not in r][-1]
    assert float(_cell(first)) <= float(_cell(last_with_value))
    desc = client.get("/kommuner?indikator=normering_3_5&sortering=value&retning=ned").get_data(
        as_text=True
    )
    first_desc = desc[desc.index("<tbody>") :].split("</tr>")[0]
    assert float(_cell(first_desc)) >= float(_cell(first))


def _cell(row: str) -> str:
    return row.split('class="numeric">')[1].split("<")[0].replace(",", ".")


def test_national_overview_refuses_an_unknown_indicator_clearly(client: FlaskClient) -> None:
    response = client.get("/kommuner?indikator=iq")
    assert response.status_code == 400
    assert "Ukendt visning" in page_text(response.get_data(as_text=True))


def test_shortlist_travels_in_the_address(client: FlaskClient) -> None:
    html = client.get("/?q=8000").get_data(as_text=True)
    assert 'href="/?q=8000&amp;liste=G20580#result-G20580"' in html
    html = client.get("/?q=8000&liste=G20580,G20581").get_data(as_text=True)
    assert 'id="shortlist"' in html
    assert (
        'id="compare-link" class="button button-primary" href="/sammenlign?ids=G20580,G20581"'
        in html
    )
    assert 'id="shortlist-link"' in html
    assert 'href="/liste?ids=G20580,G20581"' in html
    assert 'name="liste" value="G20580,G20581"' in html


def test_institution_page_leads_back_to_the_search_with_the_list(client: FlaskClient) -> None:
    html = client.get("/?q=8000&kind=vuggestue").get_data(as_text=True)
    page = client.get(link_of(html, 'class="result-name"')).get_data(as_text=True)
    added = link_of(page, 'class="shortlist-add button button-secondary"')
    after = client.get(added).get_data(as_text=True)
    back = after[after.index('id="back-to-search"') - 200 : after.index('id="back-to-search"')]
    assert "/?q=8000&amp;kind=vuggestue&amp;liste=" in back


def test_the_way_back_to_the_search_cannot_lead_elsewhere(client: FlaskClient) -> None:
    html = client.get("/institution/G20580?soeg=next%3Dhttps://evil.example%26q%3D8000").get_data(
        as_text=True
    )
    back = html[: html.index('id="back-to-search"')].rsplit("<a ", 1)[1]
    assert back == 'href="/?q=8000" '
    html = client.get("/institution/G20580?soeg=https://evil.example/").get_data(as_text=True)
    back = html[: html.index('id="back-to-search"')].rsplit("<a ", 1)[1]
    assert back == 'href="/" '


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("ids=G20580", "Vælg mindst 2 dagtilbud"),
        ("ids=G20580,G20581,G19861,A00001,A00002", "højst 4 dagtilbud"),
        ("ids=G20580,<b>", "Disse er ikke institutionsnumre: <b>"),
        ("", "Vælg mindst 2 dagtilbud"),
    ],
)
def test_compare_explains_what_is_wrong(client: FlaskClient, query: str, message: str) -> None:
    response = client.get("/sammenlign?" + query)
    assert response.status_code == 400
    assert message in page_text(response.get_data(as_text=True))
    assert "<b>" not in response.get_data(as_text=True).split("</header>")[1]


def test_compare_has_one_address_and_says_when_differences_are_noise(
    client: FlaskClient,
) -> None:
    response = client.get("/sammenlign?ids=G20580&ids=g20581")
    assert response.status_code == 301
    assert response.headers["Location"] == "/sammenlign?ids=G20580,G20581"
    html = client.get("/sammenlign?ids=G20580,G20581").get_data(as_text=True)
    text = page_text(html)
    assert 'id="compare-table"' in html
    assert "inden for støjen" in text
    assert "Alle dagtilbuddene ligger i Aarhus Kommune" in text
    # G20580 has reported its hours, G20581 nothing.
    assert "Fredag 06:30–16:00 Ikke oplyst" in text


def test_compare_shows_reported_opening_hours(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    search.institutions["G20581"]["profile"] = {
        "opening_hours": [{"weekday": 0, "opens": "06:30", "closes": "17:00"}],
    }
    text = page_text(client.get("/sammenlign?ids=G20334,G20581").get_data(as_text=True))
    assert "Ikke oplyst Mandag 06:30–17:00 Tirsdag Lukket" in text


def test_compare_marks_a_meaningful_difference(
    client: FlaskClient, search: FakeSearchGateway
) -> None:
    original = search.compare

    def compare(numbers):  # type: ignore[no-untyped-def]
        answer = original(numbers)
        answer["indicators"][0].update(difference=1.2, significant=True)
        return answer

    search.compare = compare  # type: ignore[method-assign]
    text = page_text(client.get("/sammenlign?ids=G20580,G20581").get_data(as_text=True))
    assert "Forskellen betyder noget" in text


def test_compare_of_an_unknown_institution_is_a_clear_404(client: FlaskClient) -> None:
    response = client.get("/sammenlign?ids=G20580,ZZ9999")
    assert response.status_code == 404
    assert "findes ikke i registeret" in page_text(response.get_data(as_text=True))


def test_shortlist_page_lists_and_starts_compare(client: FlaskClient) -> None:
    html = client.get("/liste?ids=G20580,G20581,NOPE00").get_data(as_text=True)
    text = page_text(html)
    assert "Børnely - Udvidet" in text
    assert "Børnely" in text
    assert "Ikke længere i registeret: NOPE00" in text
    assert 'action="/sammenlign"' in html
    assert 'name="ids" value="G20581" checked' in html


def test_shortlist_rejects_what_is_not_a_number(client: FlaskClient) -> None:
    response = client.get("/liste?ids=G20580,hello")
    assert response.status_code == 400
    assert "Disse er ikke institutionsnumre og er sprunget over: hello" in page_text(
        response.get_data(as_text=True)
    )
