"""Reads the reference data the checks need from the shipped files: the
postcodes (``postnumre.csv``) and the municipalities' simplified boundaries
(``kommuner_simplified.geojson``)."""

from __future__ import annotations

import csv
import functools
import json
from pathlib import Path

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from ingest.domain.geography import Boundaries, Ring
from ingest.domain.reference import Postcode, ReferenceData

BOUNDARIES_FILE = "kommuner_simplified.geojson"
POSTCODES_FILE = "postnumre.csv"


def load_reference(directory: Path) -> ReferenceData:
    postcodes, boundaries = _load_files(str(directory.resolve()))
    return ReferenceData.build(postcodes, boundaries)


# Every process (and every test) loads the same files; the boundaries take a
# noticeable moment to index, so they are read once per directory.
@functools.lru_cache(maxsize=4)
def _load_files(data_dir: str) -> tuple[dict[str, Postcode], Boundaries]:
    directory = Path(data_dir)
    with (directory / POSTCODES_FILE).open(encoding="utf-8") as fh:
        postcodes = {
            f"{int(row['postnr']):04d}": Postcode(
                row["navn"], frozenset(int(code) for code in row["kommunekoder"].split())
            )
            for row in csv.DictReader(fh)
        }
    with (directory / BOUNDARIES_FILE).open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    rings: dict[int, list[Ring]] = {}
    for feature in features:
        code = int(feature["properties"]["kode"])
        if code not in MUNICIPALITIES:
            continue  # Christiansø: no municipality
        geometry = feature["geometry"]
        polygons = geometry["coordinates"]
        if geometry["type"] == "Polygon":
            polygons = [polygons]
        rings.setdefault(code, []).extend(ring for polygon in polygons for ring in polygon)
    lacking = sorted(set(MUNICIPALITIES) - set(rings))
    if lacking:
        # Without a boundary no coordinate of that municipality could be checked.
        raise ValueError(f"{directory / BOUNDARIES_FILE} has no boundary for {lacking}")
    return postcodes, Boundaries(rings)
