"""Methods, CORS and bounds: each answer says what is wrong, and no input
gives a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
from flask import Flask

from dagkit.web import openapi_document

AARHUS = {"lat": 56.1572, "lon": 10.2107}


@pytest.fixture
def app(national_url: str, redis_client: Any, make_search_app: Callable[..., Flask]) -> Flask:
    return make_search_app(national_url)


def test_options_answers_as_options_even_after_the_same_search_was_cached(app: Flask) -> None:
    client = app.test_client()
    query = "lat=56.1572&lon=10.2107&radius_km=2"
    client.get(f"/v1/search?{query}")
    assert client.get(f"/v1/search?{query}").headers["X-Cache"] == "hit"
    response = client.options(f"/v1/search?{query}")
    assert response.status_code == 200
    assert response.get_data() == b""
    assert "X-Cache" not in response.headers
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/search?lat=56.1572&lon=10.2107",
        "/v1/geocode?q=8000",
        "/v1/compare?ids=G18062,D10041",
        "/v1/institutions/D10041",
        "/v1/municipalities",
        "/v1/municipalities/101",
        "/v1/statistics/national",
        "/v1/export.csv",
        "/v1/export.json",
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_method_not_allowed_says_which_are(app: Flask, path: str, method: str) -> None:
    client = app.test_client()
    client.get(path)  # a cached GET must not answer another method either
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_json()["code"] == 405


@pytest.mark.parametrize("path", ["/v1/export.csv", "/v1/export.json"])
def test_the_open_data_export_may_be_read_from_any_site(app: Flask, path: str) -> None:
    client = app.test_client()
    response = client.get(path, headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # No cookies or credentials are involved, so none are allowed.
    assert "Access-Control-Allow-Credentials" not in response.headers
    response.close()
    preflight = client.options(path, headers={"Origin": "https://example.org"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


OUT_OF_RANGE: list[tuple[str, str]] = [
    (name, value)
    for name in ("lat", "lon", "radius_km")
    for value in ("-1", "0", "1e308", "-1e308", "1e400", "nan", "inf", "-inf", "x", "")
] + [
    (name, value)
    for name in ("municipality", "limit")
    for value in ("-1", "0", "1000", "99999999999999999999", "9" * 400, "1.5", "nan", "x", "")
]


@pytest.mark.parametrize(("name", "value"), OUT_OF_RANGE)
def test_a_number_out_of_range_is_a_validation_error(app: Flask, name: str, value: str) -> None:
    params = {**AARHUS, name: value}
    response = app.test_client().get("/v1/search", query_string=params)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert name in response.get_json()["errors"]["query"]


@pytest.mark.parametrize("number", ["%00", "G1806", "G180620", "G18-62", "%F0%9F%98%80x", "æøå123"])
def test_a_malformed_institution_number_is_a_validation_error(app: Flask, number: str) -> None:
    response = app.test_client().get(f"/v1/institutions/{number}")
    assert response.status_code == 422
    body = response.get_json()
    assert "number" in body["errors"]["path"]
    assert "institution number" in body["message"]


def _documented_422(app: Flask, path: str) -> dict[str, Any]:
    spec = openapi_document(app.extensions["dagkit.api"])
    schema = spec["paths"][path]["get"]["responses"]["422"]["content"]["application/json"]
    return {"components": spec["components"], **schema["schema"]}


@pytest.mark.parametrize(
    "query",
    [
        {},  # neither a point nor q
        {"lat": "56"},  # lat without lon
        {"q": ""},
        {"q": "   "},
        {"q": "xyzzy"},  # cannot be placed: suggestions
        {"q": "8000 København"},
        {**AARHUS, "kind": ""},
        {**AARHUS, "kind": "vuggestue,"},
        {**AARHUS, "ownership": "kommunal,nope"},
        {**AARHUS, "cursor": "forged"},
        {**AARHUS, "limit": "0"},
        {**AARHUS, "open_places": "0-5"},
        {**AARHUS, "language": ["en", "xx"]},
        {**AARHUS, "organic_min": "101"},
    ],
)
def test_every_search_422_has_the_documented_shape(app: Flask, query: dict[str, str]) -> None:
    response = app.test_client().get("/v1/search", query_string=query)
    assert response.status_code == 422
    body = response.get_json()
    jsonschema.validate(body, _documented_422(app, "/v1/search"))
    assert body["message"]
    assert body["message_da"]


def test_a_search_answer_matches_its_documented_schema(app: Flask) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    schema = spec["paths"]["/v1/search"]["get"]["responses"]["200"]["content"]["application/json"]
    documented = {"components": spec["components"], **schema["schema"]}
    client = app.test_client()
    for params in (
        {**AARHUS, "radius_km": 3, "limit": 100},
        {"q": "8000", "sort": "normering", "age_group": "0-2"},
        {**AARHUS, "radius_km": 20, "meal": "offered", "sort": "name"},
        {**AARHUS, "radius_km": 20, "open_places": "3-5", "language": "en"},
        {**AARHUS, "radius_km": 20, "organic_min": 50, "language": ["ar", "en"]},
    ):
        for _ in range(2):  # computed, then from the cache
            jsonschema.validate(
                client.get("/v1/search", query_string=params).get_json(), documented
            )


def test_comma_lists_are_documented_so_an_empty_value_is_refused(app: Flask) -> None:
    import re

    spec = openapi_document(app.extensions["dagkit.api"])
    parameters = {p["name"]: p for p in spec["paths"]["/v1/search"]["get"]["parameters"]}
    for name in ("kind", "ownership"):
        pattern = re.compile(parameters[name]["schema"]["pattern"])
        assert not pattern.search("")
        assert not pattern.search("vuggestue,")
    assert re.compile(parameters["kind"]["schema"]["pattern"]).search("vuggestue,dagpleje")
    assert parameters["q"]["schema"]["minLength"] == 1
    assert parameters["cursor"]["schema"]["minLength"] == 1
