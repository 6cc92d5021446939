"""Checks of single values, shared by the formats. Each returns the parsed
value, or None after adding a problem to the log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dagtilbud_contracts import vocabulary as vocab
from ingest.domain.reference import ReferenceData

from . import problems
from .problems import ProblemLog
from .text import ascii_number, leading_code, parse_decimal

MISSING = ".."  # DST: suppressed or not available; missing is not zero
YEAR_MIN = 2000
NORMERING_MAX = 20.0
NORMERING_WARN = 10.0
# The event contract has no upper bound for antal_boern; København, the
# largest municipality, has about 30,000 children in daycare. A count above
# this is a unit or typing error, and would swamp every national figure.
COUNT_MAX = 100_000
# A coordinate may lie this far outside its municipality's simplified
# boundary (small islands and coastline are simplified away) before it is
# taken to be wrong.
BOUNDARY_TOLERANCE_KM = 2.0
_INSTITUTION_NUMBER = re.compile(vocab.INSTITUTION_NUMBER_PATTERN)
_POSTCODE = re.compile(r"[0-9]{3,4}")
_YEAR = re.compile(r"[0-9]{4}")
# C0 and C1 control characters, DEL, Unicode line and paragraph separators and
# the bidirectional embedding/override/isolate characters (which can make a
# name display as another). No field the readers take is multi-line, so a tab
# or line break inside a value is wrong too; around it, it is only trimmed.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_TRIM = " \t\r\n"


@dataclass
class Context:
    """What every format reader needs besides its columns."""

    reference: ReferenceData
    log: ProblemLog
    year_max: int  # next year: figures may be published ahead
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def no_control_characters(ctx: Context, row: int, column: str, raw: str) -> bool:
    """False (after an error) when the cell holds a control character
    anywhere but in the whitespace around its value."""
    found = _CONTROL.search(raw.strip(_TRIM))
    if found is None:
        return True
    ctx.log.add(problems.control_character, row, column, raw.strip(_TRIM), found.group())
    return False


def text(ctx: Context, row: int, column: str, value: str, limit: int) -> str | None:
    """A required text of at most ``limit`` characters (the event contract's)."""
    if not value:
        ctx.log.add(problems.missing_value, row, column)
        return None
    if len(value) > limit:
        ctx.log.add(problems.too_long, row, column, value, limit)
        return None
    return value


def municipality(ctx: Context, row: int, column: str, text: str) -> int | None:
    """A municipality given as ``101``, ``0101``, ``101 København`` or a name."""
    if not text:
        ctx.log.add(problems.missing_value, row, column)
        return None
    return _municipality(ctx, row, column, text)


def _municipality(ctx: Context, row: int, column: str, text: str) -> int | None:
    code = leading_code(text)
    if code is None:
        found = ctx.reference.municipality_by_name(text)
        if found is None:
            ctx.log.add(problems.unknown_municipality, row, column, text, by_name=True)
        return found
    number = ascii_number(code, 4)
    if number is None or not ctx.reference.is_municipality(number):
        ctx.log.add(problems.unknown_municipality, row, column, text, by_name=False)
        return None
    label = text[len(code) :].strip()
    if label:
        # "101 København": the name is checked too, so "101 Atlantis" is not
        # taken on the strength of its code alone.
        named = ctx.reference.municipality_by_name(label)
        if named is None:
            ctx.log.add(problems.unknown_municipality, row, column, text, by_name=True, name=label)
            return None
        if named != number:
            name = ctx.reference.municipalities[number]
            ctx.log.add(problems.municipality_name_mismatch, row, column, text, number, name)
    return number


def municipality_name_agrees(ctx: Context, row: int, column: str, text: str, code: int) -> None:
    """The optional name beside a code. A name that is no municipality is an
    error; another municipality's name is worth a warning only."""
    if not text:
        return
    named = _municipality(ctx, row, column, text)
    if named is not None and named != code:
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


def postcode_in_municipality(
    ctx: Context, row: int, column: str, postcode: str, municipality: int
) -> bool:
    """Whether the postal district overlaps the unit's municipality (every
    unit of the shipped register passes; see docs/formats.md)."""
    district = ctx.reference.postcodes[postcode]
    if municipality in district.municipalities:
        return True
    names = ctx.reference.municipalities
    belongs_to = ", ".join(sorted(names.get(c, str(c)) for c in district.municipalities))
    ctx.log.add(
        problems.postcode_outside_municipality,
        row,
        column,
        postcode,
        district.name,
        names[municipality],
        belongs_to,
    )
    return False


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
    ctx: Context, row: int, lat: Coordinate, lon: Coordinate, municipality: int | None
) -> tuple[float | None, float | None] | None:
    """(lat, lon), (None, None) when both are empty (a warning), or None
    after an error. With the unit's municipality known the point must lie in
    it, within the boundary tolerance (see :func:`in_municipality`)."""
    if not lat.text and not lon.text:
        ctx.log.add(problems.missing_coordinates, row, lat.column)
        return None, None
    lat_value = _decimal(ctx, row, lat)
    lon_value = _decimal(ctx, row, lon)
    if lat_value is None or lon_value is None:
        return None
    if in_denmark(lat_value, lon_value):
        if municipality is None:
            return lat_value, lon_value  # the row is wrong already; the box will do
        if in_municipality(ctx, row, (lat, lon), (lat_value, lon_value), municipality):
            return lat_value, lon_value
        return None
    lat_ok = vocab.LAT_MIN <= lat_value <= vocab.LAT_MAX
    lon_ok = vocab.LON_MIN <= lon_value <= vocab.LON_MAX
    swapped = in_denmark(lon_value, lat_value)
    if swapped or not lat_ok:
        ctx.log.add(problems.outside_denmark, row, lat.column, lat.text, swapped=swapped)
    if swapped or not lon_ok:
        ctx.log.add(problems.outside_denmark, row, lon.column, lon.text, swapped=swapped)
    return None


