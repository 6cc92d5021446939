"""payload_validator is a fast copy of validate_event for consumers: it must
accept and reject the same events, naming the same fields."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from marshmallow import Schema, fields
from marshmallow.decorators import VALIDATES_SCHEMA

from dagkit.envelope import Envelope, EnvelopeError
from dagtilbud_contracts import (
    EVENT_TYPES,
    EVENTS,
    ContractError,
    EnvelopeMismatchError,
    InvalidPayloadError,
    UnknownEventTypeError,
    account,
    institution,
    payload_validator,
    profile,
    statistics,
    validate_event,
)
from dagtilbud_contracts import _fields as f
from dagtilbud_contracts.consuming import CROSS_FIELD_RULES
from dagtilbud_contracts.examples import load_examples, load_invalid_examples
from dagtilbud_contracts.registry import validate_payload

EXAMPLES = load_examples()
INVALID = load_invalid_examples()
# The one invalid example a consumer's validator lets through: a type it does
# not handle is no business of its validator (the consumer ignores it).
NOT_HANDLED = {"unknown-type.json"}

VALIDATE = payload_validator(EVENT_TYPES)


def _ids(pairs: list[Any]) -> list[str]:
    return [pair[0].name for pair in pairs]


def _example(event_type: str) -> dict[str, Any]:
    return load_examples(event_type)[0][1]


def _fast(raw: dict[str, Any]) -> Envelope:
    envelope = Envelope.from_dict(raw)
    VALIDATE(envelope)
    return envelope


def _error_keys(errors: Any) -> set[str]:
    if not isinstance(errors, dict):
        return set()
    keys = {str(key) for key in errors}
    for value in errors.values():
        keys |= _error_keys(value)
    return keys


# ------------------------------------------------------------ the examples
@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=_ids(EXAMPLES))
def test_accepts_every_example(path: Path, raw: dict[str, Any]) -> None:
    assert _fast(raw) == validate_event(raw)


@pytest.mark.parametrize("example", INVALID, ids=_ids(INVALID))
def test_rejects_every_invalid_example_naming_the_field(example: Any) -> None:
    if example.path.name in NOT_HANDLED:
        _fast(example.event)
        return
    with pytest.raises(EnvelopeError) as caught:
        _fast(example.event)
    assert example.field in str(caught.value)
    if isinstance(caught.value, ContractError):
        assert example.field in _error_keys(caught.value.errors)


def test_an_institution_without_kind_is_an_invalid_payload() -> None:
    raw = _example(institution.REGISTERED)
    del raw["data"]["kind"]
    with pytest.raises(InvalidPayloadError) as caught:
        _fast(raw)
    assert caught.value.errors == {"kind": ["Missing data for required field."]}


def test_statistics_for_municipality_999_are_an_invalid_payload() -> None:
    raw = _example(statistics.PUBLISHED)
    raw["data"]["municipality_code"] = 999
    raw["subject"] = "kommune:999"
    with pytest.raises(InvalidPayloadError) as caught:
        _fast(raw)
    assert set(caught.value.errors) == {"municipality_code"}


def test_errors_name_the_path_with_list_positions() -> None:
    raw = _example(statistics.PUBLISHED)
    raw["data"]["figures"][2]["value"] = ".."
    with pytest.raises(InvalidPayloadError) as caught:
        _fast(raw)
    assert list(caught.value.errors) == ["figures"]
    assert list(caught.value.errors["figures"]) == [2]
    assert list(caught.value.errors["figures"][2]) == ["value"]


def test_a_child_count_beyond_any_municipality_is_an_invalid_payload() -> None:
    # 10^12 children once reached the national figures through a statistics file.
    raw = _example(statistics.PUBLISHED)
    raw["data"]["figures"] = [
        {"indicator": "antal_boern", "year": 2023, "value": 10**12, "source": "DST"}
    ]
    with pytest.raises(InvalidPayloadError):
        _fast(raw)
    with pytest.raises(InvalidPayloadError):
        validate_payload(statistics.PUBLISHED, raw["data"])


def test_an_e_mail_address_longer_than_rfc_5321_allows_is_an_invalid_payload() -> None:
    raw = _example(institution.REGISTERED)
    raw["data"]["contact"] = {
        "phone": None,
        "email": "a" * 250 + "@b.dk",
        "website": None,
    }
    with pytest.raises(InvalidPayloadError) as caught:
        _fast(raw)
    assert "contact" in caught.value.errors


def test_a_subject_that_disagrees_with_data_is_a_mismatch() -> None:
    raw = _example(institution.REGISTERED)
    raw["subject"] = "ZZZZZZ"
    with pytest.raises(EnvelopeMismatchError) as caught:
        _fast(raw)
    assert set(caught.value.errors) == {"subject"}


def test_types_not_handled_pass_untouched() -> None:
    validate = payload_validator([institution.REGISTERED])
    broken = _example(account.CREATED)
    broken["data"] = {"anything": "at all"}
    validate(Envelope.from_dict(broken))
    bad_institution = _example(institution.REGISTERED)
    del bad_institution["data"]["kind"]
    with pytest.raises(InvalidPayloadError):
        validate(Envelope.from_dict(bad_institution))


def test_naming_an_unregistered_type_fails_at_once() -> None:
    with pytest.raises(UnknownEventTypeError):
        payload_validator(["dk.dagtilbud.nothing.happened.v1"])


def test_every_type_has_its_cross_field_rules() -> None:
    assert set(CROSS_FIELD_RULES) == set(EVENT_TYPES)


# ---------------------------------------- differential: fast against strict
_DROP = object()
_STRINGS = (
    "",
    " ",
    "x",
    "x" * 201,
    "x" * 4001,
    "ø",
    "G1843",
    "G18430",
    "G18430\n",
    "kommune:101",
    "active",
    "closed",
    "2026-04-04",
    "20260404",
    "2026-W14-6",
    "2026-02-30",
    "2026-04-04T06:15:02Z",
    "2026-04-04T06:15:02",
    "2026-04-04 06:15:02+02:00",
    "2026-04-04T06:15:02.418305+00:00\n",
    "kontakt@example.dk",
    "a@b",
    "a@localhost",
    "a@@b.dk",
    "https://example.dk",
    "http://localhost",
    "https://x",
    "ftp://example.dk",
    "example.dk",
    "https://ø.dk/sti?q=1",
    "+45 33 12 34 56",
    "08:00",
    "24:00",
    "d40194f0-4c0c-4f3a-b873-448f4ac17775",
    "D40194F0-4C0C-4F3A-B873-448F4AC17775",
)
_OTHERS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    1,
    -1,
    7,
    101,
    999,
    2001,
    1.0,
    2.5,
    55.7,
    10**400,
    float("nan"),
    float("inf"),
    [],
    {},
)


def _locations(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield at, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _locations(value, (*at, key))
    elif isinstance(node, list):
        # The items of a list share one schema; two of them show its handling.
        for index, value in enumerate(node[:2]):
            yield from _locations(value, (*at, index))


def _derived(value: Any) -> list[Any]:
    """Near misses of a value: one step over a limit, another type of the same."""
    if isinstance(value, bool):
        return [not value, int(value)]
    if isinstance(value, str):
        return [value + "\n", value.upper(), value.lower(), value + "x", value[:-1], " " + value]
    if isinstance(value, int):
        return [value + 1, value - 1, float(value), -value, str(value)]
    if isinstance(value, float):
        return [value + 1000, -value, int(value), str(value)]
    if isinstance(value, list):
        return [value + value[:1], value[:1], value * 50] if value else [[{}], [1]]
    if isinstance(value, dict):
        return [{**value, "extra": 1}]
    return []


def _set(raw: dict[str, Any], at: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    parent = out
    for step in at[:-1]:
        parent = parent[step]
    if value is _DROP:
        del parent[at[-1]]
    else:
        parent[at[-1]] = value
    return out


def _mutations(raw: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for at, value in _locations(raw["data"]):
        if not at:
            continue
        where = ("data", *at)
        candidates: list[Any] = [*_OTHERS, *_derived(value)]
        if isinstance(value, str) or value is None:
            candidates += _STRINGS
        if isinstance(at[-1], str):
            candidates.append(_DROP)
        for candidate in candidates:
            yield f"{'.'.join(map(str, where))}={candidate!r:.30}", _set(raw, where, candidate)
    for name, value in (
        ("subject", "G00000"),
        ("source", "/services/profiles"),
        ("dataschema", "urn:dagtilbud:schema:other"),
        ("dataschema", None),
        ("aggregateversion", 0),
    ):
        yield f"{name}={value!r}", _set(raw, (name,), value)


def _outcome(check: Callable[[dict[str, Any]], Envelope], raw: dict[str, Any]) -> Any:
    try:
        return check(raw)
    except EnvelopeError as exc:
        return exc


def _disagreement(raw: dict[str, Any]) -> str | None:
    strict = _outcome(validate_event, raw)
    fast = _outcome(_fast, raw)
    if isinstance(strict, Envelope) or isinstance(fast, Envelope):
        return None if fast == strict else f"strict: {strict!r}\nfast: {fast!r}"
    if type(fast) is not type(strict):
        return f"strict: {strict!r}\nfast: {fast!r}"
    # fast reports the first problem it meets; marshmallow reports them all.
    if isinstance(fast, ContractError) and not _error_keys(fast.errors) <= _error_keys(
        strict.errors
    ):
        return f"strict: {strict.errors}\nfast: {fast.errors}"
    return None


@pytest.mark.parametrize(("path", "raw"), EXAMPLES, ids=_ids(EXAMPLES))
def test_fast_and_strict_agree_on_mutations_of_the_example(path: Path, raw: dict[str, Any]) -> None:
    disagreements = []
    count = 0
    for name, mutated in _mutations(raw):
        count += 1
        found = _disagreement(mutated)
        if found is not None:
            disagreements.append(f"{name}\n{found}")
    assert count > 100
    assert disagreements == [], "\n\n".join(disagreements[:10])


@pytest.mark.parametrize("example", INVALID, ids=_ids(INVALID))
def test_fast_and_strict_agree_on_the_invalid_examples(example: Any) -> None:
    if example.path.name in NOT_HANDLED:
        assert isinstance(_outcome(validate_event, example.event), ContractError)
        assert isinstance(_outcome(_fast, example.event), Envelope)
        return
    assert _disagreement(example.event) is None


def _changed(event_type: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    # The dagpleje variants have every optional part filled in.
    found = [r for p, r in EXAMPLES if r["type"] == event_type]
    raw = copy.deepcopy(next((r for r in found if "dagpleje" in r["data"]), found[0]))
    change(raw["data"])
    return raw


def _institution(**changes: Any) -> dict[str, Any]:
    return _changed(institution.UPDATED, lambda data: data.update(changes))


def _figure(**changes: Any) -> dict[str, Any]:
    return _changed(statistics.PUBLISHED, lambda data: data["figures"][0].update(changes))


def _profile(**changes: Any) -> dict[str, Any]:
    return _changed(profile.UPDATED, lambda data: data.update(changes))


def _meals(
    offered: bool, kind: str | None, diets: list[str], price: float | None
) -> dict[str, Any]:
    scheme = {"offered": offered, "kind": kind, "diets": diets, "price_per_month_dkk": price}
    return _profile(meal_scheme=scheme)


def _closing_days(*days: str) -> dict[str, Any]:
    return _profile(closing_days=[{"date": day, "reason": None} for day in days])


def _account(**changes: Any) -> dict[str, Any]:
    return _changed(account.CREATED, lambda data: data.update(changes))


def _repeat_first_figure(data: dict[str, Any]) -> None:
    data["figures"].append(dict(data["figures"][0]))


def _playgroup_twice(data: dict[str, Any]) -> None:
    data["dagpleje"]["playgroup_weekdays"] = [1, 1]


_LATE_OPENING = {"weekday": 0, "opens": "10:00", "closes": "09:00"}

# Each breaks (or just keeps) one @validates_schema rule, which JSON Schema
# cannot express; the fast validator runs the schemas' own rule methods.
CROSS_FIELD = [
    ("no age group", _institution(accepts_0_2=False, accepts_3_5=False)),
    ("closed without date", _institution(status="closed", closed_on=None)),
    ("active with date", _institution(status="active", closed_on="2026-01-01")),
    ("closed before opened", _institution(opened_on="2026-01-02", closed_on="2026-01-01")),
    (
        "closed on opening day",
        _institution(status="closed", opened_on="2026-01-01", closed_on="2026-01-01"),
    ),
    (
        "closed before opened, compact date",
        _institution(status="closed", opened_on="20260102", closed_on="2026-01-01"),
    ),
    ("share over 100", _figure(indicator="andel_ikke_dansk_baggrund_pct", value=100.5)),
    ("normering over 30", _figure(indicator="normering_0_2", value=31)),
    ("count not whole", _figure(indicator="antal_boern", value=10.5)),
    ("figure twice", _changed(statistics.PUBLISHED, _repeat_first_figure)),
    ("closes before opens", _profile(opening_hours=[_LATE_OPENING])),
    ("meals without kind", _meals(True, None, [], None)),
    ("no meals with a price", _meals(False, None, [], 100)),
    ("no meals with diets", _meals(False, None, ["halal"], None)),
    ("diet twice", _meals(True, "frokost", ["halal", "halal"], None)),
    ("playgroup day twice", _changed(profile.UPDATED, _playgroup_twice)),
    ("closing day twice", _closing_days("2026-05-15", "2026-05-15")),
    ("closing day twice, two spellings", _closing_days("2026-05-15", "20260515")),
    ("two closing days", _closing_days("2026-05-15", "2026-05-16")),
    ("tag twice", _profile(tags=["udeliv", "udeliv"])),
    ("institution role without number", _account(role="institution", institution_number=None)),
    (
        "admin with number",
        _account(role="admin", institution_number="G10433", municipality_code=None),
    ),
    (
        "municipality role without code",
        _account(role="municipality", institution_number=None, municipality_code=None),
    ),
    ("dst with code", _account(role="dst", institution_number=None, municipality_code=101)),
]


@pytest.mark.parametrize(("name", "raw"), CROSS_FIELD, ids=[name for name, _ in CROSS_FIELD])
def test_fast_and_strict_agree_on_cross_field_rules(name: str, raw: dict[str, Any]) -> None:
    assert _disagreement(raw) is None


def test_cross_field_cases_do_break_rules() -> None:
    # All but the two that keep their rule, or the cases would test nothing.
    accepted = [n for n, raw in CROSS_FIELD if isinstance(_outcome(_fast, raw), Envelope)]
    assert accepted == ["closed on opening day", "two closing days"]


# ------------------------------------ what the fast validator assumes of the schemas
def _schemas(schema: Schema) -> Iterator[Schema]:
    yield schema
    for field in schema.fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from _schemas(inner.schema)


def _payload_fields() -> Iterator[fields.Field[Any]]:
    for spec in EVENTS.values():
        for schema in _schemas(spec.schema()):
            for field in schema.fields.values():
                yield field
                if isinstance(field, fields.List):
                    yield field.inner


def test_formats_mean_what_the_fast_validator_checks() -> None:
    # date-time is checked as an aware datetime and uri as web_url's URL.
    web_url = f.web_url().validators[0]
    for field in _payload_fields():
        if isinstance(field, fields.DateTime):
            assert isinstance(field, fields.AwareDateTime), field
            assert field.default_timezone is None
        if isinstance(field, fields.URL):
            url = field.validators[0]
            assert (url.schemes, url.require_tld, url.relative) == (
                web_url.schemes,  # type: ignore[attr-defined]
                web_url.require_tld,  # type: ignore[attr-defined]
                web_url.relative,  # type: ignore[attr-defined]
            )
        assert not isinstance(field, fields.UUID | fields.Dict | fields.Decimal), field


def test_every_cross_field_rule_is_known() -> None:
    # A new @validates_schema method must be called from consuming.py too;
    # then add it here.
    found = set()
    for spec in EVENTS.values():
        for schema in _schemas(spec.schema()):
            for name in dir(type(schema)):
                hooks = getattr(getattr(type(schema), name), "__marshmallow_hook__", None) or {}
                if VALIDATES_SCHEMA in hooks:
                    found.add(getattr(type(schema), name).__qualname__)
    assert found == {
        "InstitutionSchema._check_consistency",
        "FigureSchema._check_value_range",
        "MunicipalityStatisticsSchema._check_unique_figures",
        "OpeningHoursSchema._check_order",
        "MealSchemeSchema._check_offered",
        "DagplejeSchema._check_unique",
        "ClosingDaySchema._check_range",
        "OpenPlacesSchema._check_month",
        "ProfileSchema._check_unique",
        "AccountSchema._check_scope",
    }


# ---------------------------------------------------------------- speed
def _best_seconds(action: Callable[[], object], runs: int, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(runs):
            action()
        best = min(best, time.perf_counter() - start)
    return best


def test_fast_validator_is_at_least_three_times_faster_than_validate_event() -> None:
    # A ratio measured in one run, so a slow or busy machine does not matter.
    raw = _example(institution.REGISTERED)
    envelope = Envelope.from_dict(raw)
    validate = payload_validator([institution.REGISTERED])
    fast = _best_seconds(lambda: validate(envelope), 500)
    strict = _best_seconds(lambda: validate_event(raw), 500)
    assert strict / fast >= 3, f"fast {fast:.4f}s, validate_event {strict:.4f}s for 500 events"
