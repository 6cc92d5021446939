"""The guard against a register file that closes too much: the limit is
exact, an emptied municipality needs confirmation, and a confirmation must
name the exact count."""

from __future__ import annotations

from datetime import date
from typing import Any

from ingest.domain.changes import (
    CurrentInstitution,
    InstitutionChange,
    RegisterDiff,
    check_closures,
    no_closures,
)

TODAY = date(2026, 11, 30)


def payload(number: str, municipality: int, status: str = "active") -> dict[str, Any]:
    return {
        "institution_number": number,
        "name": f"Børnehus {number}",
        "municipality_code": municipality,
        "status": status,
    }


def register(counts: dict[int, int]) -> dict[str, CurrentInstitution]:
    """Active institutions: ``counts`` per municipality, numbered in order."""
    current = {}
    for code, n in counts.items():
        for i in range(n):
            number = f"{code:03d}{i:03d}"
            current[number] = CurrentInstitution("active", payload(number, code), 1)
    return current


def closing(current: dict[str, CurrentInstitution], *numbers: str) -> RegisterDiff:
    return RegisterDiff(
        changes=[
            InstitutionChange(
                "closed", n, {**current[n].payload, "status": "closed", "closed_on": str(TODAY)}
            )
            for n in numbers
        ]
    )


def test_closing_exactly_the_limit_needs_no_confirmation() -> None:
    current = register({101: 60, 751: 40})  # 100 active
    five = closing(current, "101000", "101001", "101002", "751000", "751001")

    check = check_closures(current, five, limit_pct=5.0, confirmed=None)

    assert (check.closing, check.active_before, check.share_pct) == (5, 100, 5.0)
    assert check.too_many is False
    assert check.needs_confirmation is False
    assert check.refusal is None
    assert dict(check.by_municipality) == {
        101: (
            ("101000", "Børnehus 101000"),
            ("101001", "Børnehus 101001"),
            ("101002", "Børnehus 101002"),
        ),
        751: (("751000", "Børnehus 751000"), ("751001", "Børnehus 751001")),
    }


def test_one_more_than_the_limit_is_refused_unless_confirmed() -> None:
    current = register({101: 60, 751: 40})
    six = closing(current, *(f"101{i:03d}" for i in range(6)))

    assert check_closures(current, six, limit_pct=5.0, confirmed=None).refusal == "mass_closure"
    assert check_closures(current, six, limit_pct=5.0, confirmed=6).refusal is None
    assert check_closures(current, six, limit_pct=10.0, confirmed=None).refusal is None


def test_a_limit_with_a_fraction_is_not_rounded() -> None:
    current = register({101: 3})  # one of three is 33.33... %
    one = closing(current, "101000")

    assert check_closures(current, one, limit_pct=33.3, confirmed=None).too_many is True
    assert check_closures(current, one, limit_pct=100 / 3, confirmed=None).too_many is False


def test_emptying_a_municipality_needs_confirmation_even_within_the_limit() -> None:
    current = register({101: 60, 563: 1, 751: 39})
    fanoe = closing(current, "563000")

    check = check_closures(current, fanoe, limit_pct=5.0, confirmed=None)

    assert (check.closing, check.too_many) == (1, False)
    assert check.emptied == frozenset({563})
    assert check.needs_confirmation is True
    assert check.refusal == "mass_closure"
    assert dict(check.by_municipality) == {563: (("563000", "Børnehus 563000"),)}
    assert check_closures(current, fanoe, limit_pct=5.0, confirmed=1).refusal is None


def test_a_municipality_that_gets_a_new_institution_is_not_emptied() -> None:
    current = register({101: 60, 563: 1, 751: 39})
    diff = closing(current, "563000")
    diff.changes.append(InstitutionChange("registered", "563001", payload("563001", 563)))

    check = check_closures(current, diff, limit_pct=5.0, confirmed=None)

    assert check.emptied == frozenset()
    assert check.refusal is None


def test_a_confirmation_must_name_the_exact_count() -> None:
    current = register({101: 10})
    two = closing(current, "101000", "101001")  # 20 %

    assert check_closures(current, two, limit_pct=5.0, confirmed=3).refusal == (
        "closure_count_mismatch"
    )
    assert check_closures(current, two, limit_pct=5.0, confirmed=2).refusal is None
    # Also when the closures would not have needed one.
    check = check_closures(current, two, limit_pct=50.0, confirmed=1)
    assert (check.needs_confirmation, check.refusal) == (False, "closure_count_mismatch")


def test_a_statistics_file_closes_nothing_so_only_zero_confirms_it() -> None:
    assert no_closures(None, 5.0).refusal is None
    assert no_closures(0, 5.0).refusal is None
    assert no_closures(1, 5.0).refusal == "closure_count_mismatch"


def test_an_empty_register_closes_nothing() -> None:
    check = check_closures({}, RegisterDiff(), limit_pct=5.0, confirmed=None)

    assert (check.closing, check.active_before, check.share_pct) == (0, 0, 0.0)
    assert check.refusal is None
