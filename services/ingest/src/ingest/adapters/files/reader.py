"""read_file: an uploaded file in, domain values and every problem out."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NoReturn

from ingest.domain.model import DatasetKind, FileRejected, ParsedFile
from ingest.domain.reference import ReferenceData

from . import problems, sniff, tables, xlsx
from .base import FormatReader
from .checks import Context
from .columns import Columns
from .dst import PASKAT, Boern1, Boern2, Boern3, Boern8, Folk1e, is_total
from .problems import ProblemLog
from .register import PortalRegister, StilRegister
from .statistics import PortalStatistics
from .text import header_key, parse_decimal

# In recognition order: the first whose columns fit is taken. BOERN3 has
# BOERN8's columns and is only ever chosen by the kind hint.
FORMATS: tuple[type[FormatReader], ...] = (
    StilRegister,
    PortalRegister,
    PortalStatistics,
    Folk1e,
    Boern1,
    Boern2,
    Boern8,
    Boern3,
)
FORMAT_NAMES = tuple(f.name for f in FORMATS)
KIND_HINTS = (
    *(kind.value for kind in DatasetKind),
    *FORMAT_NAMES,
    *(f.table_id for f in FORMATS if f.table_id),
)
PROGRESS_EVERY = 5000
# How many rows to look at when the columns alone leave BOERN8 and BOERN2 open.
_PEEK_ROWS = 1000
_UNREADABLE_SUFFIXES = (".xls", ".ods", ".numbers", ".pdf", ".doc", ".docx", ".zip")

Progress = Callable[[int, int], None]


def read_file(
    path: Path,
    *,
    reference: ReferenceData,
    kind: str | None = None,
    filename: str | None = None,
    progress: Progress | None = None,
) -> ParsedFile:
    """Reads a register or statistics file (CSV or XLSX) into domain values.

    ``kind`` is an optional hint: ``"register"`` or ``"statistics"``, a format
    name (:data:`FORMAT_NAMES`) or a DST table id such as ``"BOERN8"``; without
    it the format is recognised from the columns. ``filename`` is the name the
    file was uploaded under; the content alone decides how it is read, the
    name only sharpens a rejection message. ``progress(rows_done,
    rows_total_estimate)`` is called every 5,000 rows and once at the end.

    Raises :class:`FileRejected` when the file cannot be read as a table at
    all, and ValueError for a ``kind`` that is none of :data:`KIND_HINTS`.
    Everything else wrong is in the result's ``problems``.
    """
    hinted, hinted_kind = _resolve_hint(kind)
    size = path.stat().st_size
    if size == 0:
        raise FileRejected(problems.empty_file())
    log = ProblemLog()
    with path.open("rb") as fh:
        table = _open(fh, size, log, filename)
        try:
            return _read_table(table, reference, log, hinted, hinted_kind, progress)
        finally:
            table.close()


def _resolve_hint(kind: str | None) -> tuple[type[FormatReader] | None, DatasetKind | None]:
    if kind is None:
        return None, None
    wanted = kind.strip()
    for fmt in FORMATS:
        if wanted.lower() == fmt.name or (fmt.table_id and wanted.upper() == fmt.table_id):
            return fmt, fmt.kind
    if wanted.lower() in (k.value for k in DatasetKind):
        return None, DatasetKind(wanted.lower())
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KIND_HINTS)}")


def _open(fh: BinaryIO, size: int, log: ProblemLog, filename: str | None) -> tables.Table:
    head = fh.read(8)
    fh.seek(0)
    if sniff.container(head) == "xlsx":
        return xlsx.open_xlsx(fh, log)
    try:
        return tables.open_csv(fh, size, log)
    except FileRejected as exc:
        suffix = Path(filename or "").suffix.lower()
        if exc.problem.code == "not_a_table" and suffix in _UNREADABLE_SUFFIXES:
            raise FileRejected(
                problems.not_a_table(
                    f"{suffix}-filer kan ikke læses; gem som CSV eller .xlsx",
                    f"{suffix} files cannot be read; save as CSV or .xlsx",
                )
            ) from exc
        raise


def _read_table(
    table: tables.Table,
    reference: ReferenceData,
    log: ProblemLog,
    hinted: type[FormatReader] | None,
    hinted_kind: DatasetKind | None,
    progress: Progress | None,
) -> ParsedFile:
    fmt = _choose_format(table, hinted, hinted_kind)
    ctx = Context(reference, log, dt.date.today().year + 1)
    reader = fmt(Columns(table.header, fmt.spec), ctx)
    header_ok = reader.header_ok()
    if header_ok:
        _stream(table, reader, progress)
        if table.counter.rows == 0:
            log.add(problems.no_rows)
    # Summed figures are built (and checked) at the end: before the problems
    # are collected.
    institutions, figures = reader.institutions(), reader.figures()
    return ParsedFile(
        format=fmt.name,
        kind=fmt.kind,
        institutions=institutions,
        figures=figures,
        problems=log.result(),
        rows_read=table.counter.rows,
        skipped=dict(sorted(ctx.skipped.items())),
    )


def _choose_format(
    table: tables.Table, hinted: type[FormatReader] | None, hinted_kind: DatasetKind | None
) -> type[FormatReader]:
    _refuse_unreadable_header(table)
    keys = {header_key(name) for name in table.header}
    if hinted is not None:
        if not any(a in keys for c in hinted.spec for a in c.aliases):
            _refuse_unknown_header(table)
        return hinted
    found = next((fmt for fmt in FORMATS if fmt.recognises(keys)), None)
    if found is None:
        _refuse_unknown_header(table)
    if found is Boern8 and "kommunedk" not in keys and _has_total_category(table):
        # OMRÅDE + PASKAT fits both; only BOERN2 (counts) has a total category.
        found = Boern2
    if hinted_kind is not None and found.kind is not hinted_kind:
        raise FileRejected(problems.wrong_kind(found.name, found.kind.value, hinted_kind.value))
    return found


def _refuse_unreadable_header(table: tables.Table) -> None:
    if len(table.header) == 1:
        separator = sniff.other_separator(table.header_line)
        if separator is not None:
            raise FileRejected(
                problems.unrecognised_columns(table.header_line, _expected(), separator)
            )


def _refuse_unknown_header(table: tables.Table) -> NoReturn:
    cells = [c for c in table.header if c]
    numeric = sum(1 for c in cells if c == ".." or parse_decimal(c) is not None)
    if cells and numeric * 2 >= len(cells):
        raise FileRejected(problems.no_header(table.header_line))
    raise FileRejected(problems.unrecognised_columns(table.header_line, _expected(), None))


def _expected() -> str:
    return ", ".join(FORMAT_NAMES)


def _has_total_category(table: tables.Table) -> bool:
    columns = Columns(table.header, (PASKAT,))
    index = columns.at("paskat")
    if index is None:
        return False
    peeked = list(itertools.islice(table.rows, _PEEK_ROWS))
    table.rows = itertools.chain(peeked, table.rows)
    return any(is_total(cells[index]) for _, cells in peeked)


def _stream(table: tables.Table, reader: FormatReader, progress: Progress | None) -> None:
    read = reader.read
    if progress is None:
        for row, cells in table.rows:
            read(row, cells)
        return
    counter = table.counter
    next_report = PROGRESS_EVERY
    last = (-1, -1)
    for row, cells in table.rows:
        read(row, cells)
        if counter.rows >= next_report:
            last = (counter.rows, table.estimate_total(counter.rows))
            progress(*last)
            next_report = counter.rows + PROGRESS_EVERY
    if last != (counter.rows, counter.rows):
        progress(counter.rows, counter.rows)  # the end: now the total is exact
