"""Two to four institutions side by side, and per indicator whether the
difference between their figures is large enough to mean something."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from dagtilbud_contracts.vocabulary import (
    INDICATORS,
    NORMERING_INDICATORS,
    PERCENT_INDICATORS,
)
from search.adapters import repository
from search.api.problems import ProblemSchema, answer_422s
from search.api.schemas import InstitutionDocumentSchema, InstitutionNumbers
from search.domain.figures import contributes
from search.service_layer.documents import institution_document

blp = Blueprint(
    "compare",
    __name__,
    url_prefix="/v1",
    description="Institutions side by side, with which differences mean something",
)
answer_422s(blp)

MIN_IDS, MAX_IDS = 2, 4
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


class CompareQuerySchema(Schema):
    ids = InstitutionNumbers(
        required=True,
        validate=validate.Length(min=MIN_IDS, max=MAX_IDS),
        metadata={
            "description": "2 to 4 institution numbers, in any case: ids=G18062&ids=D10041 "
            "or ids=G18062,D10041. A number given more than once (also in another case) "
            "is compared once.",
            "example": ["G18062", "D10041"],
        },
    )


class CompareUnknownSchema(Schema):
    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True, metadata={"description": "Names the unknown ones"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": '{"unknown": [the institution numbers not found]}'},
    )


class CompareValueSchema(Schema):
    institution_number = fields.String(required=True)
    municipality_code = fields.Integer(required=True)
    value = fields.Float(required=True, allow_none=True)
    year = fields.Integer(required=True, allow_none=True)


class CompareIndicatorSchema(Schema):
    indicator = fields.String(required=True)
    threshold = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "The smallest difference that is significant; null: never judged"},
    )
    values = fields.List(fields.Nested(CompareValueSchema), required=True)
    difference = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Largest minus smallest value; null when one is unknown"},
    )
    significant = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={"description": "null: unknown, or an indicator that is never judged"},
    )


class CompareRuleSchema(Schema):
    en = fields.String(required=True)
    da = fields.String(required=True)
    thresholds = fields.Dict(
        keys=fields.String(), values=fields.Float(allow_none=True), required=True
    )


class ComparisonSchema(Schema):
    rule = fields.Nested(CompareRuleSchema, required=True)
    institutions = fields.List(
        fields.Nested(InstitutionDocumentSchema),
        required=True,
        metadata={"description": "In the order the ids were given"},
    )
    indicators = fields.List(fields.Nested(CompareIndicatorSchema), required=True)


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


def _indicator(indicator: str, documents: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
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


def _engine() -> Engine:
    engine: Engine = current_app.extensions["search.engine"]
    return engine


@blp.route("/compare")
class Compare(MethodView):
    @blp.arguments(CompareQuerySchema, location="query")
    @blp.response(200, ComparisonSchema)
    @blp.alt_response(404, schema=CompareUnknownSchema, description="Unknown institution numbers")
    @blp.alt_response(
        422,
        schema=ProblemSchema,
        description="Fewer than 2 or more than 4 ids, or one that is not an institution number",
    )
    @blp.doc(
        description="Each institution's document side by side and, per indicator, the "
        "values, their difference and whether it is significant. Numbers are read in any "
        "case; one given twice is compared once (so ids=G18062,g18062 shows one). " + RULE_EN
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Compare 2 to 4 institutions"""
        # Repeats (after upper-casing) count once, in the order first given.
        ids: list[str] = list(dict.fromkeys(args["ids"]))
        with Session(_engine()) as session:
            rows = {row["number"]: row for row in repository.institution_rows(session, ids)}
            missing = [number for number in ids if number not in rows]
            if missing:
                abort(
                    404,
                    message=f"Unknown institution number(s): {', '.join(missing)}.",
                    errors={"unknown": missing},
                )
            municipal = repository.municipal_figures(session)
            national = repository.national(session)
        documents = [
            institution_document(
                rows[number], municipal.get(rows[number]["municipality_code"]), national
            )
            for number in ids
        ]
        return {
            "rule": {"en": RULE_EN, "da": RULE_DA, "thresholds": dict(THRESHOLDS)},
            "institutions": documents,
            "indicators": [_indicator(indicator, documents) for indicator in INDICATORS],
        }
