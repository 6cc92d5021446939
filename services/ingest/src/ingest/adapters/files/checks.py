"""Checks of single values, shared by the formats. Each returns the parsed
value, or None after adding a problem to the log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dagtilbud_contracts import vocabulary as vocab
from ingest.domain.reference import ReferenceData

from . import problems
from .problems import ProblemLog
from .text import leading_code, parse_decimal

MISSING = ".."  # DST: suppressed or not available; missing is not zero
YEAR_MIN = 2000
NORMERING_MAX = 20.0
NORMERING_WARN = 10.0
_INSTITUTION_NUMBER = re.compile(vocab.INSTITUTION_NUMBER_PATTERN)
_POSTCODE = re.compile(r"[0-9]{3,4}")
_YEAR = re.compile(r"[0-9]{4}")


@dataclass
class Context:
    """What every format reader needs besides its columns."""

    reference: ReferenceData
    log: ProblemLog
    year_max: int  # next year: figures may be published ahead
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def required(ctx: Context, row: int, column: str, text: str) -> str | None:
    if not text:
        ctx.log.add(problems.missing_value, row, column)
        return None
    return text


def municipality(ctx: Context, row: int, column: str, text: str) -> int | None:
    """A municipality given as ``101``, ``0101``, ``101 København`` or a name."""
    if not text:
        ctx.log.add(problems.missing_value, row, column)
        return None
    code = leading_code(text)
    if code is not None:
        if code.isdigit() and ctx.reference.is_municipality(int(code)):
            return int(code)
        ctx.log.add(problems.unknown_municipality, row, column, text, by_name=False)
        return None
    found = ctx.reference.municipality_by_name(text)
    if found is None:
        ctx.log.add(problems.unknown_municipality, row, column, text, by_name=True)
    return found


def municipality_name_agrees(ctx: Context, row: int, column: str, text: str, code: int) -> None:
    """The optional name beside a code: a mismatch is worth a warning only."""
    if text and ctx.reference.municipality_by_name(text) != code:
        name = ctx.reference.municipalities[code]
        ctx.log.add(problems.municipality_name_mismatch, row, column, text, code, name)


def postcode(ctx: Context, row: int, column: str, text: str) -> str | None:
    if not text:
        ctx.log.add(problems.missing_value, row, column)
        return None
    # Spreadsheets drop the leading zero of 0800-0999 postcodes.
    padded = text.zfill(4) if _POSTCODE.fullmatch(text) else text
    if padded not in ctx.reference.postcodes:
        ctx.log.add(problems.unknown_postcode, row, column, text)
        return None
    return padded


def institution_number(ctx: Context, row: int, column: str, text: str) -> str | None:
    if not text:
        ctx.log.add(problems.missing_value, row, column)
        return None
    # No upper-casing: the number is an identifier other systems hold, and
    # "g18062" is a typing error to be fixed at the source, not guessed at.
    if not _INSTITUTION_NUMBER.fullmatch(text):
        ctx.log.add(problems.bad_institution_number, row, column, text)
        return None
    return text


@dataclass(frozen=True)
class Coordinate:
    column: str
    text: str


def coordinates(
    ctx: Context, row: int, lat: Coordinate, lon: Coordinate
) -> tuple[float | None, float | None] | None:
    """(lat, lon), (None, None) when both are empty (a warning), or None
    after an error."""
    if not lat.text and not lon.text:
        ctx.log.add(problems.missing_coordinates, row, lat.column)
        return None, None
    lat_value = _decimal(ctx, row, lat)
    lon_value = _decimal(ctx, row, lon)
    if lat_value is None or lon_value is None:
        return None
    if in_denmark(lat_value, lon_value):
        return lat_value, lon_value
    lat_ok = vocab.LAT_MIN <= lat_value <= vocab.LAT_MAX
    lon_ok = vocab.LON_MIN <= lon_value <= vocab.LON_MAX
    swapped = in_denmark(lon_value, lat_value)
    if swapped or not lat_ok:
        ctx.log.add(problems.outside_denmark, row, lat.column, lat.text, swapped=swapped)
    if swapped or not lon_ok:
        ctx.log.add(problems.outside_denmark, row, lon.column, lon.text, swapped=swapped)
    return None


def in_denmark(lat: float, lon: float) -> bool:
    return vocab.LAT_MIN <= lat <= vocab.LAT_MAX and vocab.LON_MIN <= lon <= vocab.LON_MAX


def _decimal(ctx: Context, row: int, cell: Coordinate) -> float | None:
    if not cell.text:
        ctx.log.add(problems.missing_value, row, cell.column)
        return None
    value = parse_decimal(cell.text)
    if value is None:
        ctx.log.add(problems.not_a_number, row, cell.column, cell.text)
    return value


def whole_number(ctx: Context, row: int, column: str, text: str) -> int | None:
    """A non-negative whole number; ``"12,0"`` counts, ``"12,5"`` does not."""
    value = parse_decimal(text)
    if value is None:
        ctx.log.add(problems.not_a_number, row, column, text)
        return None
    if not value.is_integer():
        ctx.log.add(problems.not_a_whole_number, row, column, text)
        return None
    if value < 0:
        ctx.log.add(problems.out_of_range, row, column, text, 0, None)
        return None
    return int(value)


def year(ctx: Context, row: int, column: str, text: str) -> int | None:
    """A year, 2000 to next year."""
    if not text:
        ctx.log.add(problems.missing_value, row, column)
        return None
    if _YEAR.fullmatch(text) and YEAR_MIN <= int(text) <= ctx.year_max:
        return int(text)
    ctx.log.add(problems.bad_year, row, column, text, YEAR_MIN, ctx.year_max)
    return None


def is_sub_period(rest: str) -> bool:
    """``K1``-``K4`` (quarter) or ``M01``-``M12`` (month), DST's period suffixes."""
    kind, number = rest[:1], rest[1:]
    if not number.isdigit():
        return False
    if kind == "K":
        return 1 <= int(number) <= 4
    if kind == "M":
        return 1 <= int(number) <= 12
    return False


class Invalid:
    """Marks a figure that failed its check (distinct from None = missing)."""


INVALID = Invalid()


def figure_value(
    ctx: Context, row: int, column: str, text: str, indicator: str
) -> float | Invalid | None:
    """An indicator's value: a number within the indicator's range, None for
    DST's ``..``, or INVALID after adding a problem."""
    if text == MISSING:
        return None
    value = parse_decimal(text)
    if value is None:
        ctx.log.add(problems.not_a_number, row, column, text)
        return INVALID
    if indicator_in_range(ctx, row, column, text, indicator, value):
        return value
    return INVALID


def indicator_in_range(
    ctx: Context, row: int, column: str, text: str, indicator: str, value: float
) -> bool:
    if indicator in vocab.NORMERING_INDICATORS:
        if not 0 <= value <= NORMERING_MAX:
            ctx.log.add(problems.out_of_range, row, column, text, 0, NORMERING_MAX)
            return False
        if value > NORMERING_WARN:
            ctx.log.add(problems.high_normering, row, column, text)
        return True
    if indicator in vocab.PERCENT_INDICATORS:
        if not 0 <= value <= 100:
            ctx.log.add(problems.out_of_range, row, column, text, 0, 100)
            return False
        return True
    if not value.is_integer():
        ctx.log.add(problems.not_a_whole_number, row, column, text)
        return False
    if value < 0:
        ctx.log.add(problems.out_of_range, row, column, text, 0, None)
        return False
    return True
