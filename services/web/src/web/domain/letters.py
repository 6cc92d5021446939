"""Credential letters as a file a municipality opens in Excel.

Danish Excel splits on semicolons (the list separator where the decimal mark
is a comma) and reads a file as UTF-8 only when it starts with a byte order
mark. A cell that starts with =, +, -, @, a tab or a carriage return would be
read as a formula (CSV injection), so it gets a leading quote, which Excel
shows as text; a password is never altered (the letter must show it exactly),
and auth never generates one that starts so.

Pure: the file is made in memory for one answer and never kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

BYTE_ORDER_MARK: Final = "\ufeff"
DELIMITER: Final = ";"
HEADER: Final = ("institution_number", "name", "username", "password", "login_url")
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it: as text, never as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def filename(code: int, today: date) -> str:
    return f"adgangsbreve-{code}-{today.isoformat()}.csv"


def letters_csv(letters: Iterable[Mapping[str, Any]], login_url: str) -> str:
    """One row per letter under a header; the username is the institution
    number, as institutions log in with it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(HEADER)
    for letter in letters:
        number = str(letter["institution_number"])
        writer.writerow(
            [
                spreadsheet_cell(number),
                spreadsheet_cell(str(letter.get("institution_name") or number)),
                spreadsheet_cell(number),
                str(letter["password"]),
                spreadsheet_cell(login_url),
            ]
        )
    return BYTE_ORDER_MARK + out.getvalue()
