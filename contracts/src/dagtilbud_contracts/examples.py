"""Example events for tests in any service.

``contracts/examples/<event type>[--<variant>].json`` are complete, valid
messages; ``contracts/examples/invalid/`` holds messages every consumer must
reject, with the field each rejection has to name in ``expected-errors.json``.
A producer test checks its output against the same schemas these pass, and a
consumer test feeds them in, so both sides are tested against one set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from dagtilbud_contracts._paths import contracts_root

EXPECTED_ERRORS_FILE = "expected-errors.json"


class InvalidExample(NamedTuple):
    path: Path
    event: dict[str, Any]
    field: str
    """The attribute or payload field the rejection must name."""


def examples_dir(root: Path | None = None) -> Path:
    return (root or contracts_root()) / "examples"


def _read(path: Path) -> dict[str, Any]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: an example is a JSON object")
    return raw


def load_examples(
    event_type: str | None = None, *, root: Path | None = None
) -> list[tuple[Path, dict[str, Any]]]:
    """The valid examples as (path, decoded event) pairs, sorted by file name,
    optionally only those of one event type. Each call returns fresh dicts."""
    found = []
    for path in sorted(examples_dir(root).glob("*.json")):
        raw = _read(path)
        if event_type is None or raw.get("type") == event_type:
            found.append((path, raw))
    return found


def load_invalid_examples(*, root: Path | None = None) -> list[InvalidExample]:
    """The invalid examples with the field each rejection must name."""
    directory = examples_dir(root) / "invalid"
    expected = json.loads((directory / EXPECTED_ERRORS_FILE).read_text(encoding="utf-8"))
    found = []
    for path in sorted(directory.glob("*.json")):
        if path.name == EXPECTED_ERRORS_FILE:
            continue
        if path.name not in expected:
            raise ValueError(f"{path}: not listed in {EXPECTED_ERRORS_FILE}")
        found.append(InvalidExample(path, _read(path), str(expected[path.name]["field"])))
    return found
