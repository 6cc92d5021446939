"""The portal's password rules and the passwords that credential letters carry.

After OWASP ASVS 5.0 (chapter 6, authentication) and NIST SP 800-63B rev 4: a long
minimum length, every printing character allowed (spaces, æ/ø/å, any script, emoji),
no composition rules (no "one digit, one capital"), and a password refused when it is
known to be common, holds the username, or is a repeat or a simple run.

A password is counted, compared and hashed in its NFKC form (``normalise``): a
full-width "ｐａｓｓ", a no-break space or an "å" typed as "a" plus a ring is the same
password as its plain form, whatever the keyboard sent. The hasher uses the same
function, so what the policy judged is what gets stored.
"""

from __future__ import annotations

import math
import random
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

MIN_LENGTH = 15  # NIST: at least 15 where the password is the only factor
MAX_LENGTH = 128
LOWEST_MIN_LENGTH = 8  # NIST's floor, with a second factor
LOWEST_MAX_LENGTH = 64  # NIST: allow at least 64
SHORTEST_WORD = 3  # a username or context word shorter than this is not looked for
FEW_DISTINCT = 3  # a password of no more distinct characters than this is a repeat

# Words anyone would try against this portal. A password made of nothing but these,
# digits, punctuation and spaces ("Vuggestue2024!") counts as common; one that only
# contains them among other words ("vuggestuen med den røde dør") does not.
PORTAL_WORDS: tuple[str, ...] = (
    "dagtilbudsportalen",
    "dagtilbudsportal",
    "dagtilbud",
    "vuggestue",
    "boernehave",
    "børnehave",
    "aldersintegreret",
    "dagpleje",
    "institution",
    "kommune",
    "adgangskode",
    "kodeord",
    "password",
)

# Control characters (Cc), lone surrogates (Cs, which UTF-8 cannot carry) and code
# points unassigned in this Python's Unicode database (Cn): a later Unicode version may
# give an unassigned code point a decomposition, and then its NFKC form, and so the
# password's hash, would change under the same user's fingers.
REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Cn"})

LANGUAGES = ("da", "en")


