"""Payload checks for a consumer's hot path.

``validate_event`` loads a payload with its marshmallow schema, which costs
tens to hundreds of microseconds an event. A consumer only needs a yes or no
(and a reason for the dead letter), so ``payload_validator`` checks ``data``
against the type's exported JSON Schema compiled to Python by fastjsonschema,
then the same subject, source and dataschema rules as ``validate_event``.

The marshmallow schemas stay the definition and producers keep validating with
them. Where a JSON Schema validator would read the schema differently from
marshmallow, this one is made to read it marshmallow's way:

* ``integer`` means a JSON integer, so 3.0 is not one (draft-04 semantics;
  later drafts accept it, marshmallow's strict Integer does not).
* ``pattern`` is matched like ``re.match``, whose ``$`` also matches before a
  final newline.
* ``format`` is checked by what the marshmallow field uses (``date.fromisoformat``,
  an aware ``datetime.fromisoformat``, marshmallow's Email and URL validators).
* a ``number`` must be finite: marshmallow refuses NaN, infinity and integers
  too large for a float, which JSON Schema has no words for.
* the cross-field rules (``@validates_schema``: closed_on against status, one
  figure per indicator and year, ...) cannot be said in JSON Schema at all;
  they run by calling the payload schemas' own rule methods, so each rule is
  still written once.

The tests hold this module to ``validate_event`` on the examples and on many
mutations of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any, Final

import fastjsonschema
from marshmallow import ValidationError, fields

from dagkit.envelope import Envelope
from dagtilbud_contracts import _fields, account, institution, profile, statistics
from dagtilbud_contracts.registry import InvalidPayloadError, check_envelope_matches, event_spec

PayloadValidator = Callable[[Envelope], None]

# The keywords this module makes fastjsonschema read as marshmallow does; a
# schema using another one fails loudly instead of being half checked.
_KEYWORDS: Final = frozenset(
    {
        "$schema",
        "$id",
        "title",
        "description",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "enum",
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "items",
        "minItems",
        "maxItems",
    }
)
_DRAFT_04: Final = "http://json-schema.org/draft-04/schema#"
# An enum longer than this is checked with a set after fastjsonschema, whose
# generated code compares the value with every member in turn.
_LONG_ENUM: Final = 16


# --------------------------------------------------------------------- formats
def _passes(check: Callable[[str], object]) -> Callable[[str], bool]:
    def passes(value: str) -> bool:
        try:
            check(value)
        except (ValueError, ValidationError):
            return False
        return True

    return passes


def _aware_datetime(value: str) -> None:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None or parsed.tzinfo.utcoffset(parsed) is None:
        raise ValueError("naive datetime")


# Each format as the marshmallow field behind it checks it. Every date-time
# field is an AwareDateTime and every uri a web_url (the tests make sure);
# "uuid" only labels fields whose pattern already says everything.
_FORMATS: Final[Mapping[str, Callable[[str], bool]]] = {
    "date": _passes(date.fromisoformat),
    "date-time": _passes(_aware_datetime),
    "email": _passes(fields.Email().validators[0]),
    "uri": _passes(_fields.web_url().validators[0]),
    "uuid": lambda value: True,
}


# ------------------------------------------------- checks fastjsonschema can't do
# A path through the payload; None stands for every item of a list.
_Path = tuple[str | None, ...]
# Where a value failed (keys and list positions) and why.
_Failure = tuple[list[Any], str]
_Finder = Callable[[Any], "_Failure | None"]


def _not_finite(value: Any) -> str | None:
    # json.loads reads NaN, Infinity and 1e999; marshmallow's Float refuses
    # them, and integers too large for a float.
    if type(value) is float:
        if math.isfinite(value):
            return None
        return "Special numeric values (nan or infinity) are not permitted."
    if type(value) is int:
        try:
            float(value)
        except OverflowError:
            return "Number too large."
    return None


def _one_of(allowed: frozenset[Any]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else "Must be one of the values the schema lists."

    return check


def _finder(path: _Path, fails: Callable[[Any], str | None]) -> _Finder:
    """A function that finds the first value on ``path`` that ``fails``
    objects to. The location is put together only for a failure."""
    if not path:

        def leaf(value: Any) -> _Failure | None:
            message = fails(value)
            return None if message is None else ([], message)

        return leaf
    step, inner = path[0], _finder(path[1:], fails)
    if step is None:

        def each(node: Any) -> _Failure | None:
            if type(node) is list:
                for index, item in enumerate(node):
                    found = inner(item)
                    if found is not None:
                        found[0].insert(0, index)
                        return found
            return None

        return each

    def member(node: Any) -> _Failure | None:
        if type(node) is dict and step in node:
            found = inner(node[step])
            if found is not None:
                found[0].insert(0, step)
            return found
        return None

    return member


def _match_like_marshmallow(pattern: str) -> str:
    # fastjsonschema searches, and turns "$" into "\Z"; this spells out what
    # re.match(pattern) means, so it reads the same either way.
    if "$" in pattern[:-1] or pattern.endswith("\\$"):
        raise ValueError(f"cannot mirror re.match for pattern {pattern!r}")
    body = pattern[:-1] + r"(?=\n?\Z)" if pattern.endswith("$") else pattern
    return rf"\A(?:{body})"


def _types(schema: Mapping[str, Any]) -> set[str]:
    types = schema.get("type", [])
    return set(types) if isinstance(types, list) else {types}


def _prepare(schema: Mapping[str, Any], at: _Path, after: list[_Finder]) -> dict[str, Any]:
    """The schema as fastjsonschema must see it to judge like marshmallow;
    adds to ``after`` the checks to run on what it lets through."""
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise ValueError(f"JSON Schema keywords the fast validator does not mirror: {unknown}")
    if "format" in schema and schema["format"] not in _FORMATS:
        raise ValueError(f"JSON Schema format the fast validator does not mirror: {schema}")
    out = dict(schema)
    types = _types(out)
    if "pattern" in out:
        out["pattern"] = _match_like_marshmallow(out["pattern"])
    if "number" in types:
        after.append(_finder(at, _not_finite))
    # Only where the type check has already refused booleans and floats, which
    # a set would take for the integers they equal.
    if len(out.get("enum", ())) > _LONG_ENUM and types <= {"integer", "string", "null"}:
        after.append(_finder(at, _one_of(frozenset(out.pop("enum")))))
    if "properties" in out:
        out["properties"] = {
            name: _prepare(sub, (*at, name), after) for name, sub in out["properties"].items()
        }
    if "items" in out:
        out["items"] = _prepare(out["items"], (*at, None), after)
    return out


# ---------------------------------------------------------------------- errors
# fastjsonschema names a failing value like "data.figures[3].value".
_STEP_RE: Final = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _nest(at: Sequence[Any], messages: Any) -> Any:
    for key in reversed(at):
        messages = {key: messages}
    return messages


def _schema_errors(exc: fastjsonschema.JsonSchemaValueException) -> dict[Any, Any]:
    """marshmallow-shaped errors (nested by field, list positions as integer
    keys) from fastjsonschema's first failure."""
    at = [int(index) if index else key for key, index in _STEP_RE.findall(exc.name or "")]
    value = exc.value
    errors: dict[Any, Any]
    if exc.rule == "required" and isinstance(value, dict):
        missing = [name for name in exc.rule_definition or () if name not in value]
        errors = _nest(at, {name: ["Missing data for required field."] for name in missing})
    elif exc.rule == "additionalProperties" and isinstance(value, dict):
        known = (exc.definition or {}).get("properties", {})
        unknown = [name for name in value if name not in known]
        errors = _nest(at, {name: ["Unknown field."] for name in unknown})
    else:
        # The rewritten pattern would only confuse; marshmallow's words instead.
        pattern = exc.rule == "pattern"
        message = "String does not match expected pattern." if pattern else exc.message
        errors = _nest(at, [message]) if at else {"_schema": [message]}
    return errors


