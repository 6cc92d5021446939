"""GET /v1/compare: institutions side by side, and which differences mean something."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import combinations
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from dagkit.envelope import Envelope
from dagkit.web import openapi_document
from dagtilbud_contracts.vocabulary import INDICATORS
from search.domain.comparison import significance
from search.testing.events import apply_batch, institution_events, statistics_events

HELSINGOER = 217  # normering_dagpleje 0: no dagpleje


def _latest_2023() -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = defaultdict(dict)
    for event in statistics_events():
        for figure in event.data["figures"]:
            if figure["year"] == 2023:
                out[figure["indicator"]][event.data["municipality_code"]] = figure["value"]
    return out


LATEST = _latest_2023()
INSTITUTIONS: dict[int, list[Envelope]] = defaultdict(list)
for _event in institution_events():
    INSTITUTIONS[_event.data["municipality_code"]].append(_event)


def _pair(indicator: str, test: str) -> tuple[int, int]:
    """Two municipalities (both with institutions) whose 2023 figures differ as asked."""
    values = LATEST[indicator]
    for a, b in combinations(sorted(values), 2):
        if not (INSTITUTIONS[a] and INSTITUTIONS[b]) or 0 in (values[a], values[b]):
            continue
        tenths = round(abs(values[a] - values[b]) * 10)
        if (test == "exactly 0.6" and tenths == 6) or (test == "0.5" and tenths == 5):
            return a, b
    raise AssertionError(f"no pair for {indicator} {test}")


EXACT = _pair("normering_0_2", "exactly 0.6")
CLOSE = _pair("normering_0_2", "0.5")


@pytest.fixture
def app(search_engine: Engine, pg_database: str, make_search_app: Callable[..., Flask]) -> Flask:
    codes = {101, HELSINGOER, *EXACT, *CLOSE}
    apply_batch(
        search_engine,
        [
            *statistics_events(),
            *(event for code in codes for event in INSTITUTIONS[code][:3]),
        ],
    )
    return make_search_app(pg_database)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _number(code: int, i: int = 0) -> str:
    return str(INSTITUTIONS[code][i].data["institution_number"])


def _compare(client: FlaskClient, *numbers: str) -> dict[str, dict[str, Any]]:
    response = client.get("/v1/compare", query_string={"ids": ",".join(numbers)})
    assert response.status_code == 200, response.get_json()
    return {row["indicator"]: row for row in response.get_json()["indicators"]}


def test_documents_side_by_side_in_the_order_asked(client: FlaskClient) -> None:
    numbers = [_number(EXACT[1]), _number(EXACT[0], 1), _number(EXACT[0])]
    response = client.get("/v1/compare", query_string={"ids": ",".join(numbers)})
    assert response.status_code == 200
    body = response.get_json()
    assert [d["institution_number"] for d in body["institutions"]] == numbers
    first = body["institutions"][0]
    register = INSTITUTIONS[EXACT[1]][0].data
    assert first["name"] == register["name"]
    assert first["address"] == register["address"]
    assert first["municipality"]["code"] == EXACT[1]
    assert [row["indicator"] for row in first["figures"]] == list(INDICATORS)
    assert "0.6" in body["rule"]["en"]
    assert "0,6" in body["rule"]["da"]
    assert body["rule"]["thresholds"]["normering_3_5"] == 0.6
    assert body["rule"]["thresholds"]["andel_paedagogisk_uddannet_pct"] == 5.0
    assert body["rule"]["thresholds"]["antal_boern"] is None
    row = next(r for r in body["indicators"] if r["indicator"] == "normering_0_2")
    assert [v["institution_number"] for v in row["values"]] == numbers
    assert [v["value"] for v in row["values"]] == [
        LATEST["normering_0_2"][EXACT[1]],
        LATEST["normering_0_2"][EXACT[0]],
        LATEST["normering_0_2"][EXACT[0]],
    ]
    assert {v["year"] for v in row["values"]} == {2023}


def test_same_municipality_is_never_significant(client: FlaskClient) -> None:
    rows = _compare(client, _number(101, 0), _number(101, 1), _number(101, 2))
    for indicator in ("normering_0_2", "normering_3_5", "andel_paedagogisk_uddannet_pct"):
        assert rows[indicator]["difference"] == 0
        assert rows[indicator]["significant"] is False
    # Size is not quality: never judged.
    assert rows["antal_boern"]["difference"] == 0
    assert rows["antal_boern"]["significant"] is None
    # Not in the data: unknown.
    assert rows["andel_ikke_dansk_baggrund_pct"]["difference"] is None
    assert rows["andel_ikke_dansk_baggrund_pct"]["significant"] is None


def test_a_normering_difference_of_0_6_is_significant(client: FlaskClient) -> None:
    rows = _compare(client, _number(EXACT[0]), _number(EXACT[1]))
    assert rows["normering_0_2"]["difference"] == pytest.approx(0.6)
    assert rows["normering_0_2"]["threshold"] == 0.6
    assert rows["normering_0_2"]["significant"] is True


def test_a_normering_difference_of_0_5_is_not(client: FlaskClient) -> None:
    rows = _compare(client, _number(CLOSE[0]), _number(CLOSE[1]))
    assert rows["normering_0_2"]["difference"] == pytest.approx(0.5)
    assert rows["normering_0_2"]["significant"] is False


def test_percentages_need_five_points(client: FlaskClient) -> None:
    shares = LATEST["andel_paedagogisk_uddannet_pct"]
    codes = [101, HELSINGOER, *EXACT, *CLOSE]
    a, b = max(
        combinations([c for c in codes if c in shares], 2),
        key=lambda p: abs(shares[p[0]] - shares[p[1]]),
    )
    rows = _compare(client, _number(a), _number(b))
    row = rows["andel_paedagogisk_uddannet_pct"]
    difference = abs(shares[a] - shares[b])
    assert row["difference"] == pytest.approx(difference)
    assert row["significant"] is (round(difference, 6) >= 5.0)


def test_no_offer_makes_the_difference_unknown(client: FlaskClient) -> None:
    rows = _compare(client, _number(HELSINGOER), _number(101))
    row = rows["normering_dagpleje"]
    assert [v["value"] for v in row["values"]] == [0, LATEST["normering_dagpleje"][101]]
    assert row["difference"] is None
    assert row["significant"] is None


@pytest.mark.parametrize(
    ("value", "meaning"),
    [
        ([3.1, 3.7], True),
        ([5.5, 6.1], True),  # 6.1 - 5.5 is 0.5999... in binary floating point
        ([3.1, 3.6], False),
        ([3.0, None], None),
    ],
)
def test_significance_rule_for_normering(value: list[float | None], meaning: bool | None) -> None:
    assert significance("normering_3_5", value)[1] is meaning


def test_significance_rule_for_percentages_and_counts() -> None:
    difference, significant = significance("andel_paedagogisk_uddannet_pct", [50.0, 54.9])
    assert difference == pytest.approx(4.9)
    assert significant is False
    assert significance("andel_paedagogisk_uddannet_pct", [50.0, 55.0]) == (5.0, True)
    assert significance("antal_boern", [100.0, 30000.0]) == (29900.0, None)


@pytest.mark.parametrize(
    "ids",
    [
        "G18062",  # one
        "A00001,A00002,A00003,A00004,A00005",  # five
        "A00001,A00001,A00002,A00003,A00004",  # five, though four distinct: the schema counts
        "A00001,not-a-number",
        "",
    ],
)
def test_two_to_four_numbers_or_a_validation_error(client: FlaskClient, ids: str) -> None:
    response = client.get("/v1/compare", query_string={"ids": ids})
    assert response.status_code == 422
    body = response.get_json()
    assert "ids" in body["errors"]["query"]
    assert "ids" in body["message"]
    assert body["message_da"]


def test_numbers_are_read_in_any_case(client: FlaskClient) -> None:
    first, second = _number(101, 0), _number(101, 1)
    response = client.get("/v1/compare", query_string={"ids": f"{first.lower()},{second}"})
    assert response.status_code == 200, response.get_json()
    numbers = [d["institution_number"] for d in response.get_json()["institutions"]]
    assert numbers == [first, second]


def test_repeated_parameters_are_openapis_array_form(client: FlaskClient) -> None:
    numbers = [_number(101, 0), _number(101, 1), _number(101, 2)]
    # ids=a&ids=b (form, exploded: OpenAPI's default) and ids=a,b, mixed.
    query = f"ids={numbers[0]}&ids={numbers[1]},{numbers[2]}"
    response = client.get(f"/v1/compare?{query}")
    assert response.status_code == 200, response.get_json()
    assert [d["institution_number"] for d in response.get_json()["institutions"]] == numbers


def test_a_number_given_twice_is_compared_once(client: FlaskClient) -> None:
    first, second = _number(101, 0), _number(101, 1)
    response = client.get("/v1/compare", query_string={"ids": f"{first},{second},{first.lower()}"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [d["institution_number"] for d in body["institutions"]] == [first, second]
    alone = client.get("/v1/compare", query_string={"ids": f"{first},{first}"})
    assert alone.status_code == 200
    assert [d["institution_number"] for d in alone.get_json()["institutions"]] == [first]


def test_missing_ids_is_a_validation_error(client: FlaskClient) -> None:
    response = client.get("/v1/compare")
    assert response.status_code == 422


def test_unknown_numbers_are_named(client: FlaskClient) -> None:
    known = _number(101)
    response = client.get("/v1/compare", query_string={"ids": f"ZZ0001,{known},ZZ0002"})
    assert response.status_code == 404
    body = response.get_json()
    assert "ZZ0001, ZZ0002" in body["message"]
    assert known not in body["message"]
    assert body["errors"] == {"unknown": ["ZZ0001", "ZZ0002"]}


def test_documented_in_openapi(app: Flask) -> None:
    spec = openapi_document(app.extensions["dagkit.api"])
    operation = spec["paths"]["/v1/compare"]["get"]
    assert {"200", "404", "422"} <= set(operation["responses"])
    assert "0.6" in operation["description"]
    ids = operation["parameters"][0]
    assert ids["name"] == "ids"
    # Exploded form (ids=a&ids=b) is what OpenAPI clients send; case-insensitive.
    assert ids.get("explode", True) is True
    assert ids["schema"]["items"]["pattern"] == "^[A-Za-z0-9]{6}$"
    assert "uniqueItems" not in ids["schema"]  # repeats are accepted, and counted once
    assert "InstitutionDocument" in spec["components"]["schemas"]
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
