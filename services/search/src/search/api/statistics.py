"""Municipal and national figures: every municipality's latest figures, one
municipality's series with its rank and the national figure beside each year,
and the national figures with how they are computed."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.error_handler import ErrorSchema
from marshmallow import Schema, fields

from search.api.problems import ProblemSchema, answer_422s
from search.api.schemas import (
    MunicipalFiguresSchema,
    YearValueSchema,
    nullable,
    series_field,
)
from search.bootstrap import context
from search.domain import figures as national_method
from search.domain.ranking import RANKING_RULE
from search.service_layer.statistics import (
    UnknownMunicipality,
    municipalities_overview,
    municipality_detail,
    national_overview,
)

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


class NationalCountSchema(Schema):
    """A national figure: how it was computed and from how many municipalities."""

    value = nullable(fields.Float)
    method = fields.String(required=True)
    municipalities = fields.Integer(
        required=True, metadata={"description": "How many municipalities contributed"}
    )


class StatsNationalBesideSchema(NationalCountSchema):
    method = fields.String(required=True, metadata={"example": national_method.WEIGHTED})


class SeriesYearSchema(YearValueSchema):
    """A year of a series, and whether the series broke there."""

    series = series_field()
    series_break = fields.Boolean(required=True, metadata={"description": SERIES_BREAK_DESCRIPTION})


class StatsYearSchema(SeriesYearSchema):
    source = fields.String(required=True)
    national = nullable(
        fields.Nested,
        StatsNationalBesideSchema,
        description="The national figure of the same indicator, year and series",
    )
    rank = nullable(fields.Integer, description=RANKING_RULE)
    ranked_among = nullable(
        fields.Integer, description="How many municipalities have a value that is ranked"
    )


class StatsSeriesSchema(Schema):
    indicator = fields.String(required=True)
    better = nullable(
        fields.String, description="lower or higher; null when the indicator is not ranked"
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


class StatsNationalYearSchema(SeriesYearSchema, NationalCountSchema):
    """One year of an indicator's national series."""


class StatsNationalSeriesSchema(Schema):
    indicator = fields.String(required=True)
    years = fields.List(fields.Nested(StatsNationalYearSchema), required=True)


class StatsNationalSchema(Schema):
    method_description = fields.Nested(StatsTextSchema, required=True)
    methods = fields.List(fields.Nested(StatsMethodSchema), required=True)
    indicators = fields.List(fields.Nested(StatsNationalSeriesSchema), required=True)


@blp.route("/municipalities")
class Municipalities(MethodView):
    @blp.response(200, StatsMunicipalityListSchema)
    def get(self) -> dict[str, Any]:
        """All 98 municipalities with their latest figure per indicator, and its year."""
        rows = municipalities_overview(context())
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
        try:
            detail = municipality_detail(context(), code)
        except UnknownMunicipality:
            abort(404, message=f"No municipality has code {code}.")
        return {
            "code": detail.code,
            "name": detail.name,
            "ranking_rule": RANKING_RULE,
            "indicators": detail.indicators,
        }


@blp.route("/statistics/national")
class National(MethodView):
    @blp.response(200, StatsNationalSchema)
    def get(self) -> dict[str, Any]:
        """The national figure of every indicator and year, with the method that
        produced it and how many municipalities took part."""
        indicators = national_overview(context())
        return {
            "method_description": {"en": METHOD_DESCRIPTION_EN, "da": METHOD_DESCRIPTION_DA},
            "methods": [{"method": m, "en": en, "da": da} for m, en, da in METHODS],
            "indicators": indicators,
        }
