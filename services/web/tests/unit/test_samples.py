"""The fake search answers with documents recorded from the real API; they
must still be what search's OpenAPI document promises, or the page tests
would test pages against answers search no longer gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from web.testing.fakes import SAMPLES

SEARCH_OPENAPI = Path(__file__).resolve().parents[3] / "search" / "openapi.json"
SAMPLE_PATHS = {
    "search": "/v1/search",
    "institution": "/v1/institutions/{number}",
    "compare": "/v1/compare",
    "municipality": "/v1/municipalities/{code}",
    "municipalities": "/v1/municipalities",
    "national": "/v1/statistics/national",
    "geocode": "/v1/geocode",
}


@pytest.mark.parametrize(("sample", "path"), sorted(SAMPLE_PATHS.items()))
def test_recorded_answers_match_search_openapi(sample: str, path: str) -> None:
    document = json.loads(SEARCH_OPENAPI.read_text(encoding="utf-8"))
    content = document["paths"][path]["get"]["responses"]["200"]["content"]
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    answer = json.loads((SAMPLES / f"{sample}.json").read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(answer), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
