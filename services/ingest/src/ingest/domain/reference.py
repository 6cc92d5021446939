"""Reference data the checks need: the 98 municipalities (with the spellings
Danmarks Statistik and others use for their names) and the postcodes."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from dagtilbud_contracts.municipalities import MUNICIPALITIES

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
class ReferenceData:
    municipalities: dict[int, str]
    postcodes: frozenset[str]
    _by_name: dict[str, int]

    @classmethod
    def load(cls, data_dir: Path) -> ReferenceData:
        with (data_dir / "postnumre.csv").open(encoding="utf-8") as fh:
            postcodes = frozenset(f"{int(row['postnr']):04d}" for row in csv.DictReader(fh))
        by_name = {fold(name): code for code, name in MUNICIPALITIES.items()}
        by_name.update(_NAME_VARIANTS)
        return cls(dict(MUNICIPALITIES), postcodes, by_name)

    def municipality_by_name(self, name: str) -> int | None:
        return self._by_name.get(fold(name))

    def is_municipality(self, code: int) -> bool:
        return code in self.municipalities
