"""A file as a header and a stream of rows of text cells, whatever it came as.

CSV is read with :mod:`csv` over a text wrapper on the open file, so only a
buffer's worth of it is in memory at any time; XLSX is read in openpyxl's
read-only (streaming) mode, see :mod:`.xlsx`. Either way the format readers see
``(row number, [cell text, ...])`` and nothing else.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from ingest.domain.model import FileRejected, Problem

from . import problems, sniff
from .problems import ProblemLog

Row = tuple[int, list[str]]
# How bytes that did not decode come through (see sniff.TextLayout.errors).
_UNDECODED = {
    "surrogateescape": re.compile("[\udc80-\udcff]"),
    "replace": re.compile("\ufffd"),
}


class _CsvReader(Protocol):
    line_num: int

    def __iter__(self) -> Iterator[list[str]]: ...

    def __next__(self) -> list[str]: ...


def _nothing() -> None:
    pass


@dataclass
class RowCounter:
    """Data rows seen so far, good or bad (blank rows are not rows)."""

    rows: int = 0


@dataclass
class Table:
    header: list[str]  # as the file spells it, surrounding spaces removed
    header_row: int
    rows: Iterator[Row]  # only rows with one cell per column
    estimate_total: Callable[[int], int]  # rows done -> estimated data rows in all
    counter: RowCounter
    header_line: str = ""  # the header as one line, for messages
    close: Callable[[], None] = _nothing  # releases what the rows read from


def open_csv(fh: BinaryIO, size: int, log: ProblemLog) -> Table:
    layout = sniff.text_layout(fh)
    header_line = sniff.first_line(layout.sample)
    delimiter = sniff.delimiter(header_line)
    # newline="" lets csv see CR, LF and CRLF itself, also inside quoted
    # fields. Undecodable bytes (the layout knows whether there are any) come
    # through marked, so the row and column holding the first can be named; a
    # strict decoder would fail a whole buffer ahead of the row that holds it.
    text = io.TextIOWrapper(fh, encoding=layout.encoding, errors=layout.errors, newline="")
    # strict: a stray quote is reported where it is, instead of silently
    # gluing rows together.
    reader = csv.reader(text, delimiter=delimiter or ";", strict=True)
    try:
        header_row, header = _csv_header(reader)
        undecoded = None if layout.clean else _Undecoded(layout, header, log)
        if undecoded is not None:
            undecoded.refuse_header(header_row)
    except BaseException:
        text.close()
        raise
    counter = RowCounter()

    def estimate(done: int) -> int:
        # fh.tell() is how far the text wrapper has read: bytes per row so far
        # times the file size, refined on every call.
        consumed = max(1, fh.tell())
        return max(done, round(done * size / consumed)) if consumed < size else done

    rows = _csv_rows(
        reader,
        len(header),
        reader.line_num,
        log,
        delimiter or ";",
        counter,
        undecoded.stops_at if undecoded is not None else None,
    )
    return Table(
        header=[cell.strip() for cell in header],
        header_row=header_row,
        rows=rows,
        estimate_total=estimate,
        counter=counter,
        header_line=header_line.strip(),
        # The table owns the wrapper: were the row generator its last holder,
        # the wrapper would be dropped unclosed when the rows run out.
        close=text.close,
    )


class _Undecoded:
    """Finds the first cell holding bytes that did not decode, in a file the
    layout says has some: its row and column are reported and reading stops.
    Only such files pay for looking at every cell."""

    def __init__(self, layout: sniff.TextLayout, header: list[str], log: ProblemLog) -> None:
        self.layout = layout
        self.header = [cell.strip() for cell in header]
        self.log = log
        self.pattern = _UNDECODED[layout.errors]

    def refuse_header(self, row: int) -> None:
        for cell in self.header:
            found = self.pattern.search(cell)
            if found is not None:
                raise FileRejected(self._problem(row, _shown(cell), cell, found.group()))

    def stops_at(self, row: int, cells: list[str]) -> bool:
        """Whether this record holds the first undecodable byte (then logged)."""
        for index, cell in enumerate(cells):
            found = self.pattern.search(cell)
            if found is not None:
                column = self.header[index] if index < len(self.header) else None
                self.log.add(self._problem, row, column, cell, found.group())
                return True
        return False

    def _problem(self, row: int | None, column: str | None, cell: str, char: str) -> Problem:
        # A surrogate U+DCxx stands for the byte xx.
        byte = ord(char) - 0xDC00 if "\udc80" <= char <= "\udcff" else None
        return problems.bad_encoding(
            row,
            column,
            _shown(cell),
            self.layout.encoding,
            byte,
            self.layout.utf8_example,
        )


def _shown(cell: str) -> str:
    """The cell as a reader would see it: each undecodable byte as U+FFFD."""
    return _UNDECODED["surrogateescape"].sub("\ufffd", cell.strip())


def _csv_header(reader: _CsvReader) -> tuple[int, list[str]]:
    """The first non-blank record; a file that breaks before it is no table."""
    line_num = 0
    try:
        for cells in reader:
            start, line_num = line_num + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                return start, cells
    except csv.Error as exc:
        raise FileRejected(problems.csv_error(line_num + 1, str(exc))) from exc
    raise FileRejected(problems.empty_file())


def _csv_rows(
    reader: _CsvReader,
    width: int,
    header_end: int,
    log: ProblemLog,
    delimiter: str,
    counter: RowCounter,
    stops_at: Callable[[int, list[str]], bool] | None = None,
) -> Iterator[Row]:
    line_num = header_end
    try:
        for cells in reader:
            start, line_num = line_num + 1, reader.line_num
            if stops_at is not None and stops_at(start, cells):
                counter.rows += 1  # a row all the same: the file is not "without rows"
                return  # the rest of the file is not read
            # Fast path first: nearly every row is complete and starts with a value.
            if len(cells) == width and cells[0]:
                counter.rows += 1
                yield start, cells
            elif not any(cell.strip() for cell in cells):
                continue  # blank line, or only delimiters (Excel pads with ";;;")
            else:
                counter.rows += 1
                if len(cells) == width:
                    yield start, cells
                else:
                    text = _joined(cells, delimiter)
                    log.add(problems.wrong_field_count, start, len(cells), width, text)
    except csv.Error as exc:
        # Quoting broke (typically a quote that is never closed, as in a file
        # cut off mid-row): everything after is guesswork, so stop here.
        log.add(problems.csv_error, line_num + 1, str(exc))


def _joined(cells: list[str], delimiter: str, limit: int = 200) -> str:
    """The row as it stood in the file, near enough, for the problem's value."""
    text = delimiter.join(cells)
    return text if len(text) <= limit else text[: limit - 1] + "…"