def in_municipality(
    ctx: Context,
    row: int,
    cells: tuple[Coordinate, Coordinate],
    point: tuple[float, float],
    municipality: int,
) -> bool:
    """A point inside its own municipality passes. Outside it by more than the
    tolerance it is an error (in another municipality, or in none: the sea,
    abroad). Within the tolerance but inside another municipality it is a
    warning: the simplified borders are that coarse, but so is a wrong code."""
    boundaries = ctx.reference.boundaries
    if boundaries.contains(municipality, *point):
        return True
    found = boundaries.containing(*point)
    lat, lon = cells
    km = boundaries.distance_km(municipality, *point)
    names = ctx.reference.municipalities
    found_in = ", ".join(sorted(names[c] for c in found)) or None
    value = f"{lat.text}, {lon.text}"
    if km > BOUNDARY_TOLERANCE_KM:
        ctx.log.add(
            problems.outside_municipality,
            row,
            lat.column,
            value,
            km,
            names[municipality],
            found_in,
        )
        return False
    if found_in is not None:
        own = names[municipality]
        ctx.log.add(problems.in_other_municipality, row, lat.column, value, km, own, found_in)
    return True


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


def whole_number(
    ctx: Context, row: int, column: str, text: str, low: int = 0, high: int | None = None
) -> int | None:
    """A whole number from ``low`` to ``high``; ``"12,0"`` counts, ``"12,5"`` does not."""
    value = parse_decimal(text)
    if value is None:
        ctx.log.add(problems.not_a_number, row, column, text)
        return None
    # The range first: "1" followed by 400 zeros is out of range, not "not whole".
    if value < low or (high is not None and value > high):
        ctx.log.add(problems.out_of_range, row, column, text, low, high)
        return None
    if not value.is_integer():
        ctx.log.add(problems.not_a_whole_number, row, column, text)
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
    kind, number = rest[:1], ascii_number(rest[1:], 2)
    if number is None:
        return False
    if kind == "K":
        return 1 <= number <= 4
    if kind == "M":
        return 1 <= number <= 12
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
    if not 0 <= value <= COUNT_MAX:
        ctx.log.add(problems.out_of_range, row, column, text, 0, COUNT_MAX)
        return False
    if not value.is_integer():
        ctx.log.add(problems.not_a_whole_number, row, column, text)
        return False
    return True
