"""Danmarks Statistik's Statistikbank tables, as the API or the website
downloads them: one column per variable (codes such as ``OMRÅDE``, ``TID``),
the figure in ``INDHOLD``, one row per combination.

BOERN8/BOERN3 hold the normering directly. BOERN1, BOERN2 and FOLK1E hold
counts that are summed per municipality and year while the rows stream by
(the dictionaries grow with municipalities x years, not with rows) and turned
into the indicator at the end.

Cells may hold a code (``101``, ``TOT``), a label (``København``, ``I alt``)
or both (``101 København``, valuePresentation=CodeAndValue); all three work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from ingest.domain.model import DatasetKind, Figure

from . import checks, problems
from .base import FormatReader
from .checks import INVALID, Context, Invalid
from .columns import Column, Columns, col
from .text import ascii_number, label_key, leading_code, parse_decimal

AREA = col("area", "OMRÅDE", "KOMMUNEDK", "BLSTKOM")
TIME = col("time", "TID")
VALUE = col("value", "INDHOLD")
PASKAT = col("paskat", "PASKAT", "PASNINGSTILBUD")
AREA_KEYS = set(AREA.aliases)

# Geography that is not one municipality: counted, not an error.
_COUNTRY_CODES = {0}
_REGION_CODES = {81, 82, 83, 84, 85, 1081, 1082, 1083, 1084, 1085}
_CHRISTIANSOE = 411
_COUNTRY_NAMES = {"hele landet", "danmark", "i alt", "hele landet i alt"}

# Cache size per column: distinct values are few in a real file (a hundred
# areas, a few categories); a hostile file cannot make the cache unbounded.
_CACHE_LIMIT = 10_000

Period = tuple[int, str]  # (year, the period as the file writes it: "2024", "2024K3")


def is_total(text: str) -> bool:
    """A category that is the sum of the others: ``TOT``, ``IALT``, ``I alt``."""
    code = text.split(maxsplit=1)[0].upper() if text else ""
    return code in ("TOT", "IALT") or label_key(text) in ("i alt", "i alt i alt", "total", "alle")


@dataclass(frozen=True)
class Area:
    municipality: int | None = None
    skip: str | None = None  # reason the row is counted and left out
    unknown_by_name: bool | None = None  # set when the area is no municipality we know
    unknown_label: str | None = None  # "101 Atlantis": the label names no municipality
    mislabelled: bool = False  # "101 Aarhus": another municipality's name; the code is used


class DstTable(FormatReader):
    """Area, time and value columns and the checks of each, and the column
    whose categories say what a row counts towards (its role)."""

    kind = DatasetKind.STATISTICS
    source: ClassVar[str]
    annual: ClassVar[bool] = True
    role_field: ClassVar[str]

    def __init__(self, columns: Columns, ctx: Context) -> None:
        super().__init__(columns, ctx)
        self.i_area = columns.at("area") or 0
        self.i_time = columns.at("time") or 0
        self.i_value = columns.at("value") or 0
        self.area_column = columns.name("area")
        self.time_column = columns.name("time")
        self.value_column = columns.name("value")
        self.i_role = columns.at(self.role_field) or 0
        self.role_column = columns.name(self.role_field)
        self._areas: dict[str, Area] = {}
        self._periods: dict[str, Period | None] = {}
        self.role = Classifier(self.classify, self.i_role, ctx)

    def area(self, row: int, text: str) -> Area:
        """Where the row is about; counts skipped areas, logs unknown ones."""
        found = self._areas.get(text)
        if found is None:
            found = _area(self.ctx, text.strip())
            if len(self._areas) < _CACHE_LIMIT:
                self._areas[text] = found
        if found.municipality is not None:
            if found.mislabelled:
                name = self.ctx.reference.municipalities[found.municipality]
                self.ctx.log.add(
                    problems.municipality_name_mismatch,
                    row,
                    self.area_column,
                    text.strip(),
                    found.municipality,
                    name,
                )
            return found
        if found.skip is not None:
            self.ctx.skip(found.skip)
        elif not text.strip():
            self.ctx.log.add(problems.missing_value, row, self.area_column)
        else:
            self.ctx.log.add(
                problems.unknown_municipality,
                row,
                self.area_column,
                text.strip(),
                by_name=bool(found.unknown_by_name),
                name=found.unknown_label,
            )
        return found

    def period(self, row: int, text: str) -> Period | None:
        """From ``2024`` or, in a quarterly table, ``2024K1``."""
        if text in self._periods:
            found = self._periods[text]
        else:
            found = self._parse_period(text.strip())
            if len(self._periods) < _CACHE_LIMIT:
                self._periods[text] = found
        if found is None:
            stripped = text.strip()
            if stripped:
                self.ctx.log.add(
                    problems.bad_year,
                    row,
                    self.time_column,
                    stripped,
                    checks.YEAR_MIN,
                    self.ctx.year_max,
                )
            else:
                self.ctx.log.add(problems.missing_value, row, self.time_column)
        return found

    def _parse_period(self, text: str) -> Period | None:
        year = ascii_number(text[:4], 4)
        rest = text[4:]
        if year is None or len(text) < 4:
            return None
        if rest and (self.annual or not checks.is_sub_period(rest)):
            return None
        return (year, text) if checks.YEAR_MIN <= year <= self.ctx.year_max else None

    def value(self, row: int, text: str) -> float | Invalid | None:
        """INDHOLD: a non-negative number, or None for ``..`` (missing)."""
        if text == checks.MISSING:
            return None
        if not text:
            self.ctx.log.add(problems.missing_value, row, self.value_column)
            return INVALID
        number = parse_decimal(text)
        if number is None:
            self.ctx.log.add(problems.not_a_number, row, self.value_column, text)
            return INVALID
        if number < 0:
            self.ctx.log.add(problems.out_of_range, row, self.value_column, text, 0, None)
            return INVALID
        return number

    def read(self, row: int, cells: list[str]) -> None:
        area = self.area(row, cells[self.i_area])
        if area.skip is not None:
            return
        # An unknown area does not stop the other checks: one upload should
        # show every problem.
        period = self.period(row, cells[self.i_time])
        value = self.value(row, cells[self.i_value].strip())
        if area.municipality is None or period is None or isinstance(value, Invalid):
            return
        self.accept(row, cells, area.municipality, period, value)

    def classify(self, code: str, label: str) -> str | None:
        """The role of a category, from its code and folded label."""
        raise NotImplementedError

    def accept(
        self, row: int, cells: list[str], municipality: int, period: Period, value: float | None
    ) -> None:
        """A row whose area, period and value passed their checks."""
        raise NotImplementedError


def _area(ctx: Context, text: str) -> Area:
    code = leading_code(text)
    if code is not None:
        return _area_by_code(ctx, code, text[len(code) :].strip())
    key = label_key(text)
    if key in _COUNTRY_NAMES:
        return Area(skip="country_total")
    if key.startswith("region "):
        return Area(skip="region")
    if key.startswith("landsdel "):
        return Area(skip="landsdel")
    if key == "christiansø":
        return Area(skip="not_a_municipality")
    found = ctx.reference.municipality_by_name(text)
    if found is None:
        return Area(unknown_by_name=True)
    return Area(municipality=found)


def _area_by_code(ctx: Context, code: str, label: str) -> Area:
    number = ascii_number(code, 4)
    if number is None:
        return Area(unknown_by_name=False)
    if number in _COUNTRY_CODES:
        return Area(skip="country_total")
    if number in _REGION_CODES:
        return Area(skip="region")
    if len(code) <= 2:
        # DST's landsdele are numbered 01-11; municipalities always have three digits.
        return Area(skip="landsdel")
    if number == _CHRISTIANSOE:
        return Area(skip="not_a_municipality")
    if not ctx.reference.is_municipality(number):
        return Area(unknown_by_name=False)
    if not label:
        return Area(municipality=number)
    # CodeAndValue ("101 København"): the label must name a municipality too.
    named = ctx.reference.municipality_by_name(label)
    if named is None:
        return Area(unknown_by_name=True, unknown_label=label)
    return Area(municipality=number, mislabelled=named != number)


class Classifier:
    """The role of a row from its category cell (code, label or both), with a
    cache. A category the table does not read has none: the row is counted
    as skipped."""

    def __init__(
        self, classify: Callable[[str, str], str | None], index: int, ctx: Context
    ) -> None:
        self._classify = classify
        self._index = index
        self._ctx = ctx
        self._cache: dict[str, str | None] = {}

    def __call__(self, cells: list[str]) -> str | None:
        text = cells[self._index]
        try:
            role = self._cache[text]
        except KeyError:
            stripped = text.strip()
            code = stripped.split(maxsplit=1)[0].upper() if stripped else ""
            role = self._classify(code, label_key(stripped))
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[text] = role
        if role is None:
            self._ctx.skip("other_category")
        return role


# --- BOERN8 / BOERN3: normering per municipality and kind of care -----------


def _paskat_normering(code: str, label: str) -> str | None:
    by_code = {"1": "normering_dagpleje", "2": "normering_0_2", "3": "normering_3_5"}
    if code in by_code:
        return by_code[code]
    if "dagpleje" in label:
        return "normering_dagpleje"
    if "0-2" in label:
        return "normering_0_2"
    if "3-5" in label:
        return "normering_3_5"
    return None


class Boern8(DstTable):
    name = "dst_boern8"
    table_id = "BOERN8"
    source = "DST BOERN8"
    role_field = "paskat"  # the kind of care, which names the normering
    spec: ClassVar[tuple[Column, ...]] = (AREA, PASKAT, TIME, VALUE)

    def __init__(self, columns: Columns, ctx: Context) -> None:
        super().__init__(columns, ctx)
        self._figures: list[Figure] = []
        self._figure_row: dict[tuple[int, str, int], int] = {}

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        return {"tid", "indhold"} <= keys and bool(keys & set(PASKAT.aliases) and keys & AREA_KEYS)

    def figures(self) -> list[Figure]:
        return self._figures

    def classify(self, code: str, label: str) -> str | None:
        return _paskat_normering(code, label)

    def accept(
        self, row: int, cells: list[str], municipality: int, period: Period, value: float | None
    ) -> None:
        if (indicator := self.role(cells)) is None:
            return
        text = cells[self.i_value].strip()
        if value is not None and not checks.indicator_in_range(
            self.ctx, row, self.value_column, text, indicator, value
        ):
            return
        # Keyed by the figure, not the cells: "1" and "Dagpleje" are one category.
        first = self._figure_row.setdefault((municipality, indicator, period[0]), row)
        if first != row:
            self.ctx.log.add(problems.duplicate_figure, row, self.value_column, text, first)
            return
        self._figures.append(Figure(municipality, indicator, period[0], value, self.source))


class Boern3(Boern8):
    name = "dst_boern3"
    table_id = "BOERN3"
    source = "DST BOERN3"

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        # Same columns as BOERN8: chosen only by the kind hint.
        return False


# --- the summing tables ----------------------------------------------------


class Absent:
    """Marks a quantity with no row in the file at all, as opposed to a row
    whose value is DST's ``..`` (None, missing). A figure built from an absent
    piece is not read: the file says nothing about it."""


ABSENT = Absent()
Result = float | None | Absent


@dataclass
class Sum:
    """One quantity summed over dimensions that may carry their own total.

    Rows land in a bucket by which of the summed dimensions they are a total
    member of; at the end the bucket matching "a total where the file has one"
    is the answer. So a file with KØN=TOT, 1, 2 counts TOT, one with only 1
    and 2 counts both, and nothing is counted twice.
    """

    row: int  # the first row summed, for problems about the sum
    buckets: dict[int, float | None] = field(default_factory=dict)
    totals_seen: int = 0

    def add(self, mask: int, value: float | None) -> None:
        self.totals_seen |= mask
        if mask in self.buckets:
            current = self.buckets[mask]
            self.buckets[mask] = None if current is None or value is None else current + value
        else:
            self.buckets[mask] = value

    def result(self) -> Result:
        return self.buckets.get(self.totals_seen, ABSENT)


Group = dict[str, Sum]  # role -> sum, for one municipality and period

# DST's labels for codes a file may also write as codes; the duplicate check
# compares rows by meaning, so "1", "1 Mænd" and "Mænd" are one category.
_LABEL_CODES = {"mænd": "1", "kvinder": "2"}


class SummingTable(DstTable):
    """Rows summed per (municipality, period, role); roles come from one
    column, every other dimension column is summed over."""

    whole_numbers: ClassVar[bool] = False

    def __init__(self, columns: Columns, ctx: Context) -> None:
        super().__init__(columns, ctx)
        fixed = {self.i_area, self.i_time, self.i_value, self.i_role, *self.fixed_columns()}
        self._summed = [i for i in range(len(columns.header)) if i not in fixed]
        # Every dimension but area, period and role, for the duplicate check.
        self._other_dims = [
            i
            for i in range(len(columns.header))
            if i not in (self.i_area, self.i_time, self.i_value, self.i_role)
        ]
        self._total_cache: dict[str, bool] = {}
        self._category_cache: dict[str, str] = {}
        self._first_row: dict[str, int] = {}
        self._groups: dict[Period, Group] = {}
        self._figures: list[Figure] | None = None

    def fixed_columns(self) -> set[int]:
        return set()

    def accept(
        self, row: int, cells: list[str], municipality: int, period: Period, value: float | None
    ) -> None:
        if (role := self.role(cells)) is None:
            return
        if value is not None and value > checks.COUNT_MAX:
            # No municipality has this many children, staff or residents of
            # one kind: a unit mix-up, which would swamp every sum it joins.
            text = cells[self.i_value].strip()
            high = checks.COUNT_MAX
            self.ctx.log.add(problems.out_of_range, row, self.value_column, text, 0, high)
            return
        if self.whole_numbers and value is not None and not value.is_integer():
            text = cells[self.i_value].strip()
            self.ctx.log.add(problems.not_a_whole_number, row, self.value_column, text)
            return
        if self.duplicate(row, cells, municipality, period, role):
            return
        group = self._groups.get((municipality, period[1]))
        if group is None:
            group = self._groups[(municipality, period[1])] = {}
        total = group.get(role)
        if total is None:
            total = group[role] = Sum(row)
        total.add(self._mask(cells) if self._summed else 0, value)

    def duplicate(
        self, row: int, cells: list[str], municipality: int, period: Period, role: str
    ) -> bool:
        """Whether an earlier row had the same meaning (then logged): the same
        municipality, period and categories however they are written, so
        ``101``, ``0101`` and ``101 København`` are one area. The key is one
        joined string: a third of the memory of a tuple."""
        # A catch-all role ("other" educations) holds many categories.
        role_key = self._category(cells[self.i_role]) if role == "other" else role
        parts = [str(municipality), period[1], role_key]
        parts.extend(self._category(cells[i]) for i in self._other_dims)
        key = "\x1f".join(parts)
        first = self._first_row.setdefault(key, row)
        if first == row:
            return False
        self.ctx.log.add(
            problems.duplicate_figure, row, self.value_column, cells[self.i_value].strip(), first
        )
        return True

    def _category(self, text: str) -> str:
        """A category cell as code, however it is presented: ``TOT``, ``I
        alt`` -> TOT; ``0 år`` -> 0; ``Mænd`` -> 1; otherwise the folded label."""
        found = self._category_cache.get(text)
        if found is None:
            stripped = text.strip()
            if is_total(stripped):
                found = "TOT"
            else:
                label = label_key(stripped)
                found = leading_code(stripped) or _LABEL_CODES.get(label, label)
            if len(self._category_cache) < _CACHE_LIMIT:
                self._category_cache[text] = found
        return found

    def _mask(self, cells: list[str]) -> int:
        mask = 0
        for bit, index in enumerate(self._summed):
            text = cells[index]
            total = self._total_cache.get(text)
            if total is None:
                total = is_total(text)
                if len(self._total_cache) < _CACHE_LIMIT:
                    self._total_cache[text] = total
            if total:
                mask |= 1 << bit
        return mask

    def groups(self) -> dict[Period, Group]:
        return self._groups

    def figures(self) -> list[Figure]:
        # Built once: building them reports problems.
        if self._figures is None:
            self._figures = self.build_figures()
        return self._figures

    def build_figures(self) -> list[Figure]:
        raise NotImplementedError

    def figure(self, municipality: int, year: int, indicator: str, value: float | None) -> Figure:
        return Figure(municipality, indicator, year, value, self.source)

    def incomplete(
        self, where: tuple[int, str], group: Group, indicator: str, lacking: list[str]
    ) -> None:
        """Rows the figure needs are absent: a warning on the group's first row."""
        row = min(piece.row for piece in group.values())
        text = f"{self.role_column} {', '.join(lacking)}"
        name = self.ctx.reference.municipalities[where[0]]
        self.ctx.log.add(
            problems.incomplete_figure, row, self.role_column, text, indicator, name, where[1]
        )


