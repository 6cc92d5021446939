"""GET /v1/municipalities, /v1/municipalities/<code> and /v1/statistics/national
on the shipped municipal statistics."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from dagkit.web import openapi_document
from dagtilbud_contracts.vocabulary import INDICATORS
from search.api.statistics import METHOD_DESCRIPTION_DA
from search.domain import figures
from search.testing.events import apply_batch, statistics_events

BETTER_LOWER = ("normering_0_2", "normering_3_5", "normering_dagpleje")


@pytest.fixture
def app(search_engine: Engine, pg_database: str, make_search_app: Callable[..., Flask]) -> Flask:
    apply_batch(search_engine, statistics_events())
    return make_search_app(pg_database)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _data() -> dict[tuple[str, int], dict[int, float]]:
    """(indicator, year) -> municipality code -> value, straight from the events."""
    out: dict[tuple[str, int], dict[int, float]] = {}
    for event in statistics_events():
        for figure in event.data["figures"]:
            key = (figure["indicator"], figure["year"])
            out.setdefault(key, {})[event.data["municipality_code"]] = figure["value"]
    return out


def _expected_rank(indicator: str, values: dict[int, float], code: int) -> tuple[int | None, int]:
    # Places in the sorted list of ranked values; the first place of an equal value.
    ranked = sorted(
        (v for v in values.values() if not (indicator in BETTER_LOWER and v == 0)),
        reverse=indicator not in BETTER_LOWER,
    )
    own = values.get(code)
    if own is None or own not in ranked:
        return None, len(ranked)
    return ranked.index(own) + 1, len(ranked)


def test_lists_all_98_municipalities_with_their_latest_figures(client: FlaskClient) -> None:
    response = client.get("/v1/municipalities")
    assert response.status_code == 200
    body = response.get_json()
    assert body["count"] == 98
    assert len(body["municipalities"]) == 98
    kbh = next(m for m in body["municipalities"] if m["code"] == 101)
    assert kbh["name"] == "København"
    latest = kbh["latest"]
    assert latest["normering_0_2"]["year"] == 2023
    assert latest["normering_0_2"]["value"] == 2.8
    assert latest["antal_boern"] == {
        "value": 30467.0,
        "year": 2023,
        "source": "Uddannelsesstatistik.dk (Børne- og Undervisningsministeriet)",
        "series": None,
    }
    # Not in the shipped data: null, not zero.
    assert latest["andel_ikke_dansk_baggrund_pct"] is None


def test_ranks_every_municipality_as_an_independent_count_does(client: FlaskClient) -> None:
    data = _data()
    checked = 0
    for code in sorted({c for values in data.values() for c in values}):
        body = client.get(f"/v1/municipalities/{code}").get_json()
        series = {s["indicator"]: s for s in body["indicators"]}
        for indicator in ("normering_0_2", "normering_dagpleje", "andel_paedagogisk_uddannet_pct"):
            for year_row in series[indicator]["years"]:
                values = data[(indicator, year_row["year"])]
                rank, among = _expected_rank(indicator, values, code)
                assert (year_row["rank"], year_row["ranked_among"]) == (rank, among), (
                    code,
                    indicator,
                    year_row["year"],
                )
                checked += 1
    assert checked > 98 * 7 * 2


def test_lower_normering_and_higher_education_rank_first(client: FlaskClient) -> None:
    data = _data()
    values = data[("normering_3_5", 2023)]
    best = min(values, key=lambda c: values[c])
    body = client.get(f"/v1/municipalities/{best}").get_json()
    series = next(s for s in body["indicators"] if s["indicator"] == "normering_3_5")
    assert series["better"] == "lower"
    assert next(y for y in series["years"] if y["year"] == 2023)["rank"] == 1

    shares = data[("andel_paedagogisk_uddannet_pct", 2023)]
    best = max(shares, key=lambda c: shares[c])
    body = client.get(f"/v1/municipalities/{best}").get_json()
    series = next(
        s for s in body["indicators"] if s["indicator"] == "andel_paedagogisk_uddannet_pct"
    )
    assert series["better"] == "higher"
    assert series["years"][-1] == {
        "year": 2023,
        "value": shares[best],
        "source": series["years"][-1]["source"],
        "national": series["years"][-1]["national"],
        "series": None,
        "series_break": False,
        "rank": 1,
        "ranked_among": len(shares),
    }


def test_no_offer_and_unranked_indicators_have_no_rank(client: FlaskClient) -> None:
    # Helsingør has no dagpleje (normering 0).
    body = client.get("/v1/municipalities/217").get_json()
    assert body["code"] == 217
    assert body["name"] == "Helsingør"
    assert "lower is better" in body["ranking_rule"]
    series = {s["indicator"]: s for s in body["indicators"]}
    assert [s["indicator"] for s in body["indicators"]] == list(INDICATORS)
    dagpleje_2023 = series["normering_dagpleje"]["years"][-1]
    assert dagpleje_2023["value"] == 0
    assert dagpleje_2023["rank"] is None
    # Helsingør is not counted, nor any other municipality without dagpleje.
    offered = [v for v in _data()[("normering_dagpleje", 2023)].values() if v > 0]
    assert dagpleje_2023["ranked_among"] == len(offered) < 98
    assert series["andel_ikke_dansk_baggrund_pct"]["years"] == []

    body = client.get("/v1/municipalities/101").get_json()
    children = next(s for s in body["indicators"] if s["indicator"] == "antal_boern")
    assert children["better"] is None
    assert children["years"]
    assert all(y["rank"] is None and y["ranked_among"] is None for y in children["years"])


def test_every_year_carries_the_national_figure_and_its_method(client: FlaskClient) -> None:
    body = client.get("/v1/municipalities/101").get_json()
    series = {s["indicator"]: s for s in body["indicators"]}
    years = series["normering_3_5"]["years"]
    assert [y["year"] for y in years] == list(range(2017, 2024))
    assert years[0]["national"]["method"] == figures.UNWEIGHTED
    assert years[-1]["national"]["method"] == figures.WEIGHTED
    assert years[-1]["national"]["municipalities"] >= 90
    assert series["antal_boern"]["years"][-1]["national"]["method"] == figures.SUM


@pytest.mark.parametrize("code", [411, 999, 100])
def test_an_unknown_code_is_not_found(client: FlaskClient, code: int) -> None:
    response = client.get(f"/v1/municipalities/{code}")
    assert response.status_code == 404
    assert str(code) in response.get_json()["message"]


@pytest.mark.parametrize("code", ["0", "99", "1000", "1081", "99999999999999999999", "9" * 400])
def test_a_code_out_of_range_is_a_validation_error(client: FlaskClient, code: str) -> None:
    response = client.get(f"/v1/municipalities/{code}")
    assert response.status_code == 422
    body = response.get_json()
    assert "three digits" in body["message"]
    assert "code" in body["errors"]["path"]


def test_the_code_range_is_documented(app: Flask) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    path = spec["paths"]["/v1/municipalities/{code}"]
    [code] = [p for p in path["parameters"] if p["name"] == "code"]
    assert (code["schema"]["minimum"], code["schema"]["maximum"]) == (100, 999)
    assert "422" in path["get"]["responses"]


def test_national_figures_show_their_methods(client: FlaskClient) -> None:
    response = client.get("/v1/statistics/national")
    assert response.status_code == 200
    body = response.get_json()
    series = {s["indicator"]: {y["year"]: y for y in s["years"]} for s in body["indicators"]}
    assert series["normering_3_5"][2017]["method"] == figures.UNWEIGHTED
    assert series["normering_3_5"][2023]["method"] == figures.WEIGHTED
    assert 5.0 < series["normering_3_5"][2023]["value"] < 7.0
    assert series["antal_boern"][2023]["method"] == figures.SUM
    assert series["antal_boern"][2023]["municipalities"] >= 90
    # Helsingør's 0 (no dagpleje) is left out of the national figure.
    offered = [v for v in _data()[("normering_dagpleje", 2017)].values() if v > 0]
    assert series["normering_dagpleje"][2017]["municipalities"] == len(offered) < 98
    # The explanation is the domain module's own, and in Danish too.
    assert body["method_description"]["en"] == " ".join(
        (figures.__doc__ or "").replace("``", "").split()
    )
    assert body["method_description"]["da"] == METHOD_DESCRIPTION_DA
    assert "vægtet med deres antal børn" in body["method_description"]["da"]
    methods = {m["method"] for m in body["methods"]}
    assert methods == {figures.WEIGHTED, figures.UNWEIGHTED, figures.SUM, figures.NO_DATA}
    assert all(m["en"] and m["da"] for m in body["methods"])


def test_documented_in_openapi(app: Flask) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    detail = spec["paths"]["/v1/municipalities/{code}"]["get"]
    assert {"200", "404"} <= set(detail["responses"])
    assert "lower is better" in detail["description"]
    assert "/v1/municipalities" in spec["paths"]
    assert "/v1/statistics/national" in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert "StatsMunicipalityDetail" in schemas
    assert "rank" in schemas["StatsYear"]["properties"]
    assert "normering_0_2" in schemas["MunicipalFigures"]["properties"]
    assert "series" in schemas["MunicipalFigure"]["properties"]


def test_normering_carries_its_series_and_the_2023_change_is_marked_as_a_break(
    client: FlaskClient,
) -> None:
    body = client.get("/v1/municipalities/101").get_json()
    series = next(s for s in body["indicators"] if s["indicator"] == "normering_0_2")
    by_year = {y["year"]: y for y in series["years"]}
    assert by_year[2022]["series"] == "opgoerelse_til_2022"
    assert by_year[2023]["series"] == "opgoerelse_fra_2023"
    assert [y["year"] for y in series["years"] if y["series_break"]] == [2023]
    # The national figure beside each year is of the same series.
    assert by_year[2023]["national"] is not None
    latest = next(
        m for m in client.get("/v1/municipalities").get_json()["municipalities"] if m["code"] == 101
    )["latest"]
    assert latest["normering_0_2"]["series"] == "opgoerelse_fra_2023"

    national = client.get("/v1/statistics/national").get_json()
    years = next(i for i in national["indicators"] if i["indicator"] == "normering_3_5")["years"]
    assert [(y["year"], y["series"]) for y in years if y["series_break"]] == [
        (2023, "opgoerelse_fra_2023")
    ]
    assert {y["series"] for y in years if y["year"] <= 2022} == {"opgoerelse_til_2022"}
    education = next(
        i for i in national["indicators"] if i["indicator"] == "andel_paedagogisk_uddannet_pct"
    )
    assert {y["series"] for y in education["years"]} == {None}
