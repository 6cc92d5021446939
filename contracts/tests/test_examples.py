"""The examples are the contract in concrete form: every one must pass every
check a producer or consumer applies, and every invalid one must fail with a
message that names the offending field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dagkit.envelope import Envelope, EnvelopeError, EnvelopeSchema
from dagtilbud_contracts import (
    EVENT_TYPES,
    ContractError,
    dataschema_for,
    payload_schema_for,
    validate_event,
)
from dagtilbud_contracts.examples import (
    EXPECTED_ERRORS_FILE,
    examples_dir,
    load_examples,
    load_invalid_examples,
)

EXAMPLES = load_examples()
INVALID = load_invalid_examples()


def _ids(pairs: list[Any]) -> list[str]:
    return [pair[0].name for pair in pairs]


def _error_keys(errors: Any) -> set[str]:
    """Every key at any depth of a marshmallow error dict, as strings."""
    if not isinstance(errors, dict):
        return set()
    keys = {str(key) for key in errors}
    for value in errors.values():
        keys |= _error_keys(value)
    return keys


def test_every_event_type_has_an_example() -> None:
    covered = {raw["type"] for _, raw in EXAMPLES}
    assert covered == set(EVENT_TYPES)


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=_ids(EXAMPLES))
def test_file_name_starts_with_the_event_type(path: Path, raw: dict[str, Any]) -> None:
    assert path.stem == raw["type"] or path.stem.startswith(raw["type"] + "--")


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=_ids(EXAMPLES))
def test_example_passes_the_contract(path: Path, raw: dict[str, Any]) -> None:
    envelope = validate_event(raw)
    assert envelope.type == raw["type"]


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=_ids(EXAMPLES))
def test_example_passes_envelope_and_payload_schema(path: Path, raw: dict[str, Any]) -> None:
    assert EnvelopeSchema().validate(raw) == {}
    assert payload_schema_for(raw["type"])().validate(raw["data"]) == {}


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=_ids(EXAMPLES))
def test_example_is_complete_and_canonical(path: Path, raw: dict[str, Any]) -> None:
    # Exactly what dagkit's Envelope writes, with every optional attribute set,
    # so a producer's output can be compared with an example field by field.
    assert set(raw) == set(EnvelopeSchema().fields)
    assert raw["dataschema"] == dataschema_for(raw["type"])
    assert Envelope.from_dict(raw).to_dict() == raw


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=_ids(EXAMPLES))
def test_example_survives_the_wire(path: Path, raw: dict[str, Any]) -> None:
    envelope = validate_event(raw)
    assert validate_event(json.loads(envelope.to_json())) == envelope


def test_invalid_manifest_lists_exactly_the_invalid_files() -> None:
    directory = examples_dir() / "invalid"
    listed = set(json.loads((directory / EXPECTED_ERRORS_FILE).read_text(encoding="utf-8")))
    on_disk = {p.name for p in directory.glob("*.json")} - {EXPECTED_ERRORS_FILE}
    assert listed == on_disk
    assert len(on_disk) >= 3


@pytest.mark.parametrize("example", INVALID, ids=_ids(INVALID))
def test_invalid_example_is_rejected_naming_the_field(example: Any) -> None:
    with pytest.raises(EnvelopeError) as caught:
        validate_event(example.event)
    assert example.field in str(caught.value)
    if isinstance(caught.value, ContractError):
        assert example.field in _error_keys(caught.value.errors)


def test_the_required_kinds_of_invalid_example_exist() -> None:
    fields = {example.field for example in INVALID}
    assert {"institution_number", "value", "type"} <= fields
