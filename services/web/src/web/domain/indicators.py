"""The indicators the pages show, and how each is read."""

from __future__ import annotations

from typing import Final, Literal

from dagtilbud_contracts.vocabulary import (
    COUNT_INDICATORS,
    FIRST_YEAR_OF_NEW_NORMERING,
    INDICATORS,
    NORMERING_INDICATORS,
    PERCENT_INDICATORS,
)

Better = Literal["lower", "higher"]

__all__ = [
    "COUNT_INDICATORS",
    "FIRST_YEAR_OF_NEW_NORMERING",
    "INDICATORS",
    "NORMERING_INDICATORS",
    "PERCENT_INDICATORS",
    "better_of",
    "unit_of",
]

# The same rule search ranks by: fewer children per adult is better, more
# pedagogically educated staff is better; size and background are not quality.
_BETTER: Final[dict[str, Better]] = {
    "normering_0_2": "lower",
    "normering_3_5": "lower",
    "normering_dagpleje": "lower",
    "andel_paedagogisk_uddannet_pct": "higher",
}


def better_of(indicator: str) -> Better | None:
    return _BETTER.get(indicator)


def unit_of(indicator: str) -> Literal["children_per_adult", "percent", "count"]:
    if indicator in NORMERING_INDICATORS:
        return "children_per_adult"
    if indicator in PERCENT_INDICATORS:
        return "percent"
    return "count"
