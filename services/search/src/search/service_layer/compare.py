"""Two to four institutions side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dagtilbud_contracts.vocabulary import INDICATORS
from search.domain.comparison import compare_indicator
from search.domain.documents import institution_document
from search.service_layer.context import SearchContext


class UnknownInstitutions(LookupError):
    """Some of the numbers asked for name no institution."""

    def __init__(self, numbers: Sequence[str]) -> None:
        self.numbers = list(numbers)
        super().__init__(f"Unknown institution number(s): {', '.join(self.numbers)}.")


@dataclass(frozen=True)
class Comparison:
    institutions: list[dict[str, Any]]  # documents, in the order asked
    indicators: list[dict[str, Any]]  # see search.domain.comparison.compare_indicator


def compare(ctx: SearchContext, numbers: Sequence[str]) -> Comparison:
    """Each institution's document and, per indicator, whether their figures
    differ enough to mean something. A number given twice is compared once;
    UnknownInstitutions names every number that is not an institution."""
    # Repeats count once, in the order first given.
    ids = list(dict.fromkeys(numbers))
    with ctx.uow() as uow:
        rows = {row["number"]: row for row in uow.read_model.institution_rows(ids)}
        missing = [number for number in ids if number not in rows]
        if missing:
            raise UnknownInstitutions(missing)
        municipal = uow.read_model.municipal_figures()
        national = uow.read_model.national()
    documents = [
        institution_document(
            rows[number], municipal.get(rows[number]["municipality_code"]), national
        )
        for number in ids
    ]
    return Comparison(
        institutions=documents,
        indicators=[compare_indicator(indicator, documents) for indicator in INDICATORS],
    )
