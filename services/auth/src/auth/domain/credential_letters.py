"""Credential letters: each institution's first password, for a municipality to print
and hand over, as a CSV file that Danish Excel opens straight into columns.

Danish Excel splits on semicolons (the list separator where the decimal mark is a
comma) and reads a file as UTF-8 only when it starts with a byte order mark, so the
text starts with U+FEFF: encode it with "utf-8" as it is. A cell that starts with
=, +, -, @, a tab or a carriage return would be taken for a formula (CSV injection),
so it gets a leading single quote, which Excel shows as text and does not print.
A password is never altered that way, since the letter must show it exactly: one
that starts so is refused (generated passwords never do).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

BYTE_ORDER_MARK = "\ufeff"
DELIMITER = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ("Institutionsnummer", "Institution", "Kommune", "Adgangskode", "Log ind på")


@dataclass(frozen=True)
class CredentialLetter:
    institution_number: str
    institution_name: str
    municipality_name: str
    password: str
    login_url: str


def spreadsheet_cell(value: str) -> str:
    """``value`` as a spreadsheet shows it as text, never as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def letters_csv(letters: Iterable[CredentialLetter]) -> str:
    """One row per letter under a header; semicolon-separated, CRLF line ends, cells
    with a semicolon, quote or line break quoted."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(HEADER)
    for letter in letters:
        if letter.password.startswith(FORMULA_STARTS):
            raise ValueError(
                f"the password for {letter.institution_number} starts with a character "
                "a spreadsheet would change"
            )
        writer.writerow(
            [
                spreadsheet_cell(letter.institution_number),
                spreadsheet_cell(letter.institution_name),
                spreadsheet_cell(letter.municipality_name),
                letter.password,
                spreadsheet_cell(letter.login_url),
            ]
        )
    return BYTE_ORDER_MARK + out.getvalue()
