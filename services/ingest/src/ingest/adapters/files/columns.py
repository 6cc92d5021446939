"""Finding a format's columns in a file's header, however they are spelled."""

from __future__ import annotations

from dataclasses import dataclass

from . import problems
from .problems import ProblemLog
from .text import header_key


@dataclass(frozen=True)
class Column:
    field: str  # the reader's name for it
    aliases: tuple[str, ...]  # header keys (see text.header_key) it may appear as
    display: str  # how the documentation spells it, for "missing column"
    required: bool = True


def col(field: str, *aliases: str, required: bool = True) -> Column:
    """A column known as ``field`` and, if given, the other spellings; the
    first spelling is the documented one."""
    names = aliases or (field,)
    return Column(field, tuple(header_key(a) for a in names), names[0], required)


class Columns:
    """Where each field of a format sits in one file, and how the file spells it."""

    def __init__(self, header: list[str], spec: tuple[Column, ...]) -> None:
        self.header = header
        self.keys = [header_key(name) for name in header]
        first: dict[str, int] = {}
        self.duplicates: list[tuple[str, int]] = []
        for index, key in enumerate(self.keys):
            if key in first and key:
                self.duplicates.append((header[index], first[key]))
            first.setdefault(key, index)
        self.index: dict[str, int] = {}
        self.missing: list[Column] = []
        for column in spec:
            found = next((first[a] for a in column.aliases if a in first), None)
            if found is not None:
                self.index[column.field] = found
            elif column.required:
                self.missing.append(column)

    def report(self, log: ProblemLog) -> None:
        """Header problems: duplicate names and missing required columns."""
        for name, first_index in self.duplicates:
            log.add(problems.duplicate_column, name, first_index)
        for column in self.missing:
            log.add(problems.missing_column, column.display)

    def has(self, field: str) -> bool:
        return field in self.index

    def at(self, field: str) -> int | None:
        return self.index.get(field)

    def name(self, field: str) -> str:
        """The column as the file spells it (or the field name if absent)."""
        index = self.index.get(field)
        return self.header[index] if index is not None else field
