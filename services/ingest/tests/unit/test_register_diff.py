"""What a register file changes against the current register."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from ingest.domain.changes import CurrentInstitution, institution_payload, register_diff
from ingest.domain.model import Institution

TODAY = date(2026, 11, 30)


BASE = Institution(
    number="A00000",
    name="Solsikken",
    kind="boernehave",
    ownership="kommunal",
    municipality_code=101,
    street="Vej 1",
    postcode="2300",
    city="København S",
    lat=55.66,
    lon=12.57,
)


def unit(number: str, name: str = "Solsikken", **changes: Any) -> Institution:
    return dataclasses.replace(BASE, number=number, name=name, **changes)


def known(
    institution: Institution, *, closed: bool = False, version: int = 1
) -> CurrentInstitution:
    payload = institution_payload(
        institution, closed_on=date(2025, 1, 1) if closed else None, dataset_version="register:1"
    )
    return CurrentInstitution("closed" if closed else "active", payload, version)


def test_each_kind_of_change_is_told_apart() -> None:
    current = {
        "A00001": known(unit("A00001")),
        "A00002": known(unit("A00002", "Mælkebøtten")),
        "A00003": known(unit("A00003"), closed=True),
        "A00004": known(unit("A00004", "Troldehuset"), version=3),
        "A00005": known(unit("A00005", "Bikuben")),
    }
    register = [
        unit("A00001"),  # as it was
        unit("A00002", "Mælkebøtten Nord"),  # renamed
        unit("A00003", active=False),  # closed, and still inactive
        unit("A00005", "Bikuben", active=False),  # marked inactive: closes
        unit("B00001", "Nyt Børnehus"),  # new
        unit("B00002", active=False),  # inactive and never published
        # A00004 is missing: a register is complete, so it has closed
    ]

    diff = register_diff(current, register, today=TODAY, dataset_version="register:2")

    assert [(c.event, c.number) for c in diff.changes] == [
        ("updated", "A00002"),
        ("closed", "A00005"),
        ("registered", "B00001"),
        ("closed", "A00004"),
    ]
    assert (diff.unchanged, diff.inactive_unknown) == (2, 1)
    assert (diff.count("registered"), diff.count("updated"), diff.count("closed")) == (1, 1, 2)
    summary = diff.summary()
    assert (summary["added"], summary["changed"], summary["closed"], summary["unchanged"]) == (
        1,
        1,
        2,
        2,
    )
    assert summary["closed_samples"] == [
        {"institution_number": "A00005", "name": "Bikuben"},
        {"institution_number": "A00004", "name": "Troldehuset"},
    ]
    # Every change counted in its municipality (all of them in one here).
    codes = {c.payload["municipality_code"] for c in diff.changes}
    assert summary["by_municipality"] == [
        {"municipality_code": code, "added": 1, "changed": 1, "closed": 2} for code in codes
    ]


def test_a_missing_active_institution_is_closed_with_its_last_state() -> None:
    gone = unit("A00004", "Troldehuset", municipality_code=147, capacity=40)
    current = {"A00004": known(gone, version=3)}

    diff = register_diff(current, [], today=TODAY, dataset_version="register:7")

    (change,) = diff.changes
    assert (change.event, change.number) == ("closed", "A00004")
    expected = {
        **current["A00004"].payload,
        "status": "closed",
        "closed_on": "2026-11-30",
        "dataset_version": "register:7",
    }
    assert change.payload == expected
    assert (change.payload["municipality_code"], change.payload["capacity"]) == (147, 40)


def test_an_institution_already_closed_and_missing_is_no_change() -> None:
    current = {"A00003": known(unit("A00003"), closed=True)}

    diff = register_diff(current, [], today=TODAY, dataset_version="register:2")

    assert diff.changes == []
    assert diff.unchanged == 0


def test_a_new_dataset_version_alone_is_no_change() -> None:
    same = unit("A00001", phone="+45 33 66 33 66")
    current = {"A00001": known(same)}

    diff = register_diff(current, [same], today=TODAY, dataset_version="register:2")

    assert diff.changes == []
    assert diff.unchanged == 1


def test_any_other_difference_is_an_update_with_the_full_state() -> None:
    before = unit("A00001")
    moved = dataclasses.replace(before, street="Ny Vej 2", lat=55.67)
    current = {"A00001": known(before, version=2)}

    diff = register_diff(current, [moved], today=TODAY, dataset_version="register:3")

    (change,) = diff.changes
    assert change.event == "updated"
    assert change.payload["address"] == {
        "street": "Ny Vej 2",
        "postcode": "2300",
        "city": "København S",
    }
    assert change.payload["location"] == {"lat": 55.67, "lon": 12.57}
    assert (change.payload["status"], change.payload["closed_on"]) == ("active", None)
    assert change.payload["dataset_version"] == "register:3"


def test_a_closed_institution_back_in_the_register_is_updated_to_active() -> None:
    back = unit("A00003")
    current = {"A00003": known(back, closed=True)}

    diff = register_diff(current, [back], today=TODAY, dataset_version="register:2")

    (change,) = diff.changes
    assert (change.event, change.payload["status"], change.payload["closed_on"]) == (
        "updated",
        "active",
        None,
    )
