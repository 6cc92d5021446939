"""The exported JSON Schema files must accept the examples and reject the
invalid ones, or a consumer in another language would disagree with us."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dagtilbud_contracts import EVENT_TYPES
from dagtilbud_contracts._paths import contracts_root
from dagtilbud_contracts.examples import load_examples, load_invalid_examples

# Rejections that depend on more than one value (subject vs data) or on the
# registry (unknown type) are beyond what a payload schema can say.
NOT_EXPRESSIBLE = {"subject-mismatch.json", "unknown-type.json"}


def _validator(name: str) -> Draft202012Validator:
    path = contracts_root() / "jsonschema" / f"{name}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator: Draft202012Validator, value: Any) -> list[str]:
    return [
        "/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message
        for error in validator.iter_errors(value)
    ]


ENVELOPE = _validator("envelope")
PAYLOADS = {event_type: _validator(event_type) for event_type in EVENT_TYPES}
EXAMPLES = load_examples()
INVALID = [ex for ex in load_invalid_examples() if ex.path.name not in NOT_EXPRESSIBLE]


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=[p.name for p, _ in EXAMPLES])
def test_json_schema_accepts_example(path: Path, raw: dict[str, Any]) -> None:
    assert errors(ENVELOPE, raw) == []
    assert errors(PAYLOADS[raw["type"]], raw["data"]) == []


@pytest.mark.parametrize("example", INVALID, ids=[ex.path.name for ex in INVALID])
def test_json_schema_rejects_invalid_example_at_the_field(example: Any) -> None:
    raw = example.event
    found = errors(ENVELOPE, raw) + errors(PAYLOADS[raw["type"]], raw["data"])
    assert any(example.field in message for message in found), found


def test_an_empty_payload_is_rejected_by_every_schema() -> None:
    for event_type, validator in PAYLOADS.items():
        assert errors(validator, {}), event_type
