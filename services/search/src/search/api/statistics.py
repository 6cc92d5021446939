"""Municipal and national figures: every municipality's latest figures, one
municipality's series with its rank and the national figure beside each year,
and the national figures with how they are computed."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.error_handler import ErrorSchema
from marshmallow import Schema, fields
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from dagtilbud_contracts.vocabulary import INDICATORS, NORMERING_INDICATORS, series_of
from search.adapters import repository
from search.api.problems import ProblemSchema, answer_422s
from search.api.schemas import MunicipalFiguresSchema, series_field
from search.domain import figures as national_method
from search.service_layer.documents import latest_figures

blp = Blueprint(
    "statistics",
    __name__,
    url_prefix="/v1",
    description="Municipal figures with ranks, and national figures with their method",
)
answer_422s(blp)
# Municipality codes are three digits (101-860); anything else is not one.
CODE_MIN, CODE_MAX = 100, 999
CODE_PARAMETER = {
    "in": "path",
    "name": "code",
    "required": True,
    "description": "Municipality code, DST's three digits (101 København)",
    "schema": {"type": "integer", "minimum": CODE_MIN, "maximum": CODE_MAX, "example": 101},
}

# Which way is better, per ranked indicator. antal_boern is size, not quality,
# and andel_ikke_dansk_baggrund_pct describes the children, not the care: neither
# is ranked.
LOWER_IS_BETTER = "lower"
HIGHER_IS_BETTER = "higher"
BETTER: Mapping[str, str] = {
    **{indicator: LOWER_IS_BETTER for indicator in NORMERING_INDICATORS},
    "andel_paedagogisk_uddannet_pct": HIGHER_IS_BETTER,
}

RANKING_RULE = (
    "rank is the municipality's place among the municipalities that have a value for the "
    "same indicator and year; 1 is the best. Normering (normering_0_2, normering_3_5, "
    "normering_dagpleje; children per adult): lower is better. "
    "andel_paedagogisk_uddannet_pct: higher is better. antal_boern (size is not quality) "
    "and andel_ikke_dansk_baggrund_pct (it describes the children, not the care) are not "
    "ranked: rank and ranked_among are null. A missing value, and a normering of 0 (the "
    "municipality has no such offer), is not ranked (rank null) and is not counted in "
    "ranked_among. Equal values share the better rank (1, 2, 2, 4)."
)

METHOD_DESCRIPTION_EN = " ".join((national_method.__doc__ or "").replace("``", "").split())
# The same text in Danish; keep it in step with the docstring of search.domain.figures.
METHOD_DESCRIPTION_DA = (
    "Landstal beregnet af kommunernes tal. For hver indikator og hvert år: hvor der findes "
    "børnetal for året, gennemsnittet over de kommuner, der har et, vægtet med deres antal "
    "børn (antal_boern for samme år; en kommune uden børnetal udelades, og tallet oplyser, "
    "hvor mange kommuner der indgår); i et år helt uden børnetal det uvægtede gennemsnit af "
    "kommunerne. antal_boern lægges sammen. En manglende værdi udelades, og det gør en "
    "normering på 0 også, da den betyder, at kommunen ikke har tilbuddet. Metoden står ved "
    "hvert landstal."
)
METHODS: tuple[tuple[str, str, str], ...] = (
    (
        national_method.WEIGHTED,
        "Mean of the municipalities that have a child count, weighted by their number of children.",
        "Gennemsnit af de kommuner, der har et børnetal, vægtet med deres antal børn.",
    ),
    (
        national_method.UNWEIGHTED,
        "Unweighted mean of the municipalities that have a value (no child counts that year).",
        "Uvægtet gennemsnit af de kommuner, der har en værdi (ingen børnetal det år).",
    ),
    (
        national_method.SUM,
        "Sum over the municipalities that have a value.",
        "Summen over de kommuner, der har en værdi.",
    ),
    (
        national_method.NO_DATA,
        "No municipality has a value.",
        "Ingen kommune har en værdi.",
    ),
)


SERIES_BREAK_DESCRIPTION = (
    "True when this figure is counted another way than the one before it: the change from "
    "the year before is a break in the series, not a trend."
)


class StatsMunicipalitySummarySchema(Schema):
    code = fields.Integer(required=True, metadata={"example": 101})
    name = fields.String(required=True, metadata={"example": "København"})
    latest = fields.Nested(
        MunicipalFiguresSchema,
        required=True,
        metadata={
            "description": "Per indicator the newest year with a value (or the newest year "
            "at all, when none has a value)"
        },
    )


class StatsMunicipalityListSchema(Schema):
    count = fields.Integer(required=True)
    municipalities = fields.List(fields.Nested(StatsMunicipalitySummarySchema), required=True)


class StatsNationalBesideSchema(Schema):
    value = fields.Float(required=True, allow_none=True)
    method = fields.String(required=True, metadata={"example": national_method.WEIGHTED})
    municipalities = fields.Integer(
        required=True, metadata={"description": "How many municipalities contributed"}
    )


class StatsYearSchema(Schema):
    year = fields.Integer(required=True)
    value = fields.Float(required=True, allow_none=True)
    source = fields.String(required=True)
    national = fields.Nested(
        StatsNationalBesideSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The national figure of the same indicator, year and series"},
    )
    series = series_field()
    series_break = fields.Boolean(required=True, metadata={"description": SERIES_BREAK_DESCRIPTION})
    rank = fields.Integer(required=True, allow_none=True, metadata={"description": RANKING_RULE})
    ranked_among = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "How many municipalities have a value that is ranked"},
    )


class StatsSeriesSchema(Schema):
    indicator = fields.String(required=True)
    better = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "lower or higher; null when the indicator is not ranked"},
    )
    years = fields.List(fields.Nested(StatsYearSchema), required=True)


class StatsMunicipalityDetailSchema(Schema):
    code = fields.Integer(required=True)
    name = fields.String(required=True)
    ranking_rule = fields.String(required=True)
    indicators = fields.List(
        fields.Nested(StatsSeriesSchema),
        required=True,
        metadata={"description": "Every indicator; years holds every year with a figure"},
    )


class StatsTextSchema(Schema):
    en = fields.String(required=True)
    da = fields.String(required=True)


class StatsMethodSchema(StatsTextSchema):
    method = fields.String(required=True)


class StatsNationalYearSchema(Schema):
    year = fields.Integer(required=True)
    value = fields.Float(required=True, allow_none=True)
    method = fields.String(required=True)
    municipalities = fields.Integer(
        required=True, metadata={"description": "How many municipalities contributed"}
    )
    series = series_field()
    series_break = fields.Boolean(required=True, metadata={"description": SERIES_BREAK_DESCRIPTION})


class StatsNationalSeriesSchema(Schema):
    indicator = fields.String(required=True)
    years = fields.List(fields.Nested(StatsNationalYearSchema), required=True)


class StatsNationalSchema(Schema):
    method_description = fields.Nested(StatsTextSchema, required=True)
    methods = fields.List(fields.Nested(StatsMethodSchema), required=True)
    indicators = fields.List(fields.Nested(StatsNationalSeriesSchema), required=True)


def _engine() -> Engine:
    engine: Engine = current_app.extensions["search.engine"]
    return engine


def _name(code: int, municipal: Mapping[int, Mapping[str, Any]]) -> str:
    row = municipal.get(code)
    return str(row["name"]) if row else MUNICIPALITIES[code]


def ranks(indicator: str, values: Mapping[int, float | None]) -> tuple[dict[int, int], int] | None:
    """Competition ranks (1 = best) of the municipalities whose value counts,
    and how many there are; None when the indicator is not ranked."""
    better = BETTER.get(indicator)
    if better is None:
        return None
    counted = {
        code: value
        for code, value in values.items()
        if value is not None and national_method.contributes(indicator, value)
    }
    sign = 1 if better == LOWER_IS_BETTER else -1
    ordered = sorted(sign * value for value in counted.values())
    out = {}
    for code, value in counted.items():
        # 1 + how many are strictly better: ties share the better rank.
        out[code] = 1 + bisect_left(ordered, sign * value)
    return out, len(counted)


def _values_by_year(
    municipal: Mapping[int, Mapping[str, Any]],
) -> dict[tuple[str, int], dict[int, float | None]]:
    out: dict[tuple[str, int], dict[int, float | None]] = defaultdict(dict)
    for code, row in municipal.items():
        for figure in row["figures"]:
            out[(figure["indicator"], figure["year"])][code] = figure["value"]
    return out


def _series(
    code: int,
    municipal: Mapping[int, Mapping[str, Any]],
    national: Mapping[tuple[str, int, str | None], Mapping[str, Any]],
) -> list[dict[str, Any]]:
    own: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for figure in municipal[code]["figures"] if code in municipal else []:
        own[figure["indicator"]].append(figure)
    everyone = _values_by_year(municipal)
    out = []
    for indicator in INDICATORS:
        years = []
        previous: str | None = None
        for n, figure in enumerate(sorted(own[indicator], key=lambda f: f["year"])):
            year, series = figure["year"], series_of(figure)
            ranking = ranks(indicator, everyone[(indicator, year)])
            nat = national.get((indicator, year, series))
            years.append(
                {
                    "year": year,
                    "value": figure["value"],
                    "source": figure["source"],
                    "series": series,
                    # The trend from the year before is not a like-for-like change.
                    "series_break": n > 0 and series != previous,
                    "national": None
                    if nat is None
                    else {
                        "value": nat["value"],
                        "method": nat["method"],
                        "municipalities": nat["municipalities"],
                    },
                    "rank": None if ranking is None else ranking[0].get(code),
                    "ranked_among": None if ranking is None else ranking[1],
                }
            )
            previous = series
        out.append({"indicator": indicator, "better": BETTER.get(indicator), "years": years})
    return out


def _latest(figures: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    latest = latest_figures(figures)
    return {
        indicator: None
        if indicator not in latest
        else {
            "value": latest[indicator]["value"],
            "year": latest[indicator]["year"],
            "source": latest[indicator]["source"],
            "series": series_of(latest[indicator]),
        }
        for indicator in INDICATORS
    }


@blp.route("/municipalities")
class Municipalities(MethodView):
    @blp.response(200, StatsMunicipalityListSchema)
    def get(self) -> dict[str, Any]:
        """All 98 municipalities with their latest figure per indicator, and its year."""
        with Session(_engine()) as session:
            municipal = repository.municipal_figures(session)
        # The known municipalities, also those no statistics have arrived for yet.
        codes = sorted(set(MUNICIPALITIES) | set(municipal))
        rows = [
            {
                "code": code,
                "name": _name(code, municipal),
                "latest": _latest(municipal[code]["figures"] if code in municipal else []),
            }
            for code in codes
        ]
        return {"count": len(rows), "municipalities": rows}


@blp.route("/municipalities/<int:code>", parameters=[CODE_PARAMETER])
class Municipality(MethodView):
    @blp.response(200, StatsMunicipalityDetailSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No municipality has this code")
    @blp.alt_response(422, schema=ProblemSchema, description="Not a three-digit code")
    @blp.doc(
        description="Every indicator over every year for one municipality, each year with "
        "the national figure of that year and the municipality's rank. " + RANKING_RULE
    )
    def get(self, code: int) -> dict[str, Any]:
        """One municipality's figures with national figures and ranks"""
        if not CODE_MIN <= code <= CODE_MAX:
            abort(
                422,
                message=f"A municipality code has three digits ({CODE_MIN}-{CODE_MAX}), e.g. 101.",
                message_da=f"En kommunekode har tre cifre ({CODE_MIN}-{CODE_MAX}), fx 101.",
                errors={"path": {"code": [f"Must be between {CODE_MIN} and {CODE_MAX}."]}},
            )
        with Session(_engine()) as session:
            municipal = repository.municipal_figures(session)
            national = repository.national(session)
        if code not in municipal and code not in MUNICIPALITIES:
            abort(404, message=f"No municipality has code {code}.")
        return {
            "code": code,
            "name": _name(code, municipal),
            "ranking_rule": RANKING_RULE,
            "indicators": _series(code, municipal, national),
        }


@blp.route("/statistics/national")
class National(MethodView):
    @blp.response(200, StatsNationalSchema)
    def get(self) -> dict[str, Any]:
        """The national figure of every indicator and year, with the method that
        produced it and how many municipalities took part."""
        with Session(_engine()) as session:
            national = repository.national(session)
        by_indicator: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for (indicator, year, series), row in sorted(
            national.items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")
        ):
            years = by_indicator[indicator]
            years.append(
                {
                    "year": year,
                    "value": row["value"],
                    "method": row["method"],
                    "municipalities": row["municipalities"],
                    "series": series,
                    "series_break": bool(years) and years[-1]["series"] != series,
                }
            )
        order: list[str] = [i for i in INDICATORS if i in by_indicator]
        order += sorted(set(by_indicator) - set(INDICATORS))
        return {
            "method_description": {"en": METHOD_DESCRIPTION_EN, "da": METHOD_DESCRIPTION_DA},
            "methods": [{"method": m, "en": en, "da": da} for m, en, da in METHODS],
            "indicators": [{"indicator": i, "years": by_indicator[i]} for i in order],
        }
