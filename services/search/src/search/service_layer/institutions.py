"""One institution's whole document."""

from __future__ import annotations

from typing import Any

from search.domain.documents import institution_document
from search.service_layer.context import SearchContext


class InstitutionNotFound(LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"No institution {number}.")
        self.number = number


def institution_detail(ctx: SearchContext, number: str) -> dict[str, Any]:
    """Register facts, profile, and each indicator with its municipal and
    national figure; InstitutionNotFound when the read model has no ``number``."""
    with ctx.uow() as uow:
        rows = uow.read_model.institution_rows([number])
        if not rows:
            raise InstitutionNotFound(number)
        code = rows[0]["municipality_code"]
        municipal = uow.read_model.municipal_figures(code).get(code)
        national = uow.read_model.national()
    return institution_document(rows[0], municipal, national)
