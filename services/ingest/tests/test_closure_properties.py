"""Properties of the register diff and the closure guard, for random current
registers and random new register files (pure domain, no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dagtilbud_contracts.vocabulary import INSTITUTION_KINDS, OWNERSHIPS
from ingest.domain.changes import (
    CurrentInstitution,
    check_closures,
    institution_payload,
    register_diff,
)
from ingest.domain.model import Institution

TODAY = date(2026, 11, 30)
# Few numbers and municipalities, so that files and registers overlap and
# municipalities are emptied often.
NUMBERS = [f"A{n:05d}" for n in range(14)]
MUNICIPALITIES = [101, 147, 563, 825]


def institutions(number: str) -> st.SearchStrategy[Institution]:
    return st.builds(
        Institution,
        number=st.just(number),
        name=st.sampled_from(["Solsikken", "Mælkebøtten", "Troldehuset"]),
        kind=st.sampled_from(INSTITUTION_KINDS),
        ownership=st.sampled_from(OWNERSHIPS),
        municipality_code=st.sampled_from(MUNICIPALITIES),
        street=st.just("Vej 1"),
        postcode=st.just("2300"),
        city=st.just("København S"),
        lat=st.none(),
        lon=st.none(),
        active=st.booleans(),
    )


@st.composite
def current_registers(draw: st.DrawFn) -> dict[str, CurrentInstitution]:
    numbers = draw(st.lists(st.sampled_from(NUMBERS), unique=True))
    current = {}
    for number in numbers:
        institution = draw(institutions(number))
        closed = not institution.active
        payload = institution_payload(
            institution, closed_on=date(2025, 1, 1) if closed else None, dataset_version="r:1"
        )
        status = "closed" if closed else "active"
        current[number] = CurrentInstitution(status, payload, draw(st.integers(1, 5)))
    return current


@st.composite
def register_files(draw: st.DrawFn) -> list[Institution]:
    numbers = draw(st.lists(st.sampled_from(NUMBERS), unique=True))
    return [draw(institutions(number)) for number in numbers]


limits = st.one_of(st.sampled_from([0.0, 5.0, 10.0, 50.0, 100.0]), st.floats(0, 100))


@settings(max_examples=300, derandomize=True, database=None)
@given(current=current_registers(), file=register_files(), limit=limits, data=st.data())
def test_closures_and_the_guard(
    current: dict[str, CurrentInstitution],
    file: list[Institution],
    limit: float,
    data: st.DataObject,
) -> None:
    diff = register_diff(current, file, today=TODAY, dataset_version="r:2")
    in_file = {i.number: i for i in file}

    # Closed: exactly the active institutions missing from the file or marked inactive.
    closed = {c.number for c in diff.changes if c.event == "closed"}
    assert closed == {
        number
        for number, known in current.items()
        if known.status == "active" and (number not in in_file or not in_file[number].active)
    }
    for change in diff.changes:
        if change.event == "closed":
            assert change.payload["status"] == "closed"
            assert change.payload["closed_on"] == TODAY.isoformat()

    # After the import, the active institutions are the file's active rows.
    after: dict[str, dict[str, Any]] = {n: dict(k.payload) for n, k in current.items()}
    after.update({c.number: c.payload for c in diff.changes})
    assert {n for n, p in after.items() if p["status"] == "active"} == {
        i.number for i in file if i.active
    }

    # The guard.
    confirmed = data.draw(st.one_of(st.none(), st.just(len(closed)), st.integers(0, 20)))
    check = check_closures(current, diff, limit_pct=limit, confirmed=confirmed)
    active_before = [k for k in current.values() if k.status == "active"]
    before = Counter(k.payload["municipality_code"] for k in active_before)
    remaining = Counter(i.municipality_code for i in file if i.active)
    emptied = {code for code in before if remaining[code] == 0}
    too_many = bool(active_before) and Fraction(len(closed), len(active_before)) > (
        Fraction(limit) / 100
    )
    assert check.closing == len(closed)
    assert check.active_before == len(active_before)
    assert set(check.emptied) == emptied
    listed = {n for places in check.by_municipality.values() for n, _ in places}
    assert listed == closed
    for code, places in check.by_municipality.items():
        assert all(after[n]["municipality_code"] == code for n, _ in places)
    unconfirmed_refusal = too_many or bool(emptied)
    refused = unconfirmed_refusal if confirmed is None else confirmed != len(closed)
    assert (check.refusal is not None) == refused
    if refused:
        expected = "mass_closure" if confirmed is None else "closure_count_mismatch"
        assert check.refusal == expected
