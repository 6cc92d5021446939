"""Reference data the checks need: the 98 municipalities (with the spellings
Danmarks Statistik and others use for their names, and their boundaries) and
the postcodes (with the municipalities each postal district overlaps)."""

from __future__ import annotations

import csv
import functools
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from dagtilbud_contracts.municipalities import MUNICIPALITIES

from .geography import Boundaries, Ring

BOUNDARIES_FILE = "kommuner_simplified.geojson"
POSTCODES_FILE = "postnumre.csv"

# Name variants seen in DST tables and other sources, beside DAWA's names.
_NAME_VARIANTS = {
    "københavns": 101,
    "nordfyns": 480,
    "nordfyn": 480,
    "vesthimmerlands": 820,
    "vesthimmerland": 820,
    "brønderslev-dronninglund": 810,
    "aabenraa": 580,
    "aarhus": 751,
    "århus": 751,
    "aalborg": 851,
    "ålborg": 851,
}


def fold(text: str) -> str:
    """Case-, space- and normalisation-insensitive form of a name or header."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("kommune", "").split())


@dataclass(frozen=True)
class Postcode:
    name: str  # the postal district, e.g. "København S"
    municipalities: frozenset[int]  # every municipality the district overlaps


@dataclass(frozen=True)
class ReferenceData:
    municipalities: dict[int, str]
    postcodes: dict[str, Postcode]  # by the four-digit postcode, "0800"
    boundaries: Boundaries
    _by_name: dict[str, int]

    @classmethod
    def load(cls, data_dir: Path) -> ReferenceData:
        postcodes, boundaries = _load_files(str(data_dir.resolve()))
        by_name = {fold(name): code for code, name in MUNICIPALITIES.items()}
        by_name.update(_NAME_VARIANTS)
        return cls(dict(MUNICIPALITIES), dict(postcodes), boundaries, by_name)

    def municipality_by_name(self, name: str) -> int | None:
        return self._by_name.get(fold(name))

    def is_municipality(self, code: int) -> bool:
        return code in self.municipalities


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