def _roles_result(group: Group, role: str) -> Result:
    found = group.get(role)
    return found.result() if found is not None else ABSENT


def _share(part: float | None, whole: float | None) -> float | None:
    """A percentage with one decimal, as published; None when a piece is
    missing or there is nothing to divide by."""
    if part is None or whole is None or whole <= 0:
        return None
    return round(100 * part / whole, 1)


# --- BOERN2: children enrolled (full-time equivalents) ---------------------


class Boern2(SummingTable):
    name = "dst_boern2"
    table_id = "BOERN2"
    source = "DST BOERN2"
    spec: ClassVar[tuple[Column, ...]] = (AREA, PASKAT, TIME, VALUE)
    role_field = "paskat"
    whole_numbers = True
    _PARTS = ("1", "2", "3")

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        # BLSTKOM is BOERN2's own name for the area; with OMRÅDE the reader
        # looks at the categories (see reader.py).
        return {"tid", "indhold", "blstkom"} <= keys and bool(keys & set(PASKAT.aliases))

    def classify(self, code: str, label: str) -> str | None:
        if code in ("TOT", "IALT") or is_total(label):
            return "total"
        if code in self._PARTS:
            return code
        normering_role = _paskat_normering("", label)
        return {"normering_dagpleje": "1", "normering_0_2": "2", "normering_3_5": "3"}.get(
            normering_role or ""
        )

    def build_figures(self) -> list[Figure]:
        out = []
        for (municipality, period), group in sorted(self.groups().items()):
            roles = ("total",) if "total" in group else self._PARTS
            parts = [_roles_result(group, role) for role in roles]
            lacking = [role for role, part in zip(roles, parts, strict=True) if part is ABSENT]
            if lacking:
                codes = ["TOT" if role == "total" else role for role in lacking]
                self.incomplete((municipality, period), group, "antal_boern", codes)
                continue
            value = None
            if None not in parts:
                value = sum(p for p in parts if isinstance(p, float))
                if value > checks.COUNT_MAX:
                    # Each part passed on its own; their sum is still a count
                    # of children in one municipality.
                    row = min(piece.row for piece in group.values())
                    self.ctx.log.add(
                        problems.out_of_range,
                        row,
                        self.value_column,
                        _number_text(value),
                        0,
                        checks.COUNT_MAX,
                    )
                    continue
            out.append(self.figure(municipality, int(period[:4]), "antal_boern", value))
        return out


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


