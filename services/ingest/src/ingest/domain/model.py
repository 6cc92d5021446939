"""What an import is about, in the register's and Danmarks Statistik's terms.

Plain values and rules, no I/O: readers turn files into these, the service
layer compares them with what is current and publishes the difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DatasetKind(StrEnum):
    REGISTER = "register"  # the daycare register: which institutions exist
    STATISTICS = "statistics"  # figures per municipality and year


class Severity(StrEnum):
    ERROR = "error"  # rejects the whole file
    WARNING = "warning"  # reported, does not reject


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in a file, said in Danish and English."""

    code: str
    message_da: str
    message_en: str
    severity: Severity = Severity.ERROR
    row: int | None = None  # 1-based line of the file, header = 1
    column: str | None = None  # the column as the file spells it
    value: str | None = None  # the offending value, as read

    def as_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message_da": self.message_da,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class Institution:
    """A daycare unit as the register states it."""

    number: str  # ^[A-Z0-9]{6}$, never reused
    name: str
    kind: str  # vuggestue | boernehave | aldersintegreret | dagpleje
    ownership: str  # kommunal | selvejende | privat | udliciteret
    municipality_code: int
    street: str
    postcode: str
    city: str
    lat: float | None
    lon: float | None
    active: bool = True
    capacity: int | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None

    @property
    def accepts_0_2(self) -> bool:
        return self.kind in ("vuggestue", "aldersintegreret", "dagpleje")

    @property
    def accepts_3_5(self) -> bool:
        return self.kind in ("boernehave", "aldersintegreret")


# Municipality code, indicator, year: where a figure belongs.
FigureKey = tuple[int, str, int]


@dataclass(frozen=True)
class Figure:
    """One indicator for one municipality and year. ``value`` None is missing:
    the file has the figure's row and says DST's ``..`` (not available), which
    is not zero; a normering of 0 means no such offer. A figure the file says
    nothing about (an empty cell, no rows for it) is no Figure at all."""

    municipality_code: int
    indicator: str
    year: int
    value: float | None
    source: str  # e.g. "DST BOERN8", "Dagtilbudsportalen statistikfil"

    @property
    def key(self) -> FigureKey:
        return (self.municipality_code, self.indicator, self.year)


@dataclass
class ParsedFile:
    """Everything read from one file, before anything is applied."""

    format: str  # e.g. "stil_register", "portal_register", "dst_boern8"
    kind: DatasetKind
    institutions: list[Institution] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def accepted(self) -> bool:
        return not self.errors


class FileRejected(Exception):
    """The file cannot be read at all (not a table, too large, unsafe)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem
