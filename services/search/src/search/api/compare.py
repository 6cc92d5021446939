"""Two to four institutions side by side, and per indicator whether the
difference between their figures is large enough to mean something."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from search.api.problems import answer_422s, reads_query
from search.api.schemas import (
    InstitutionDocumentSchema,
    InstitutionNumbers,
    YearValueSchema,
    nullable,
)
from search.bootstrap import context
from search.domain.comparison import RULE_DA, RULE_EN, THRESHOLDS
from search.service_layer.compare import UnknownInstitutions, compare

blp = Blueprint(
    "compare",
    __name__,
    url_prefix="/v1",
    description="Institutions side by side, with which differences mean something",
)
answer_422s(blp)

MIN_IDS, MAX_IDS = 2, 4


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


class CompareValueSchema(YearValueSchema):
    institution_number = fields.String(required=True)
    municipality_code = fields.Integer(required=True)
    # The municipality may have no figure for the indicator at all.
    year = nullable(fields.Integer)


class CompareIndicatorSchema(Schema):
    indicator = fields.String(required=True)
    threshold = nullable(
        fields.Float, description="The smallest difference that is significant; null: never judged"
    )
    values = fields.List(fields.Nested(CompareValueSchema), required=True)
    difference = nullable(
        fields.Float, description="Largest minus smallest value; null when one is unknown"
    )
    significant = nullable(
        fields.Boolean, description="null: unknown, or an indicator that is never judged"
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


@blp.route("/compare")
class Compare(MethodView):
    @reads_query(
        blp,
        CompareQuerySchema,
        refused="Fewer than 2 or more than 4 ids, or one that is not an institution number",
    )
    @blp.response(200, ComparisonSchema)
    @blp.alt_response(404, schema=CompareUnknownSchema, description="Unknown institution numbers")
    @blp.doc(
        description="Each institution's document side by side and, per indicator, the "
        "values, their difference and whether it is significant. Numbers are read in any "
        "case; one given twice is compared once (so ids=G18062,g18062 shows one). " + RULE_EN
    )
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Compare 2 to 4 institutions"""
        try:
            comparison = compare(context(), args["ids"])
        except UnknownInstitutions as exc:
            abort(
                404,
                message=f"Unknown institution number(s): {', '.join(exc.numbers)}.",
                errors={"unknown": exc.numbers},
            )
        return {
            "rule": {"en": RULE_EN, "da": RULE_DA, "thresholds": dict(THRESHOLDS)},
            "institutions": comparison.institutions,
            "indicators": comparison.indicators,
        }
