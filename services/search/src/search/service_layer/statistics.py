"""Municipal and national figures: every municipality's latest figures, one
municipality's series with its ranks and the national figures beside them,
and the national figures year by year."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from search.domain.documents import latest_figures, latest_summary
from search.domain.ranking import municipality_name, municipality_series, national_series
from search.service_layer.context import SearchContext


class UnknownMunicipality(LookupError):
    def __init__(self, code: int) -> None:
        super().__init__(f"No municipality has code {code}.")
        self.code = code


@dataclass(frozen=True)
class MunicipalityDetail:
    code: int
    name: str
    indicators: list[dict[str, Any]]  # see search.domain.ranking.municipality_series


def municipalities_overview(ctx: SearchContext) -> list[dict[str, Any]]:
    """Every known municipality (also one no statistics have arrived for yet)
    with its latest figure per indicator, by code."""
    with ctx.uow() as uow:
        municipal = uow.read_model.municipal_figures()
    return [
        {
            "code": code,
            "name": municipality_name(code, municipal),
            "latest": latest_summary(
                latest_figures(municipal[code]["figures"] if code in municipal else [])
            ),
        }
        for code in sorted(set(MUNICIPALITIES) | set(municipal))
    ]


def municipality_detail(ctx: SearchContext, code: int) -> MunicipalityDetail:
    """One municipality's figures year by year, with ranks and national
    figures; UnknownMunicipality when no municipality has ``code``."""
    with ctx.uow() as uow:
        municipal = uow.read_model.municipal_figures()
        national = uow.read_model.national()
    if code not in municipal and code not in MUNICIPALITIES:
        raise UnknownMunicipality(code)
    return MunicipalityDetail(
        code=code,
        name=municipality_name(code, municipal),
        indicators=municipality_series(code, municipal, national),
    )


def national_overview(ctx: SearchContext) -> list[dict[str, Any]]:
    """The national figure of every indicator and year, with its method."""
    with ctx.uow() as uow:
        national = uow.read_model.national()
    return national_series(national)
