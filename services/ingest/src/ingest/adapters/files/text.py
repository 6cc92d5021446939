"""Small text rules shared by every format: header folding and numbers."""

from __future__ import annotations

import re
import unicodedata

# æøå spelled out the way Danish ASCII does it, so "OMRÅDE" and "omraade",
# "KØN" and "koen" fold to the same key.
_DANISH_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ü": "ue"})
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-"})

# DST never uses thousands separators; a decimal may be written with a comma
# (Danish, DST's own downloads) or a point (the API with lang=en, Excel).
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def header_key(text: str) -> str:
    """The comparable form of a column name.

    Case, spaces, underscores and hyphens do not matter and Danish letters
    compare equal to their ASCII spelling: ``" kommuneDK "``, ``KOMMUNEDK`` and
    ``kommune_dk`` are one column, as are ``OMRÅDE`` and ``omraade``.
    """
    folded = unicodedata.normalize("NFC", text).casefold().translate(_DANISH_ASCII)
    return _NOT_ALNUM.sub("", folded)


def label_key(text: str) -> str:
    """A category label folded for matching: ``"Daginstitution 0–2 år"`` ->
    ``"daginstitution 0-2 år"`` (case, spacing and dash style ignored)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().translate(_DASHES).split())


def parse_decimal(text: str) -> float | None:
    """``"2,8"``, ``"2.8"``, ``"-3"`` -> float; anything else (``"1.234,5"``,
    ``"1e3"``, ``"nan"``) -> None, because no source we read writes those."""
    if text.isdigit() and text.isascii():
        return float(text)  # the common case (counts, years), without the regex
    if not _DECIMAL.fullmatch(text):
        return None
    return float(text.replace(",", "."))


def leading_code(text: str) -> str | None:
    """The code part of DST's "code and label" form (``"101 København"`` ->
    ``"101"``), or of a bare code; None when the text starts with anything
    but an ASCII digit (``"²"`` and ``"١٠١"`` are digits to Python, not codes)."""
    head = text.split(maxsplit=1)[0] if text else ""
    return head if head[:1] in _ASCII_DIGITS else None


_ASCII_DIGITS = frozenset("0123456789")


def ascii_number(text: str, max_digits: int) -> int | None:
    """A whole number of at most ``max_digits`` ASCII digits, else None.
    Bounded, because ``int()`` of a few thousand digits raises."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None
