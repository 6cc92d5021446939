"""The shortlist a parent builds while searching: institution numbers in the URL.

No account and no cookie: the list lives in the address (``liste=a,b,c``), so
it can be bookmarked and shared, and compare starts from it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dagtilbud_contracts.vocabulary import INSTITUTION_NUMBER_PATTERN

MAX_SHORTLIST = 12
COMPARE_MIN = 2
COMPARE_MAX = 4
_NUMBER = re.compile(INSTITUTION_NUMBER_PATTERN)


@dataclass(frozen=True)
class ParsedNumbers:
    numbers: tuple[str, ...]
    # What the parent typed that is no institution number, shown back to them.
    rejected: tuple[str, ...] = ()
    truncated: bool = False


def parse_numbers(values: Iterable[str], *, limit: int = MAX_SHORTLIST) -> ParsedNumbers:
    """Numbers from ``a,b`` or repeated parameters, in any case, each once, in order."""
    numbers: list[str] = []
    rejected: list[str] = []
    truncated = False
    for value in values:
        for part in value.split(","):
            candidate = part.strip().upper()
            if not candidate:
                continue
            if not _NUMBER.match(candidate):
                rejected.append(part.strip()[:20])
            elif candidate not in numbers:
                if len(numbers) >= limit:
                    truncated = True
                    continue
                numbers.append(candidate)
    return ParsedNumbers(tuple(numbers), tuple(rejected), truncated)


def with_number(numbers: tuple[str, ...], number: str) -> tuple[str, ...]:
    if number in numbers or len(numbers) >= MAX_SHORTLIST:
        return numbers
    return (*numbers, number)


def without_number(numbers: tuple[str, ...], number: str) -> tuple[str, ...]:
    return tuple(n for n in numbers if n != number)


def as_parameter(numbers: tuple[str, ...]) -> str:
    return ",".join(numbers)
