"""Danish alphabetical order, shared by every service that lists names.

Sorting is part of the portal's language: the search API's name order and
the web pages' tables must agree on where Aabenraa and Ærø go.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NOT_WORD = re.compile(r"[\W_]+")

# Where Danish puts the letters it sorts differently: ä and ö are æ and ø, ü is y.
_DANISH_VARIANTS = str.maketrans({"ä": "æ", "ö": "ø", "ü": "y"})
_DANISH_LETTERS = frozenset("æøå")
# Code points just above "z", in Danish order; applied after punctuation is gone.
_AFTER_Z = str.maketrans({"æ": "{", "ø": "|", "å": "}"})


@lru_cache(maxsize=16384)
def collation_key(text: str) -> str:
    """The key that sorts ``text`` in Danish alphabetical order: case,
    punctuation and accents ignored (é as e), ä/ö/ü as æ/ø/y, "aa" as "å", and
    æ, ø, å after z. Equal keys (Aabenraa, Åbenrå) are told apart by the
    caller (the institution number)."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("aa", "å")
    text = text.translate(_DANISH_VARIANTS)
    # å would decompose to a + ring and lose its place; the other marks go.
    text = "".join(
        ch
        if ch in _DANISH_LETTERS
        else "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        for ch in text
    )
    return " ".join(_NOT_WORD.sub(" ", text).split()).translate(_AFTER_Z)
