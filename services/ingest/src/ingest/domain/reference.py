"""Reference data the checks need: the 98 municipalities (with the spellings
Danmarks Statistik and others use for their names, and their boundaries) and
the postcodes (with the municipalities each postal district overlaps)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from dagtilbud_contracts.municipalities import MUNICIPALITIES

from .geography import Boundaries

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
    def build(cls, postcodes: Mapping[str, Postcode], boundaries: Boundaries) -> ReferenceData:
        """The reference data over loaded postcodes and boundaries (the
        municipalities themselves come with the contracts)."""
        by_name = {fold(name): code for code, name in MUNICIPALITIES.items()}
        by_name.update(_NAME_VARIANTS)
        return cls(dict(MUNICIPALITIES), dict(postcodes), boundaries, by_name)

    def municipality_by_name(self, name: str) -> int | None:
        return self._by_name.get(fold(name))

    def is_municipality(self, code: int) -> bool:
        return code in self.municipalities
