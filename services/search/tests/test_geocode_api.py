"""GET /v1/geocode."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from dagkit.web import create_service_app, install_context, openapi_document
from search.adapters.reference_files import load_geocoder
from search.api.geocode import blp
from search.testing.fakes import fake_context

DATA_DIR = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture(scope="module")
def app() -> Flask:
    app, api = create_service_app("search", {}, title="t")
    install_context(app, fake_context(geocoder=load_geocoder(DATA_DIR)))
    api.register_blueprint(blp)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_places_an_address(client: FlaskClient) -> None:
    response = client.get("/v1/geocode", query_string={"q": "Vestergade 12, 8000 Aarhus C"})
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "query": "Vestergade 12, 8000 Aarhus C",
        "lat": pytest.approx(56.15, abs=0.1),
        "lon": pytest.approx(10.2, abs=0.1),
        "postcode": "8000",
        "name": "Aarhus C",
        "precision": "postcode",
        "municipality_codes": [751],
        "alternatives": [],
    }


def test_places_a_town_with_danish_letters_spelled_out(client: FlaskClient) -> None:
    body = client.get("/v1/geocode?q=Vanloese").get_json()
    assert (body["postcode"], body["name"]) == ("2720", "Vanløse")


def test_a_shared_name_lists_the_other_postcodes(client: FlaskClient) -> None:
    body = client.get("/v1/geocode", query_string={"q": "København K"}).get_json()
    assert body["postcode"] == "1050"
    assert len(body["alternatives"]) == 231
    assert body["alternatives"][0] == "1051"


def test_unplaceable_input_gives_reasons_and_suggestions(client: FlaskClient) -> None:
    response = client.get("/v1/geocode", query_string={"q": "8000 København"})
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == 422
    assert body["status"] == "Unprocessable Entity"
    assert body["message"] == "Postcode 8000 belongs to Aarhus C, not København."
    assert body["message_da"] == "Postnummeret 8000 hører til Aarhus C, ikke København."
    first = body["suggestions"][0]
    assert set(first) == {"postcode", "name", "lat", "lon"}
    assert (first["postcode"], first["name"]) == ("8000", "Aarhus C")
    assert "København K" in {s["name"] for s in body["suggestions"]}


# "\r\x0c\x85": blank to Python's \s, not to JSON Schema's; the schema and the
# check agree that it is something, which the geocoder then cannot place.
@pytest.mark.parametrize("q", ["0001", "xyzzy", "København", ",", "\r\x0c\x0c\x85"])
def test_refusals_share_one_shape(client: FlaskClient, q: str) -> None:
    response = client.get("/v1/geocode", query_string={"q": q})
    assert response.status_code == 422
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "message_da", "suggestions"}
    assert body["message"]
    assert body["message_da"]


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}])
def test_a_q_that_fails_validation_gets_the_same_shape(
    client: FlaskClient, query: dict[str, str]
) -> None:
    response = client.get("/v1/geocode", query_string=query)
    assert response.status_code == 422
    body = response.get_json()
    # The documented GeocodeError, with the validation errors beside it.
    assert set(body) == {"code", "status", "message", "message_da", "suggestions", "errors"}
    assert "q" in body["errors"]["query"]
    assert "q" in body["message"]
    assert body["suggestions"] == []
    assert body["code"] == 422


def test_every_422_matches_the_documented_schema(app: Flask, client: FlaskClient) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    schema = spec["paths"]["/v1/geocode"]["get"]["responses"]["422"]["content"]["application/json"][
        "schema"
    ]
    resolver = {"components": spec["components"], **schema}
    for query in ({}, {"q": ""}, {"q": "x" * 201}, {"q": "xyzzy"}, {"q": "8000 København"}):
        body = client.get("/v1/geocode", query_string=query).get_json()
        jsonschema.validate(body, resolver)


def test_a_blank_q_is_refused_by_the_schema(app: Flask) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    [q] = spec["paths"]["/v1/geocode"]["get"]["parameters"]
    assert q["schema"]["minLength"] == 1
    pattern = re.compile(q["schema"]["pattern"])
    assert not pattern.search("   ")
    assert pattern.search(" 8000 ")


def test_documented_in_openapi(app: Flask) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    operation = spec["paths"]["/v1/geocode"]["get"]
    assert {"200", "422"} <= set(operation["responses"])
    assert operation["parameters"][0]["name"] == "q"
    assert "GeocodeError" in spec["components"]["schemas"]
