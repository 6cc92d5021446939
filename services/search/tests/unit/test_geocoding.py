"""Geocoding rules, on the shipped postcode list."""

from __future__ import annotations

import pytest

from search.adapters.reference_files import load_geocoder
from search.domain.geocoding import (
    GeocodeError,
    Geocoder,
    GeoPoint,
    Place,
    PostcodeGeocoder,
)
from search.testing.events import DATA


@pytest.fixture(scope="module")
def geocoder() -> PostcodeGeocoder:
    return load_geocoder(DATA)


def refused(geocoder: PostcodeGeocoder, q: str) -> GeocodeError:
    with pytest.raises(GeocodeError) as info:
        geocoder.geocode(q)
    return info.value


def codes(places: list[Place]) -> list[str]:
    return [p.postcode for p in places]


def test_implements_the_protocol(geocoder: PostcodeGeocoder) -> None:
    as_protocol: Geocoder = geocoder
    assert as_protocol.geocode("8000").place.postcode == "8000"


@pytest.mark.parametrize(
    "q",
    [
        "8000",
        " 8000 ",
        "8000 Aarhus C",
        "8000 aarhus c",
        "8000 AARHUS C",
        "8000, Aarhus C",
        "8000 Århus C",  # the old spelling
        "8000 Aarhus",  # the district letter left out
        "Vestergade 12, 8000 Aarhus C",
        "Vestergade 12 2. th., 8000 Aarhus C",
        "Vestergade 12, 2. th, 8000 Aarhus C.",
        "Vestergade 12, 8000 Aarhus C, Danmark",
        "DK-8000 Aarhus C",
        "Vestergade 12, Aarhus C",  # no postcode: the town is enough
        "Aarhus C",
        "aarhus c",
    ],
)
def test_places_aarhus_c(geocoder: PostcodeGeocoder, q: str) -> None:
    found = geocoder.geocode(q)
    assert found.place.postcode == "8000"
    assert found.place.name == "Aarhus C"
    assert found.precision == "postcode"
    assert found.query == q


@pytest.mark.parametrize("q", ["Vanløse", "vanløse", "VANLØSE", "Vanloese", "Vanlose", "2720"])
def test_town_alone(geocoder: PostcodeGeocoder, q: str) -> None:
    found = geocoder.geocode(q)
    assert found.place.postcode == "2720"
    assert found.alternatives == ()


@pytest.mark.parametrize(
    ("q", "postcode"),
    [
        ("Ærøskøbing", "5970"),
        ("aeroeskoebing", "5970"),
        ("Åbenrå", "6200"),  # the postal name is "Aabenraa"
        ("Ålborg", "9000"),
        ("Aalborg", "9000"),
        ("Bylderup Bov", "6372"),  # the postal name has a hyphen
        ("Frederiksberg", "2000"),  # not the same name as "Frederiksberg C"
    ],
)
def test_town_spellings(geocoder: PostcodeGeocoder, q: str, postcode: str) -> None:
    assert geocoder.geocode(q).place.postcode == postcode


def test_a_name_with_many_postcodes_gives_the_lowest_and_the_rest_as_alternatives(
    geocoder: PostcodeGeocoder,
) -> None:
    found = geocoder.geocode("København K")
    assert found.place.postcode == "1050"
    assert len(found.alternatives) == 231
    assert {p.name for p in found.alternatives} == {"København K"}
    alternatives = codes(list(found.alternatives))
    assert alternatives == sorted(alternatives)
    assert "1050" not in alternatives
    assert geocoder.geocode("kobenhavn v").place.postcode == "1550"
    assert geocoder.geocode("Frederiksberg C").place.postcode == "1800"


def test_a_postcode_with_its_own_name_has_no_alternatives(geocoder: PostcodeGeocoder) -> None:
    assert geocoder.geocode("1051 København K").alternatives == ()


def test_a_town_that_contradicts_the_postcode_is_refused(geocoder: PostcodeGeocoder) -> None:
    error = refused(geocoder, "8000 København")
    assert error.query == "8000 København"
    assert "8000" in error.reason_en
    assert "Aarhus C" in error.reason_da
    assert "København" in error.reason_da
    assert str(error) == error.reason_en
    # The postcode's own place first, then the towns the name may have meant.
    assert error.suggestions[0].postcode == "8000"
    others = {p.name for p in error.suggestions[1:]}
    assert "København K" in others
    assert others <= {
        "København K", "København V", "København Ø", "København N", "København S",
        "København NV", "København SV",
    }  # fmt: skip


@pytest.mark.parametrize("q", ["2300 København V", "8200 Aarhus C", "2720 Valby"])
def test_a_district_letter_must_agree_too(geocoder: PostcodeGeocoder, q: str) -> None:
    # "v" occurs inside "København S"; agreeing needs the start of a word.
    error = refused(geocoder, q)
    assert error.suggestions[0].postcode == q[:4]
    assert len(error.suggestions) > 1