# ------------------------------------------------------------ cross-field rules
# Each calls the @validates_schema methods of the type's payload schemas on the
# raw payload (already valid against the JSON Schema), converting only what a
# rule compares as a loaded value (dates). A broken rule raises marshmallow's
# ValidationError, nested where marshmallow would put it.

_INSTITUTION: Final = institution.InstitutionSchema()
_FIGURE: Final = statistics.FigureSchema()
_STATISTICS: Final = statistics.MunicipalityStatisticsSchema()
_OPENING_HOURS: Final = profile.OpeningHoursSchema()
_MEAL_SCHEME: Final = profile.MealSchemeSchema()
_DAGPLEJE: Final = profile.DagplejeSchema()
_CLOSING_DAY: Final = profile.ClosingDaySchema()
_OPEN_PLACES: Final = profile.OpenPlacesSchema()
_PROFILE: Final = profile.ProfileSchema()
_ACCOUNT: Final = account.AccountSchema()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _messages(exc: ValidationError) -> dict[Any, Any]:
    # Keyed by the field the rule named, as marshmallow files it.
    messages: dict[Any, Any] = exc.normalized_messages()  # type: ignore[no-untyped-call]
    return messages


def _within(name: str, rule: Callable[..., Any], data: Mapping[str, Any] | None) -> None:
    if data is None:
        return
    try:
        rule(data)
    except ValidationError as exc:
        raise ValidationError({name: _messages(exc)}) from None


