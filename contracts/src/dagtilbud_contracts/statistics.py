"""Municipality statistics aggregate: every published figure for one municipality.

Produced by ingest on ``ingest.statistics.v1`` after a statistics import. The
payload holds all indicators and years known for the municipality, not only the
ones the import touched; subject and key are ``kommune:<code>``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from dagtilbud_contracts import _fields as f
from dagtilbud_contracts import vocabulary as v

PUBLISHED = "dk.dagtilbud.statistics.published.v1"

# Children per adult; the worst municipal value ever published is far below
# this, so anything above is a unit mix-up (e.g. a child count in the column).
MAX_NORMERING = 30.0
# Children in daycare in one municipality; København, the largest, has about
# 30,000, so anything above this is a unit or column mix-up.
MAX_COUNT = 100_000


class FigureSchema(Schema):
    """One indicator for one year."""

    indicator = f.choice(v.INDICATORS, required=True)
    year = f.integer(required=True, validate=validate.Range(min=2000, max=2100))
    value = f.JsonNumber(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0),
        metadata={
            "description": (
                "Null only in events from before missing values were withdrawn; a figure "
                "the source marks as missing (DST '..') is left out. A normering of 0 "
                "means the municipality has no such offer."
            )
        },
    )
    source = f.text(
        max_length=100,
        required=True,
        metadata={"description": "Source table or API the value came from, e.g. DST BOERN8."},
    )
    # Optional so that events published before it existed still replay; a
    # consumer takes a normering without one as counted the way its year was.
    series = f.choice(
        v.NORMERING_SERIES,
        required=False,
        allow_none=True,
        metadata={
            "description": (
                "How a normering is counted: opgoerelse_til_2022, or opgoerelse_fra_2023 (the "
                "ministry's method from 2023). Figures of different series are not comparable "
                "and are never averaged together. Null or absent for the other indicators; "
                "absent on a normering (older events): the series of its year."
            )
        },
    )

    @validates_schema
    def _check_value_range(self, data: dict[str, Any], **kwargs: Any) -> None:
        indicator, value = data["indicator"], data["value"]
        if indicator not in v.NORMERING_INDICATORS and data.get("series") is not None:
            raise ValidationError("only a normering has a series", "series")
        if value is None:
            return
        if indicator in v.PERCENT_INDICATORS and value > 100:
            raise ValidationError("a share is at most 100 per cent", "value")
        if indicator in v.NORMERING_INDICATORS and value > MAX_NORMERING:
            raise ValidationError(f"at most {MAX_NORMERING} children per adult", "value")
        if indicator in v.COUNT_INDICATORS and value > MAX_COUNT:
            raise ValidationError(f"a count is at most {MAX_COUNT:,}", "value")
        if indicator in v.COUNT_INDICATORS and not float(value).is_integer():
            raise ValidationError("a count is a whole number", "value")


class MunicipalityStatisticsSchema(Schema):
    """Full set of published statistics figures for one municipality."""

    municipality_code = f.municipality_code(required=True)
    municipality_name = f.text(max_length=100, required=True)
    figures = fields.List(
        fields.Nested(FigureSchema),
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "At most one figure per indicator and year."},
    )
    dataset_version = f.text(
        max_length=100,
        required=True,
        metadata={"description": "Id of the ingest dataset version (import) that produced it."},
    )

    @validates_schema
    def _check_unique_figures(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: set[tuple[str, int]] = set()
        for figure in data["figures"]:
            key = (figure["indicator"], figure["year"])
            if key in seen:
                raise ValidationError(f"{key[0]} {key[1]} appears twice", "figures")
            seen.add(key)
