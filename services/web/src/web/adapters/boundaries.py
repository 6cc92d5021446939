"""The shipped municipal boundaries (data/kommuner_simplified.geojson), read once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BOUNDARIES_FILE = "kommuner_simplified.geojson"


def load_boundaries_geojson(reference_dir: str) -> dict[str, Any]:
    with (Path(reference_dir) / BOUNDARIES_FILE).open(encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict) or "features" not in document:
        raise ValueError(f"{BOUNDARIES_FILE} is not a GeoJSON feature collection")
    return document