# --- BOERN1: pedagogical staff by education ---------------------------------

PAEDAGOG_CODES = ("460",)
_PAEDAGOG_LABELS = ("pædagoguddannelse", "pædagoguddannelsen", "pædagog", "pædagoger")


class Boern1(SummingTable):
    name = "dst_boern1"
    table_id = "BOERN1"
    source = "DST BOERN1"
    spec: ClassVar[tuple[Column, ...]] = (AREA, col("education", "UDDANNELSE"), TIME, VALUE)
    role_field = "education"

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        return {"tid", "indhold", "uddannelse"} <= keys and bool(keys & AREA_KEYS)

    def classify(self, code: str, label: str) -> str | None:
        if code in ("TOT", "IALT") or is_total(label) or label == "uddannelse i alt":
            return "total"
        # "Pædagogisk assistentuddannelse" also starts with "pædagog": match
        # the pedagogue education itself, not the prefix.
        if code in PAEDAGOG_CODES or label in _PAEDAGOG_LABELS:
            return "paedagog"
        return "other"

    def build_figures(self) -> list[Figure]:
        out = []
        for (municipality, period), group in sorted(self.groups().items()):
            paedagog = _roles_result(group, "paedagog")
            # Without a total row, the whole is the pedagogues and the others.
            whole = _roles_result(group, "total" if "total" in group else "other")
            if isinstance(paedagog, Absent) or isinstance(whole, Absent):
                lacking = [
                    code
                    for code, part in (("460", paedagog), ("TOT", whole))
                    if isinstance(part, Absent)
                ]
                self.incomplete(
                    (municipality, period), group, "andel_paedagogisk_uddannet_pct", lacking
                )
                continue
            total = whole
            if "total" not in group:
                total = None if paedagog is None or whole is None else paedagog + whole
            if paedagog is not None and total is not None and paedagog > total:
                # A share above 100 per cent breaks the event contract; the
                # file contradicts itself, so neither number can be trusted.
                self.ctx.log.add(
                    problems.parts_exceed_total,
                    group["total"].row,
                    self.value_column,
                    _number_text(total),
                    group["paedagog"].row,
                )
                continue
            share = _share(paedagog, total)
            out.append(
                self.figure(municipality, int(period[:4]), "andel_paedagogisk_uddannet_pct", share)
            )
        return out