def _each(name: str, rule: Callable[..., Any], items: Sequence[Mapping[str, Any]]) -> None:
    index = 0
    try:
        for index, item in enumerate(items):  # noqa: B007 - the handler reads it
            rule(item)
    except ValidationError as exc:
        raise ValidationError({name: {index: _messages(exc)}}) from None


def _institution_rules(data: Mapping[str, Any]) -> None:
    opened, closed = _date(data["opened_on"]), _date(data["closed_on"])
    _INSTITUTION._check_consistency({**data, "opened_on": opened, "closed_on": closed})


def _statistics_rules(data: Mapping[str, Any]) -> None:
    _each("figures", _FIGURE._check_value_range, data["figures"])
    _STATISTICS._check_unique_figures(data)


def _profile_rules(data: Mapping[str, Any]) -> None:
    _each("opening_hours", _OPENING_HOURS._check_order, data["opening_hours"])
    _within("meal_scheme", _MEAL_SCHEME._check_offered, data["meal_scheme"])
    _within("dagpleje", _DAGPLEJE._check_unique, data["dagpleje"])
    days = [
        {**day, "date": _date(day["date"]), "until": _date(day.get("until"))}
        for day in data["closing_days"]
    ]
    _each("closing_days", _CLOSING_DAY._check_range, days)
    _each("open_places", _OPEN_PLACES._check_month, data.get("open_places") or [])
    _PROFILE._check_unique({**data, "closing_days": days})


def _account_rules(data: Mapping[str, Any]) -> None:
    _ACCOUNT._check_scope(data)


CROSS_FIELD_RULES: Final[Mapping[str, Callable[[Mapping[str, Any]], None]]] = {
    institution.REGISTERED: _institution_rules,
    institution.UPDATED: _institution_rules,
    institution.CLOSED: _institution_rules,
    statistics.PUBLISHED: _statistics_rules,
    profile.UPDATED: _profile_rules,
    account.CREATED: _account_rules,
    account.PASSWORD_CHANGED: _account_rules,
    account.LOCKED: _account_rules,
    account.DISABLED: _account_rules,
}


# ------------------------------------------------------------------- validator
@cache
def _check_for(event_type: str) -> PayloadValidator:
    # Deferred: the export pulls in apispec, which a consumer needs only here,
    # once per type.
    from dagtilbud_contracts.export import payload_json_schema

    spec = event_spec(event_type)
    after: list[_Finder] = []
    schema = _prepare(payload_json_schema(spec.type), (), after)
    schema["$schema"] = _DRAFT_04
    validate_schema = fastjsonschema.compile(schema, formats=dict(_FORMATS))
    rules = CROSS_FIELD_RULES[spec.type]

    def check(envelope: Envelope) -> None:
        data = envelope.data
        try:
            validate_schema(data)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise InvalidPayloadError(spec.type, _schema_errors(exc)) from None
        for find in after:
            found = find(data)
            if found is not None:
                at, message = found
                raise InvalidPayloadError(spec.type, _nest(at, [message]))
        try:
            rules(data)
        except ValidationError as exc:
            raise InvalidPayloadError(spec.type, _messages(exc)) from None
        check_envelope_matches(spec, envelope, data)

    return check


def payload_validator(event_types: Iterable[str]) -> PayloadValidator:
    """A check for the event types a consumer handles: ``validate(envelope)``
    raises InvalidPayloadError when ``data`` breaks the type's payload contract
    (``errors`` names the field path, list positions as integer keys) and
    EnvelopeMismatchError when subject, source or dataschema disagree with the
    payload or the registry, as ``validate_event`` would. Both are
    ContractErrors, so the consumer dead-letters the event at once. Only the
    first problem found is reported.

    An envelope of any other type passes untouched: a consumer ignores what it
    does not handle. Every type named must be registered
    (UnknownEventTypeError otherwise); each is compiled once per process.
    """
    checks = {event_spec(event_type).type: _check_for(event_type) for event_type in event_types}

    def validate(envelope: Envelope) -> None:
        check = checks.get(envelope.type)
        if check is not None:
            check(envelope)

    return validate


__all__ = ["CROSS_FIELD_RULES", "PayloadValidator", "payload_validator"]
