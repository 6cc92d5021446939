"""Reading the first sheet of an XLSX workbook, safely and in a stream.

An XLSX file is a zip of XML parts. Before openpyxl touches it the archive is
checked with :mod:`zipfile` alone: a zip bomb is refused by its central
directory (entry count, total and per-entry sizes), and :mod:`zipfile` itself
never inflates an entry past the size the directory states (it stops there
and fails the CRC), so the check cannot be lied around. The XML is then
parsed through defusedxml (no entity expansion, no external entities), which
openpyxl uses whenever it is installed; without it no workbook is opened.
"""

from __future__ import annotations

import datetime as dt
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

import openpyxl
from openpyxl.workbook.workbook import Workbook

from ingest.domain.model import FileRejected

from . import problems
from .problems import ProblemLog
from .tables import Row, RowCounter, Table

MAX_ENTRIES = 1000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# Ordinary sheets compress 5-30 times; a ratio beyond this is a bomb.
MAX_COMPRESSION_RATIO = 100
_ZIP_ENCRYPTED = 0x1


def check_archive(fh: BinaryIO) -> None:
    """Refuses an archive that is not a workbook or would inflate too far."""
    try:
        with zipfile.ZipFile(fh) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise FileRejected(problems.not_xlsx("ZIP-filen er ødelagt", "damaged zip")) from exc
    if len(infos) > MAX_ENTRIES:
        raise FileRejected(
            problems.xlsx_unsafe(
                f"{len(infos)} dele i ZIP-filen (højst {MAX_ENTRIES})",
                f"{len(infos)} entries in the zip (at most {MAX_ENTRIES})",
                str(len(infos)),
            )
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        mb = total // (1024 * 1024)
        raise FileRejected(
            problems.xlsx_unsafe(
                f"udpakket fylder filen {mb} MB (højst 200 MB)",
                f"it unpacks to {mb} MB (at most 200 MB)",
                str(total),
            )
        )
    for info in infos:
        _check_entry(info)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        odf = "mimetype" in names
        raise FileRejected(
            problems.not_xlsx(
                "det ligner et OpenDocument-regneark; gem som .xlsx" if odf else "ingen xl/-dele",
                "it looks like an OpenDocument spreadsheet; save as .xlsx"
                if odf
                else "no xl/ parts",
            )
        )


def _check_entry(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & _ZIP_ENCRYPTED:
        raise FileRejected(problems.encrypted_or_xls())
    if info.file_size and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        raise FileRejected(
            problems.xlsx_unsafe(
                f"delen {info.filename} pakkes {ratio} gange ud (højst {MAX_COMPRESSION_RATIO})",
                f"the entry {info.filename} inflates {ratio} times (at most "
                f"{MAX_COMPRESSION_RATIO})",
                info.filename,
            )
        )


def open_xlsx(fh: BinaryIO, log: ProblemLog) -> Table:
    """The first sheet of the workbook in ``fh``, which the caller closes: a
    workbook openpyxl fails to load would otherwise leave the file open."""
    check_archive(fh)
    if not openpyxl.DEFUSEDXML:
        raise FileRejected(problems.xlsx_parser_unsafe())
    fh.seek(0)
    workbook = _load(fh)
    try:
        return _first_sheet_table(workbook, log)
    except BaseException:
        workbook.close()
        raise


def _load(fh: BinaryIO) -> Workbook:
    # openpyxl warns about workbook features it drops (styles, extensions);
    # none of them matter for reading values, and tests turn warnings into errors.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return openpyxl.load_workbook(
                fh, read_only=True, data_only=False, keep_links=False, keep_vba=False
            )
        except Exception as exc:  # openpyxl raises many kinds on a malformed part
            # openpyxl wraps the parser's error (e.g. defusedxml's
            # EntitiesForbidden) in a ValueError; name the real one.
            cause = exc.__cause__ or exc
            raise FileRejected(problems.xlsx_unreadable(type(cause).__name__)) from exc


def _first_sheet_table(workbook: Workbook, log: ProblemLog) -> Table:
    if not workbook.worksheets:
        raise FileRejected(problems.xlsx_unreadable("no worksheet", detail_da="intet regneark"))
    sheet: Any = workbook.worksheets[0]
    declared_rows = sheet.max_row if isinstance(sheet.max_row, int) else None
    # The <dimension> element is only a hint some writers get wrong; openpyxl
    # would silently stop at it, so read every row there is.
    sheet.reset_dimensions()
    raw_rows = _guarded(sheet.iter_rows(min_row=1), log)
    header_row, header, formulas = _header(raw_rows, log)
    if formulas:
        raise FileRejected(problems.formula_not_allowed(header_row, "", formulas[0][1]))
    width = len(header)
    counter = RowCounter()

    def estimate(done: int) -> int:
        if declared_rows is None:
            return done
        return max(done, declared_rows - header_row)

    return Table(
        header=header,
        header_row=header_row,
        rows=_rows(raw_rows, header, width, log, counter),
        estimate_total=estimate,
        counter=counter,
        header_line=";".join(header),
        close=workbook.close,
    )


def _guarded(rows: Iterator[tuple[Any, ...]], log: ProblemLog) -> Iterator[tuple[int, list[Any]]]:
    """Numbered sheet rows; a part that breaks mid-sheet ends the reading with
    one problem instead of an exception."""
    number = 0
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # malformed XML, failed CRC, forbidden entity...
                log.add(problems.xlsx_unreadable, type(exc).__name__, row=number + 1)
                return
        number += 1
        yield next((c.row for c in cells if getattr(c, "row", None)), number), list(cells)


def _header(
    rows: Iterator[tuple[int, list[Any]]], log: ProblemLog
) -> tuple[int, list[str], list[tuple[int, str]]]:
    for number, cells in rows:
        texts, formulas = _texts(cells)
        if any(texts):
            while texts and not texts[-1]:
                texts.pop()
            return number, texts, formulas
    # The sheet broke before its header: that is the reason, not emptiness.
    broken = [p for p in log.listed if p.code == "xlsx_unreadable"]
    raise FileRejected(broken[0] if broken else problems.empty_file())


def _rows(
    rows: Iterator[tuple[int, list[Any]]],
    header: list[str],
    width: int,
    log: ProblemLog,
    counter: RowCounter,
) -> Iterator[Row]:
    for number, cells in rows:
        texts, formulas = _texts(cells)
        used = len(texts)
        while used and not texts[used - 1]:
            used -= 1
        if not used and not formulas:
            continue
        counter.rows += 1
        for index, formula in formulas:
            column = header[index] if index < width else ""
            log.add(problems.formula_not_allowed, number, column, formula)
        if used > width:
            log.add(problems.wrong_field_count, number, used, width, ";".join(texts[:used]))
            continue
        yield number, texts[:width] + [""] * (width - len(texts[:width]))


def _texts(cells: list[Any]) -> tuple[list[str], list[tuple[int, str]]]:
    """Cell texts, formulas blanked, and the formulas found by column index."""
    texts: list[str] = []
    formulas: list[tuple[int, str]] = []
    for index, cell in enumerate(cells):
        if getattr(cell, "data_type", None) == "f":
            formulas.append((index, _formula_text(cell.value)))
            texts.append("")
        else:
            texts.append(cell_text(cell.value, getattr(cell, "number_format", None)))
    return texts, formulas


def _formula_text(value: Any) -> str:
    # Array formulas come as an object holding the text.
    return str(getattr(value, "text", value))


def cell_text(value: object, number_format: str | None = None) -> str:
    """A cell value as the text a CSV export would hold: whole floats without
    ``.0`` (Excel stores 2300 as 2300.0), decimals with a point, never in
    exponent notation, and a percentage as shown (45,3 %, not 0.453)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int | float) and number_format and "%" in number_format:
        # Excel keeps 45,3 % as 0.453; the file means 45.3.
        value = round(value * 100, 10)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return text if "e" not in text else f"{value:.15f}".rstrip("0")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)