class PasswordProblem(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    COMMON = "common"
    CONTAINS_USERNAME = "contains_username"
    REPEATED = "repeated"
    NOT_TEXT = "not_text"


# Per problem and language; {min_length} and {max_length} are the policy's.
MESSAGES: Mapping[PasswordProblem, Mapping[str, str]] = {
    PasswordProblem.TOO_SHORT: {
        "da": "Adgangskoden skal være på mindst {min_length} tegn. Mellemrum tæller med, "
        "så en sætning af nogle ord er en god adgangskode.",
        "en": "The password must be at least {min_length} characters long. Spaces count, "
        "so a sentence of a few words makes a good password.",
    },
    PasswordProblem.TOO_LONG: {
        "da": "Adgangskoden må højst være på {max_length} tegn.",
        "en": "The password can be at most {max_length} characters long.",
    },
    PasswordProblem.COMMON: {
        "da": "Adgangskoden er for almindelig eller for let at gætte: den findes på lister "
        "over kendte og lækkede adgangskoder, eller den består kun af ord om portalen og "
        "tal. Vælg en anden.",
        "en": "The password is too common or too easy to guess: it is on lists of known and "
        "leaked passwords, or it is made only of words about the portal and numbers. "
        "Choose another one.",
    },
    PasswordProblem.CONTAINS_USERNAME: {
        "da": "Adgangskoden må ikke indeholde brugernavnet.",
        "en": "The password must not contain the username.",
    },
    PasswordProblem.REPEATED: {
        "da": "Adgangskoden må ikke være det samme tegn eller de samme tegn gentaget, eller "
        "en simpel række som abcdef eller 987654.",
        "en": "The password must not be the same character or characters repeated, or a "
        "simple run such as abcdef or 987654.",
    },
    PasswordProblem.NOT_TEXT: {
        "da": "Adgangskoden indeholder kontroltegn eller tegn, som portalen ikke kender. "
        "Brug bogstaver, tal, mellemrum og tegn.",
        "en": "The password contains control characters or characters this portal does not "
        "know. Use letters, digits, spaces and punctuation.",
    },
}


def normalise(password: str) -> str:
    """The form a password is counted, checked, hashed and verified in: NFKC."""
    return unicodedata.normalize("NFKC", password)


def fold(text: str) -> str:
    """The form for comparing without regard to case: NFKC, case-folded, and NFKC
    again (case folding can undo it)."""
    return unicodedata.normalize("NFKC", normalise(text).casefold())


@dataclass(frozen=True, kw_only=True)
class PasswordPolicy:
    """The rules a new password must meet. ``refused`` holds the common passwords
    (any case: they are folded here); ``portal_words`` are context words for every
    account, beside those a caller passes per check."""

    refused: frozenset[str]
    min_length: int = MIN_LENGTH
    max_length: int = MAX_LENGTH
    portal_words: tuple[str, ...] = PORTAL_WORDS

    def __post_init__(self) -> None:
        if self.min_length < LOWEST_MIN_LENGTH:
            raise ValueError(f"min_length is at least {LOWEST_MIN_LENGTH}")
        if self.max_length < max(LOWEST_MAX_LENGTH, self.min_length):
            raise ValueError(f"max_length is at least {LOWEST_MAX_LENGTH} and min_length")
        object.__setattr__(self, "refused", frozenset(fold(entry) for entry in self.refused))

    def problems(
        self,
        password: str,
        *,
        username: str | None = None,
        context_words: Iterable[str] = (),
    ) -> list[PasswordProblem]:
        """What is wrong with ``password``, in PasswordProblem's order; empty: it
        may be used. ``context_words``: words this account's password must not be
        made of, such as the institution's name and municipality."""
        text = normalise(password)
        found = []
        if len(text) < self.min_length:
            found.append(PasswordProblem.TOO_SHORT)
        if len(text) > self.max_length:
            found.append(PasswordProblem.TOO_LONG)
        else:
            # The other rules' work is bounded by max_length.
            folded = fold(text)
            if self._is_common(folded, context_words):
                found.append(PasswordProblem.COMMON)
            if _contains_username(folded, username):
                found.append(PasswordProblem.CONTAINS_USERNAME)
            if _is_repeated(folded):
                found.append(PasswordProblem.REPEATED)
        if any(unicodedata.category(char) in REFUSED_CATEGORIES for char in text):
            found.append(PasswordProblem.NOT_TEXT)
        return found

    def message(self, problem: PasswordProblem, language: str = "da") -> str:
        """The problem told to the user in ``language`` ("da" or "en")."""
        return MESSAGES[problem][language].format(
            min_length=self.min_length, max_length=self.max_length
        )

    def _is_common(self, folded: str, context_words: Iterable[str]) -> bool:
        if folded in self.refused:
            return True
        # A listed password with digits or punctuation around it: "password2024!".
        core = _strip_non_letters(folded)
        if core in self.refused:
            return True
        # Only context words, digits, punctuation and spaces: "Vuggestue 2024!".
        words = {fold(word) for word in (*self.portal_words, *context_words)}
        rest = folded
        for word in sorted(words, key=len, reverse=True):
            if len(word) >= SHORTEST_WORD:
                rest = rest.replace(word, " ")
        return rest != folded and not any(char.isalpha() for char in rest)


def _strip_non_letters(text: str) -> str:
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return text[start:end]


def _contains_username(folded: str, username: str | None) -> bool:
    if not username:
        return False
    name = fold(username)
    # An e-mail address as username: its local part counts on its own too.
    candidates = {name, name.partition("@")[0]} if "@" in name else {name}
    return any(len(c) >= SHORTEST_WORD and c in folded for c in candidates)


def _is_repeated(folded: str) -> bool:
    """One character or one group of characters over and over ("aaaa…",
    "abcabcabc…", "passwordpassword"), a handful of characters shuffled, or a run
    with a fixed step ("abcdef…", "9876543210…", digits wrapping 9 to 0)."""
    n = len(folded)
    if any(folded[period:] == folded[:-period] for period in range(1, n // 2 + 1)):
        return True
    if n > FEW_DISTINCT and len(set(folded)) <= FEW_DISTINCT:
        return True
    if n < 3:
        return False
    steps = {_step(a, b) for a, b in pairwise(folded)}
    return steps in ({1}, {-1})


def _step(a: str, b: str) -> int:
    if a in "0123456789" and b in "0123456789":
        difference = (int(b) - int(a)) % 10
        return -1 if difference == 9 else difference
    return ord(b) - ord(a)


# --- Passwords for credential letters -------------------------------------------------
#
# Printed on paper and typed by parents' boards and institution staff, so: lower-case
# letters and digits only (no shift key, and no c/C, k/K, p/P, s/S, w/W, x/X ... that
# differ only in size on paper), and of each group of characters that print or read
# alike at most one is kept:
#   o O 0 -> none     i l I 1 -> none (j stays)     s S 5 -> s     z Z 2 -> z
#   b 6 G -> 6        g q 9 -> 9     8 B & 3 -> 3    u v (and vv/w) -> u (and w)
#   r (rn reads as m) -> m, n
# 23 symbols, log2(23) = 4.52 bits each: 16 of them make 72.4 bits (>= 70).
# Groups of four joined by hyphens, and the hyphens are part of the password: what is
# typed is exactly what is printed, e.g. "xkc4-7ptw-mnh3-9fay" (19 characters).
ALPHABET = "acdefhjkmnpstuwxyz34679"
GROUP_SIZE = 4
SEPARATOR = "-"
GENERATED_LENGTH = 16  # symbols, not counting the hyphens
MIN_GENERATED_BITS = 70

_SYSTEM_RANDOM = secrets.SystemRandom()


def entropy_bits(length: int, alphabet: str = ALPHABET) -> float:
    """The entropy of ``length`` symbols drawn uniformly from ``alphabet``."""
    return length * math.log2(len(set(alphabet)))


def generate_password(
    length: int = GENERATED_LENGTH, *, rng: random.Random = _SYSTEM_RANDOM
) -> str:
    """A random password of ``length`` symbols from ALPHABET, in hyphen-joined groups of
    four. ``rng`` is the operating system's CSPRNG unless a test passes another."""
    if entropy_bits(length) < MIN_GENERATED_BITS:
        raise ValueError(f"{length} symbols carry fewer than {MIN_GENERATED_BITS} bits")
    symbols = "".join(rng.choice(ALPHABET) for _ in range(length))
    return SEPARATOR.join(
        symbols[start : start + GROUP_SIZE] for start in range(0, length, GROUP_SIZE)
    )
