"""The municipality's overview, pure: joining, filtering, sorting; and the
credential letters' CSV file."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from web.domain import completeness, letters
from web.domain.completeness import View, filter_rows, parse_view, rows, sort_rows
from web.domain.text import danish_sort_key

TODAY = date(2026, 4, 20)
KINDS = ("vuggestue", "boernehave", "aldersintegreret", "dagpleje")


def _item(number: str, name: str, **values: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "institution_number": number,
        "name": name,
        "kind": "boernehave",
        "share_filled": 0.5,
        "filled": [],
        "missing": [],
        "newest_edit_at": None,
        "newest_edit_age_days": None,
        "open_places_stale": False,
    }
    item.update(values)
    return item


ITEMS = [
    _item(
        "A00001",
        "Æblehaven",
        share_filled=1.0,
        newest_edit_at="2026-04-18T08:00:00+00:00",
        newest_edit_age_days=2,
    ),
    _item(
        "A00002",
        "Bøgely",
        share_filled=0.2,
        missing=["opening_hours", "open_places"],
        kind="vuggestue",
    ),
    _item(
        "A00003",
        "Ørnereden",
        share_filled=0.6,
        newest_edit_at="2026-01-01T08:00:00+00:00",
        newest_edit_age_days=109,
        open_places_stale=True,
    ),
    _item(
        "A00004",
        "Anemonen",
        share_filled=0.6,
        missing=["opening_hours"],
        newest_edit_at="2026-04-10T08:00:00+00:00",
    ),
]
ACCOUNTS = [
    {
        "institution_number": "A00001",
        "status": "active",
        "password_issued": True,
        "password_changed_at": "2026-03-01T08:00:00+00:00",
    },
    {
        "institution_number": "A00002",
        "status": "locked",
        "password_issued": False,
        "password_changed_at": None,
    },
]


def _numbers(found: list[completeness.Row]) -> list[str]:
    return [row.number for row in found]


def test_rows_join_the_accounts_and_count_a_missing_age_from_today() -> None:
    found = {row.number: row for row in rows(ITEMS, ACCOUNTS, TODAY)}
    assert found["A00001"].account_status == "active"
    assert found["A00001"].password_changed_at is not None
    assert found["A00002"].account_status == "locked"
    assert found["A00002"].password_issued is False
    assert found["A00003"].account_status is None
    # profiles gave no age: counted from the newest edit.
    assert found["A00004"].age_days == 10
    assert found["A00002"].never_updated
    assert not found["A00004"].never_updated


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ["A00004", "A00002", "A00001", "A00003"]),  # Danish order: Æ before Ø, last
        ({"retning": "ned"}, ["A00003", "A00001", "A00002", "A00004"]),
        ({"sortering": "udfyldt"}, ["A00002", "A00004", "A00003", "A00001"]),
        ({"sortering": "udfyldt", "retning": "ned"}, ["A00001", "A00004", "A00003", "A00002"]),
        # Oldest first, never updated the oldest of all; ned: newest first.
        ({"sortering": "senest"}, ["A00002", "A00003", "A00004", "A00001"]),
        ({"sortering": "senest", "retning": "ned"}, ["A00001", "A00004", "A00003", "A00002"]),
    ],
)
def test_sorting(args: dict[str, str], expected: list[str]) -> None:
    view = parse_view(args, KINDS)
    assert _numbers(sort_rows(rows(ITEMS, [], TODAY), view, danish_sort_key)) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"uden_aabningstider": "1"}, {"A00002", "A00004"}),
        ({"gamle_ledige_pladser": "1"}, {"A00003"}),
        ({"aldrig_opdateret": "1"}, {"A00002"}),
        ({"type": "vuggestue"}, {"A00002"}),
        ({"uden_aabningstider": "1", "aldrig_opdateret": "1"}, {"A00002"}),
        ({"gamle_ledige_pladser": "1", "type": "vuggestue"}, set()),
    ],
)
def test_filters(args: dict[str, str], expected: set[str]) -> None:
    view = parse_view(args, KINDS)
    assert view.filtered
    assert set(_numbers(filter_rows(rows(ITEMS, [], TODAY), view))) == expected


def test_unknown_values_fall_back_and_are_named() -> None:
    view = parse_view({"sortering": "x", "retning": "sideways", "type": "skole"}, KINDS)
    assert (view.sort, view.descending, view.kind) == ("navn", False, None)
    assert set(view.invalid) == {"sortering", "retning", "type"}


def test_a_view_keeps_its_filters_in_a_sort_link() -> None:
    view = View("udfyldt", True, frozenset({"aldrig_opdateret"}), "dagpleje")
    assert view.query(sortering="navn", retning="op") == {
        "sortering": "navn",
        "retning": "op",
        "aldrig_opdateret": "1",
        "type": "dagpleje",
    }


# ------------------------------------------------------------------ the letters' file
def test_the_letters_file_opens_in_danish_excel() -> None:
    text = letters.letters_csv(
        [
            {
                "institution_number": "G20580",
                "institution_name": "=Solsikken; Vest",
                "password": "a-b",
            },
            {"institution_number": "G20581", "institution_name": "Mælkebøtten", "password": "c-d"},
        ],
        "http://127.0.0.1:8000/log-ind",
    )
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert table[0] == ["institution_number", "name", "username", "password", "login_url"]
    # A formula-like name is made text; the password is as issued.
    assert table[1] == [
        "G20580",
        "'=Solsikken; Vest",
        "G20580",
        "a-b",
        "http://127.0.0.1:8000/log-ind",
    ]
    assert table[2][1] == "Mælkebøtten"
    assert letters.filename(751, TODAY) == "adgangsbreve-751-2026-04-20.csv"