@pytest.mark.parametrize("q", ["0001", "0800", "9999", "0001 Aarhus C"])
def test_unknown_postcode(geocoder: PostcodeGeocoder, q: str) -> None:
    error = refused(geocoder, q)
    assert q[:4] in error.reason_en
    assert q[:4] in error.reason_da
    assert error.suggestions


def test_unknown_postcode_suggests_the_numerically_nearest(geocoder: PostcodeGeocoder) -> None:
    error = refused(geocoder, "9999")
    assert codes(error.suggestions) == ["9990", "9982", "9981", "9970", "9940"]


def test_unknown_postcode_with_a_known_town_suggests_the_town_first(
    geocoder: PostcodeGeocoder,
) -> None:
    error = refused(geocoder, "0001 Aarhus C")
    assert error.suggestions[0].postcode == "8000"
    assert error.suggestions[1].postcode == "1050"


@pytest.mark.parametrize("q", ["", "   ", ",", " , "])
def test_empty(geocoder: PostcodeGeocoder, q: str) -> None:
    error = refused(geocoder, q)
    assert error.suggestions == []
    assert error.reason_da.startswith("Skriv")
    assert error.reason_en.startswith("Enter")


@pytest.mark.parametrize("q", ["xyzzy", "Vestergade 12", "!!!", "8000Aarhus"])
def test_nonsense(geocoder: PostcodeGeocoder, q: str) -> None:
    error = refused(geocoder, q)
    assert error.suggestions == []
    assert error.reason_en.startswith("Cannot place")


@pytest.mark.parametrize(("q", "first"), [("800", "8000"), ("80000", "8000"), ("27", "2700")])
def test_not_four_digits(geocoder: PostcodeGeocoder, q: str, first: str) -> None:
    error = refused(geocoder, q)
    assert error.suggestions[0].postcode == first
    assert all(p.postcode.startswith(q[:4]) for p in error.suggestions)


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("København", {"København K", "København V", "København Ø", "København N"}),
        ("Aarhus", {"Aarhus C", "Aarhus N", "Aarhus V"}),
        ("Århus", {"Aarhus C", "Aarhus N", "Aarhus V"}),
    ],
)
def test_a_town_name_shared_by_districts_is_ambiguous(
    geocoder: PostcodeGeocoder, q: str, names: set[str]
) -> None:
    error = refused(geocoder, q)
    assert "several" in error.reason_en
    assert "flere" in error.reason_da
    assert names <= {p.name for p in error.suggestions}
    # One suggestion per name, not 232 postcodes of København K.
    assert len({p.name for p in error.suggestions}) == len(error.suggestions)


def test_a_long_query_is_cut_short_in_the_message(geocoder: PostcodeGeocoder) -> None:
    error = refused(geocoder, "x" * 500)
    assert len(error.reason_en) < 200
    assert "…" in error.reason_da


def test_suggest_by_name_prefix(geocoder: PostcodeGeocoder) -> None:
    assert [p.name for p in geocoder.suggest("vanl")] == ["Vanløse"]
    aarhus = geocoder.suggest("aarh", limit=10)
    assert [p.name for p in aarhus] == ["Aarhus C", "Aarhus N", "Aarhus V"]


def test_suggest_exact_name_before_longer_names(geocoder: PostcodeGeocoder) -> None:
    names = [p.name for p in geocoder.suggest("Frederiksberg")]
    assert names[:2] == ["Frederiksberg", "Frederiksberg C"]


def test_suggest_forgives_missing_danish_letters(geocoder: PostcodeGeocoder) -> None:
    assert [p.postcode for p in geocoder.suggest("Kobenhavn O")] == ["2100"]
    assert geocoder.suggest("aerosk")[0].name == "Ærøskøbing"


def test_suggest_by_digits(geocoder: PostcodeGeocoder) -> None:
    assert codes(geocoder.suggest("8000")) == ["8000"]
    assert codes(geocoder.suggest("82")) == ["8200", "8210", "8220", "8230", "8240"]
    assert codes(geocoder.suggest("DK-82", limit=2)) == ["8200", "8210"]


def test_suggest_limits(geocoder: PostcodeGeocoder) -> None:
    assert len(geocoder.suggest("1", limit=3)) == 3
    assert geocoder.suggest("1", limit=0) == []
    assert geocoder.suggest("") == []
    assert geocoder.suggest("xyzzy") == []


def test_a_geocoder_from_given_places() -> None:
    here = GeoPoint(lat=55.0, lon=12.0)
    geocoder = PostcodeGeocoder(
        [Place("9999", "Testby", here, (101,)), Place("1111", "Testby", here, (101,))]
    )
    found = geocoder.geocode("testby")
    assert found.place.postcode == "1111"
    assert codes(list(found.alternatives)) == ["9999"]
