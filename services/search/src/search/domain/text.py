"""Danish-aware text folding for matching names of institutions and towns,
and Danish alphabetical order.

Parents type "Boernehuset" or "borne" as often as "Børnehuset", and the old
spelling "Aa" survives next to "Å" (Aabenraa, Aarhus). Folding turns every
spelling into one key, so a plain substring test does the rest; a word that
is not found folded is tried loosely (ø = oe = o), so "borne" finds
"Børnehuset".

Sorting follows the Danish alphabet (... x y z æ ø å) with "aa" as "å", as
Danish collation (CLDR, Retskrivningsordbogen) does for names: Aabenraa
sorts with Åbenrå after Ølstykke, the same pairs that fold() makes one. The
order is shared with the web pages, so it lives in the contracts
(``dagtilbud_contracts.collation``) and is re-exported here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from dagtilbud_contracts.collation import collation_key

__all__ = ["collation_key", "fold", "loose", "matches"]

# The Danish letters and their German cousins fold to the two-letter forms that
# Danish itself uses when the letters are unavailable (Aarhus, Boernehave).
_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue"})
_NOT_WORD = re.compile(r"[\W_]+")
# Applied after fold(): someone on a foreign keyboard types "Vanlose" for
# "Vanløse" and "Alborg" for "Ålborg", dropping the second letter instead.
_LOOSE = re.compile(r"aa|ae|oe|ue")


@lru_cache(maxsize=16384)
def fold(text: str) -> str:
    """The comparison key of ``text``: lower case, æ/ø/å as ae/oe/aa, other
    diacritics dropped, punctuation as spaces, whitespace collapsed."""
    # NFKC first so decomposed "å" (a + ring) and compatibility forms
    # (ligatures, full-width letters) look like what a keyboard produces.
    text = unicodedata.normalize("NFKC", text).casefold().translate(_LETTERS)
    # é, è, ñ ... lose their marks; ø has no decomposition and is handled above.
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text).split())


@lru_cache(maxsize=16384)
def loose(text: str) -> str:
    """A coarser key than :func:`fold` in which "ø", "oe" and "o" are one letter
    (likewise æ/ae/a, å/aa/a, ü/ue/u); good for suggestions, too coarse to
    decide a match on its own."""
    return _LOOSE.sub(lambda m: m.group()[0], fold(text))


def matches(query: str, name: str) -> bool:
    """Every word of ``query`` occurs somewhere in ``name`` after folding, in any
    order: "solsikke bh" finds "Børnehuset Solsikken (BH)". A word not found
    folded is tried loosely, so "borne" finds "Børnehuset". An empty query
    matches every name, as an empty filter does."""
    folded_name = fold(name)
    loose_name: str | None = None
    for token in fold(query).split():
        if token in folded_name:
            continue
        if loose_name is None:
            loose_name = loose(name)
        if loose(token) not in loose_name:
            return False
    return True
