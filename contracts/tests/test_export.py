from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagtilbud_contracts import ENVELOPE_SCHEMA_ID, EVENT_TYPES, dataschema_for, export
from dagtilbud_contracts._paths import contracts_root


def test_committed_files_equal_generated() -> None:
    drifted = export.check()
    assert drifted == [], "run: python -m dagtilbud_contracts.export"


def test_cli_check_passes_on_the_checkout() -> None:
    assert export.main(["--check"]) == 0


def test_output_is_deterministic() -> None:
    first = export.render()
    assert export.render() == first
    for name, text in first.items():
        assert text.endswith("\n"), name
        assert not text.endswith("\n\n"), name


def test_one_schema_file_per_event_type_plus_envelope() -> None:
    names = set(export.render())
    expected = {f"jsonschema/{t}.json" for t in EVENT_TYPES}
    expected |= {"jsonschema/envelope.json", "asyncapi.yaml"}
    assert names == expected


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_schema_file_header(event_type: str) -> None:
    path = contracts_root() / "jsonschema" / f"{event_type}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == dataschema_for(event_type)
    assert schema["title"] == event_type
    assert schema["type"] == "object"
    # Payloads are closed: a misspelt or leaked field is an error, not ignored.
    assert schema["additionalProperties"] is False


def test_envelope_schema_file() -> None:
    schema = json.loads((contracts_root() / "jsonschema/envelope.json").read_text("utf-8"))
    assert schema["$id"] == ENVELOPE_SCHEMA_ID
    assert {"aggregateversion", "correlationid", "data"} <= set(schema["required"])


def _copy_of_generated(tmp_path: Path) -> Path:
    root = tmp_path / "contracts"
    root.mkdir()
    assert export.check(root) != []
    export.write(root)
    assert export.check(root) == []
    return root


def test_check_names_changed_missing_and_stale_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _copy_of_generated(tmp_path)
    changed = root / "jsonschema" / "envelope.json"
    changed.write_text(changed.read_text("utf-8").replace("CloudEvents", "Cloud events"), "utf-8")
    (root / "asyncapi.yaml").unlink()
    (root / "jsonschema" / "dk.dagtilbud.institution.renamed.v1.json").write_text("{}\n", "utf-8")

    assert export.check(root) == [
        "asyncapi.yaml",
        "jsonschema/dk.dagtilbud.institution.renamed.v1.json",
        "jsonschema/envelope.json",
    ]
    assert export.main(["--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    for name in ("asyncapi.yaml", "envelope.json", "renamed"):
        assert name in err

    assert export.main(["--root", str(root)]) == 0
    assert export.check(root) == []
    assert not (root / "jsonschema" / "dk.dagtilbud.institution.renamed.v1.json").exists()


def test_write_leaves_up_to_date_files_alone(tmp_path: Path) -> None:
    root = _copy_of_generated(tmp_path)
    assert export.write(root) == []
