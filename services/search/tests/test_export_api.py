"""GET /v1/export.csv and /v1/export.json: open data of the active institutions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from dagkit.web import openapi_document
from dagtilbud_contracts.registry import new_event
from search.adapters.orm import institutions
from search.api.export import COLUMNS, FACT_COLUMNS, csv_cell
from search.testing.events import apply_batch, institution_events, statistics_events

LOADED = 300
FORMULA_NAME = '=HYPERLINK("http://example.invalid";"Klik; her")'


@pytest.fixture
def engine(search_engine: Engine) -> Engine:
    events = institution_events(limit=LOADED)
    closed = new_event(
        "dk.dagtilbud.institution.closed.v1",
        events[1].data | {"status": "closed", "closed_on": "2024-06-30"},
        aggregate_version=2,
    )
    formula = new_event(
        "dk.dagtilbud.institution.registered.v1",
        events[0].data
        | {
            "institution_number": "ZZ0001",
            "name": FORMULA_NAME,
            "address": {"street": "@Vej 1", "postcode": "0800", "city": "Høje Taastrup"},
        },
        aggregate_version=1,
    )
    apply_batch(search_engine, [*statistics_events(), *events, closed, formula])
    return search_engine


@pytest.fixture
def app(engine: Engine, pg_database: str, make_search_app: Callable[..., Flask]) -> Flask:
    return make_search_app(pg_database)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _active(engine: Engine) -> int:
    with engine.connect() as conn:
        query = select(func.count()).where(institutions.c.status == "active")
        return int(conn.execute(query).scalar_one())


def _csv(client: FlaskClient) -> tuple[bytes, list[dict[str, str]]]:
    response = client.get("/v1/export.csv")
    assert response.status_code == 200
    assert response.is_streamed
    raw = response.get_data()
    text = raw.decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    return raw, rows


def test_csv_is_excel_friendly_utf8_with_semicolons(client: FlaskClient, engine: Engine) -> None:
    response = client.get("/v1/export.csv")
    assert response.headers["Content-Disposition"] == "attachment; filename=dagtilbud.csv"
    assert response.mimetype == "text/csv"
    assert response.mimetype_params["charset"] == "utf-8"
    raw, rows = _csv(client)
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8").removeprefix("\ufeff").split("\r\n")[0]
    assert header.split(";") == list(COLUMNS)
    assert len(rows) == _active(engine) == LOADED  # the closed one is left out, ZZ0001 added
    assert "København" in {row["municipality_name"] for row in rows}


def test_csv_rows_carry_facts_and_latest_figures(client: FlaskClient) -> None:
    _raw, rows = _csv(client)
    source = institution_events(limit=1)[0].data
    row = next(r for r in rows if r["number"] == source["institution_number"])
    assert row["name"] == source["name"]
    assert row["address"] == source["address"]["street"]
    assert row["postcode"] == source["address"]["postcode"]
    assert float(row["lat"]) == source["location"]["lat"]
    assert row["accepts_3_5"] in {"true", "false"}
    assert row["municipality_code"] == str(source["municipality_code"])
    assert source["municipality_code"] == 101
    # København's figures, named as the municipality's, not the institution's.
    assert row["municipality_normering_0_2"] == "2.8"
    assert row["municipality_normering_0_2_year"] == "2023"
    assert row["municipality_normering_0_2_series"] == "opgoerelse_fra_2023"
    assert "municipality_antal_boern_series" not in row
    assert row["municipality_antal_boern"] == "30467"  # a count, written as a whole number
    assert row["municipality_andel_ikke_dansk_baggrund_pct"] == ""  # missing, not zero
    assert not {"normering_0_2", "antal_boern", "normering_0_2_year"} & set(row)


def test_csv_escapes_text_a_spreadsheet_would_run(client: FlaskClient) -> None:
    _raw, rows = _csv(client)
    row = next(r for r in rows if r["number"] == "ZZ0001")
    assert row["name"] == "'" + FORMULA_NAME
    assert row["address"] == "'@Vej 1"
    assert row["postcode"] == "0800"
    assert row["city"] == "Høje Taastrup"
    assert float(row["lon"]) > 0


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+2", "'=1+2"),
        ("+45 12345678", "'+45 12345678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Børnehuset = godt", "Børnehuset = godt"),
        (55.5, 55.5),
        (True, "true"),
        (None, ""),
    ],
)
def test_csv_cells(value: object, cell: object) -> None:
    assert csv_cell("name", value) == cell


def test_json_export_counts_the_active_institutions(client: FlaskClient, engine: Engine) -> None:
    response = client.get("/v1/export.json")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == len(body["institutions"]) == _active(engine)
    assert datetime.fromisoformat(body["generated_at"]).tzinfo is not None
    numbers = [i["number"] for i in body["institutions"]]
    assert institution_events(limit=2)[1].data["institution_number"] not in numbers  # closed
    record = next(i for i in body["institutions"] if i["number"] == "ZZ0001")
    assert record["name"] == FORMULA_NAME  # JSON needs no escaping
    assert set(record) == {*FACT_COLUMNS, "municipality_figures"}
    assert isinstance(record["accepts_0_2"], bool)


def test_documented_in_openapi(app: Flask) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    csv_operation = spec["paths"]["/v1/export.csv"]["get"]
    assert "text/csv" in csv_operation["responses"]["200"]["content"]
    assert "semicolon" in csv_operation["responses"]["200"]["description"]
    json_operation = spec["paths"]["/v1/export.json"]["get"]
    assert "application/json" in json_operation["responses"]["200"]["content"]
    institution = spec["components"]["schemas"]["ExportInstitution"]["properties"]
    assert "municipality_figures" in institution
    assert "MUNICIPALITY" in institution["municipality_figures"]["description"]
    assert "normering_0_2" not in institution
    csv_description = csv_operation["responses"]["200"]["description"]
    assert "municipality_normering_0_2_year" in csv_description
    assert "not figures of the institution" in csv_description


def test_json_export_names_the_figures_as_the_municipalitys(client: FlaskClient) -> None:
    body = client.get("/v1/export.json").get_json()
    source = institution_events(limit=1)[0].data
    record = next(i for i in body["institutions"] if i["number"] == source["institution_number"])
    assert source["municipality_code"] == 101
    figures = record["municipality_figures"]
    assert figures["antal_boern"]["value"] == 30467  # København's children, not the unit's
    assert figures["antal_boern"]["year"] == 2023
    assert figures["normering_0_2"] == {
        "value": 2.8,
        "year": 2023,
        "source": figures["normering_0_2"]["source"],
        "series": "opgoerelse_fra_2023",
    }
    assert figures["antal_boern"]["series"] is None
    assert figures["normering_0_2"]["source"]
    assert figures["andel_ikke_dansk_baggrund_pct"] is None  # missing, not zero
    assert not {"antal_boern", "normering_0_2"} & set(record)


def test_json_export_is_streamed(client: FlaskClient, engine: Engine) -> None:
    response = client.get("/v1/export.json")
    assert response.is_streamed
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["count"] == len(body["institutions"]) == _active(engine)


DANISH = [
    ("ZZ0106", "Abildgården"),
    ("ZZ0104", "Zebra"),
    ("ZZ0103", "Ærtehaven"),
    ("ZZ0105", "Østerled"),
    ("ZZ0102", "Aabenraa Vuggestue"),
    ("ZZ0101", "Åbo Børnehus"),
]


def test_exports_are_in_danish_alphabetical_order(
    client: FlaskClient, search_engine: Engine
) -> None:
    [template] = institution_events(limit=1)
    apply_batch(
        search_engine,
        [
            new_event(
                "dk.dagtilbud.institution.registered.v1",
                template.data | {"institution_number": number, "name": name},
                aggregate_version=1,
            )
            for number, name in DANISH
        ],
    )
    ours = {number for number, _ in DANISH}
    _raw, rows = _csv(client)
    assert [(r["number"], r["name"]) for r in rows if r["number"] in ours] == DANISH
    records = client.get("/v1/export.json").get_json()["institutions"]
    assert [(r["number"], r["name"]) for r in records if r["number"] in ours] == DANISH
    assert [r["number"] for r in records] == [r["number"] for r in rows]
