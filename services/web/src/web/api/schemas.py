"""The pages' query parameters, validated with messages a parent understands.

Messages are lazy strings: marshmallow formats them when a request fails, in
that request's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from dagtilbud_contracts import vocabulary as v
from web.domain.indicators import INDICATORS
from web.domain.search_request import RADIUS_CHOICES_KM, SORTS

MEAL_CHOICES = ("offered", "none", *v.MEAL_KINDS, *v.DIETS)
CLOCK_MESSAGE = _l("Skriv et klokkeslæt som TT:MM, fx 07:00.")
ORGANIC_MESSAGE = _l("Skriv økologiandelen som et helt tal fra 0 til 100.")
MAX_LANGUAGES = 10


def _choice(choices: tuple[str, ...] | list[str]) -> validate.OneOf:
    return validate.OneOf(choices, error=_l("Vælg en af mulighederne på listen."))


class SearchPageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        load_default=None,
        validate=validate.Length(
            max=100, error=_l("Skriv højst 100 tegn: et postnummer, en by eller en adresse.")
        ),
    )
    lat = fields.Float(
        load_default=None,
        validate=validate.Range(
            min=v.LAT_MIN, max=v.LAT_MAX, error=_l("Positionen ligger ikke i Danmark.")
        ),
        error_messages={"invalid": _l("Positionen skal være et tal.")},
    )
    lon = fields.Float(
        load_default=None,
        validate=validate.Range(
            min=v.LON_MIN, max=v.LON_MAX, error=_l("Positionen ligger ikke i Danmark.")
        ),
        error_messages={"invalid": _l("Positionen skal være et tal.")},
    )
    name = fields.String(
        load_default=None,
        validate=validate.Length(max=100, error=_l("Skriv højst 100 tegn af navnet.")),
    )
    age_group = fields.List(fields.String(validate=_choice(["0-2", "3-5"])), load_default=list)
    kind = fields.List(fields.String(validate=_choice(v.INSTITUTION_KINDS)), load_default=list)
    ownership = fields.List(fields.String(validate=_choice(v.OWNERSHIPS)), load_default=list)
    meal = fields.String(load_default=None, validate=_choice(MEAL_CHOICES))
    open_before = fields.String(
        load_default=None, validate=validate.Regexp(v.CLOCK_PATTERN, error=CLOCK_MESSAGE)
    )
    open_after = fields.String(
        load_default=None, validate=validate.Regexp(v.CLOCK_PATTERN, error=CLOCK_MESSAGE)
    )
    tag = fields.List(
        fields.String(validate=validate.Regexp(v.TAG_PATTERN, error=_l("Ukendt fokusområde."))),
        load_default=list,
        validate=validate.Length(max=10, error=_l("Vælg højst 10 fokusområder.")),
    )
    open_places = fields.String(load_default=None, validate=_choice(v.AGE_GROUPS))
    language = fields.List(
        fields.String(validate=_choice(v.LANGUAGES)),
        load_default=list,
        validate=validate.Length(max=MAX_LANGUAGES, error=_l("Vælg højst 10 sprog.")),
    )
    organic_min = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=100, error=ORGANIC_MESSAGE),
        error_messages={"invalid": ORGANIC_MESSAGE},
    )
    radius_km = fields.Float(
        load_default=5.0,
        validate=validate.OneOf(RADIUS_CHOICES_KM, error=_l("Vælg en afstand på listen.")),
        error_messages={"invalid": _l("Vælg en afstand på listen.")},
    )
    sort = fields.String(load_default="distance", validate=_choice(SORTS))
    cursor = fields.String(
        load_default=None, validate=validate.Length(max=400, error=_l("Ugyldigt sidenummer."))
    )
    liste = fields.String(load_default=None, validate=validate.Length(max=200))


class NationalPageSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    indikator = fields.String(load_default="normering_0_2", validate=_choice(INDICATORS))
    sortering = fields.String(load_default="name", validate=_choice(["name", "value"]))
    retning = fields.String(load_default="op", validate=_choice(["op", "ned"]))


LIST_FIELDS = ("age_group", "kind", "ownership", "tag", "language")


def load_query(
    schema: Schema, args: MultiDict[str, str], list_fields: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(values, errors by field). A field in error is left at its default, so
    the page still renders with the rest of what the parent chose."""
    raw: dict[str, Any] = {}
    for key in args:
        if key in list_fields:
            # Checkboxes repeat the key; links may join values with commas.
            raw[key] = [p for value in args.getlist(key) for p in value.split(",") if p]
        else:
            value = args.get(key, "").strip()
            if value != "":
                raw[key] = value
    try:
        return schema.load(raw), {}
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_": error.messages}
        errors = {field: _flatten(problem) for field, problem in messages.items()}
        cleaned = {k: val for k, val in raw.items() if k not in errors}
        return schema.load(cleaned), errors


def _flatten(problem: Any) -> list[str]:
    if isinstance(problem, Mapping):
        return sorted({m for value in problem.values() for m in _flatten(value)})
    if isinstance(problem, list):
        return [str(m) for m in problem]
    return [str(problem)]