# --- FOLK1E: population by origin -------------------------------------------

DANISH = "1"
NON_DANISH = ("24", "25", "34", "35")
AGES_0_5 = frozenset(str(age) for age in range(6))


class Folk1e(SummingTable):
    name = "dst_folk1e"
    table_id = "FOLK1E"
    source = "DST FOLK1E"
    annual = False
    spec: ClassVar[tuple[Column, ...]] = (
        AREA,
        col("sex", "KØN", required=False),
        col("age", "ALDER"),
        col("origin", "HERKOMST"),
        TIME,
        VALUE,
    )
    role_field = "origin"
    whole_numbers = True

    def __init__(self, columns: Columns, ctx: Context) -> None:
        super().__init__(columns, ctx)
        self.i_age = columns.at("age") or 0
        self._ages: dict[str, bool] = {}

    @classmethod
    def recognises(cls, keys: set[str]) -> bool:
        return {"tid", "indhold", "herkomst", "alder"} <= keys

    def fixed_columns(self) -> set[int]:
        # Age is a filter (0-5 summed, the rest left out), never a total.
        return {self.columns.at("age") or 0}

    def read(self, row: int, cells: list[str]) -> None:
        # Most rows of a full FOLK1E download are other ages: leave them
        # before any other work.
        age = cells[self.i_age]
        young = self._ages.get(age)
        if young is None:
            young = leading_code(age.strip()) in AGES_0_5
            if len(self._ages) < _CACHE_LIMIT:
                self._ages[age] = young
        if not young:
            self.ctx.skip("age_over_5")
            return
        super().read(row, cells)

    def classify(self, code: str, label: str) -> str | None:
        if code == DANISH or "dansk oprindelse" in label:
            return DANISH
        if code in NON_DANISH:
            return code
        western = "ikke-vestlig" not in label and "vestlig" in label
        if label.startswith("indvandrere"):
            return "24" if western else "25"
        if label.startswith("efterkommere"):
            return "34" if western else "35"
        return None  # TOT and anything else: the denominator is built from the parts

    def build_figures(self) -> list[Figure]:
        latest: dict[tuple[int, int], str] = {}
        for municipality, period in self.groups():
            key = (municipality, int(period[:4]))
            latest[key] = max(latest.get(key, period), period)
        out = []
        for (municipality, year), period in sorted(latest.items()):
            group = self.groups()[(municipality, period)]
            # All five origins are needed; the file's own TOT is not used, so
            # the share is of exactly these groups.
            roles = (DANISH, *NON_DANISH)
            parts = [_roles_result(group, role) for role in roles]
            lacking = [role for role, part in zip(roles, parts, strict=True) if part is ABSENT]
            if lacking:
                self.incomplete(
                    (municipality, period), group, "andel_ikke_dansk_baggrund_pct", lacking
                )
                continue
            share = None
            if None not in parts:
                danish, *others = (p for p in parts if isinstance(p, float))
                share = _share(sum(others), danish + sum(others))
            out.append(self.figure(municipality, year, "andel_ikke_dansk_baggrund_pct", share))
        return out
