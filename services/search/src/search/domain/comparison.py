"""Institutions side by side: per indicator their figures, the difference and
whether it is large enough to mean something."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagtilbud_contracts.vocabulary import INDICATORS, NORMERING_INDICATORS, PERCENT_INDICATORS
from search.domain.figures import contributes

NORMERING_THRESHOLD = 0.6  # children per adult
PERCENT_THRESHOLD = 5.0  # percentage points
# None: the indicator is never judged (antal_boern: size is not quality).
THRESHOLDS: Mapping[str, float | None] = {
    indicator: (
        NORMERING_THRESHOLD
        if indicator in NORMERING_INDICATORS
        else PERCENT_THRESHOLD
        if indicator in PERCENT_INDICATORS
        else None
    )
    for indicator in INDICATORS
}

RULE_EN = (
    "Each institution carries its municipality's latest figure, so institutions in the "
    "same municipality have the same figure (difference 0, not significant); each value "
    "states its year. A difference in normering (children per adult) under 0.6 is not "
    "significant: Danmarks Statistik's guidance is that differences in normering under 0.6 "
    "between units are usually not significant. A difference in a percentage under 5 "
    "percentage points is not significant. antal_boern is never judged, since size is not "
    "quality: significant is null. When a value is missing, or a normering is 0 (the "
    "municipality has no such offer), the difference is unknown: difference and "
    "significant are null."
)
RULE_DA = (
    "Hver institution har sin kommunes seneste tal, så institutioner i samme kommune har "
    "samme tal (forskel 0, ikke væsentlig); hver værdi oplyser sit år. En forskel i "
    "normering (børn pr. voksen) under 0,6 er ikke væsentlig: Danmarks Statistik vejleder, "
    "at forskelle i normering under 0,6 mellem enheder som regel ikke er væsentlige. En "
    "forskel i en andel under 5 procentpoint er ikke væsentlig. antal_boern vurderes aldrig, "
    "da størrelse ikke er kvalitet: significant er null. Mangler en værdi, eller er en "
    "normering 0 (kommunen har ikke tilbuddet), er forskellen ukendt: difference og "
    "significant er null."
)


def significance(
    indicator: str, values: Sequence[float | None]
) -> tuple[float | None, bool | None]:
    """The max-min difference and whether it is significant (None: unknown or
    never judged)."""
    if not all(contributes(indicator, value) for value in values):
        return None, None
    known = [float(value) for value in values if value is not None]
    # Rounded so that 6.1 - 5.5 compares as 0.6, as the one-decimal data means.
    difference = round(max(known) - min(known), 6)
    threshold = THRESHOLDS.get(indicator)
    return difference, None if threshold is None else difference >= threshold


def compare_indicator(indicator: str, documents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One indicator across the institutions' documents (``institution_document``):
    each one's municipal figure, the difference and whether it is significant."""
    values = []
    for document in documents:
        row = next(r for r in document["figures"] if r["indicator"] == indicator)
        figure = row["municipality"]
        values.append(
            {
                "institution_number": document["institution_number"],
                "municipality_code": document["municipality"]["code"],
                "value": None if figure is None else figure["value"],
                "year": None if figure is None else figure["year"],
            }
        )
    difference, significant = significance(indicator, [v["value"] for v in values])
    return {
        "indicator": indicator,
        "threshold": THRESHOLDS[indicator],
        "values": values,
        "difference": difference,
        "significant": significant,
    }
