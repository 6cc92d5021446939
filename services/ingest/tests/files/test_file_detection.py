"""What a file is and whether it can be read at all: encodings, delimiters,
XLSX safety, hostile and broken input, problem cap, progress."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from ingest.adapters.files import xlsx
from ingest.domain.model import FileRejected, ParsedFile, Severity

Read = Callable[..., ParsedFile]
Write = Callable[..., Path]
Where = Callable[[ParsedFile], list[tuple[str, int | None, str | None, str | None]]]

STATISTICS_HEADER = "kommunekode;aar;normering_0_2\n"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def refused(read: Callable[..., ParsedFile], path: Path | str, **kwargs: object) -> str:
    with pytest.raises(FileRejected) as caught:
        read(path, **kwargs)
    return caught.value.problem.code


# --- not a table at all -------------------------------------------------------------


def test_empty_file(read: Read) -> None:
    assert refused(read, "empty.csv") == "empty_file"


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"\r\n\r\n  \n", b";;;\n;;;\n"])
def test_blank_files_are_empty(read: Read, write: Write, content: bytes) -> None:
    assert refused(read, write(content)) == "empty_file"


def test_binary_garbage(read: Read) -> None:
    assert refused(read, "garbage.bin") == "not_a_table"


def test_binary_garbage_named_xls_says_so(read: Read) -> None:
    with pytest.raises(FileRejected) as caught:
        read("garbage.bin", filename="indberetning.xls")

    assert ".xls" in caught.value.problem.message_da


def test_password_protected_workbook_or_old_xls(read: Read, write: Write) -> None:
    ole2 = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)

    assert refused(read, write(ole2, "protected.xlsx")) == "encrypted_or_xls"


def test_data_without_header(read_text: Read) -> None:
    with pytest.raises(FileRejected) as caught:
        read_text("101;2023;2,8\n147;2023;3,0\n", kind="statistics")

    assert (caught.value.problem.code, caught.value.problem.value) == ("no_header", "101;2023;2,8")


def test_unknown_kind_hint_is_a_caller_error(read: Read) -> None:
    with pytest.raises(ValueError, match="BOERN8"):
        read("dst_boern8.csv", kind="BOERN4")


# --- encodings and delimiters -----------------------------------------------------------


def test_utf8_character_cut_by_the_sample_end_is_still_utf8(read: Read, write: Write) -> None:
    # "ø" is two bytes; put its first byte at the last position of the 64 KB sample.
    header = "kommunekode;kommune;aar;normering_0_2\n"
    filler_row = "101;København;2023;\n"  # no figure: an empty cell says nothing
    text = header
    while len(text.encode()) < 65536 - 200:
        text += filler_row
    prefix = len(text.encode())
    name_row = "480;" + "x" * (65536 - prefix - 5) + "ø;2023;2,8\n"
    path = write(text + name_row)
    assert path.read_bytes()[65535:65537] == "ø".encode()

    result = read(path)

    # The name is no municipality, and the error quotes it decoded as UTF-8
    # ("...ø"), not as Windows-1252 ("...Ã¸").
    assert [(p.code, p.value) for p in result.problems] == [
        ("unknown_municipality", "x" * (65536 - prefix - 5) + "ø")
    ]


def test_a_stray_byte_after_the_sample_stops_with_its_row_and_column(
    read: Read, write: Write, where: Where
) -> None:
    header = "kommunekode;kommune;aar;normering_0_2\n"
    rows = "101;København;2023;\n" * 8000 + "147;Frederiksberg;2023;3,0\n"
    stray = b"151;Ballerup;2023;3\xb8\n153;Br\xf8ndby;2023;3,1\n"  # Windows-1252 bytes
    path = write(header.encode() + rows.encode() + stray)

    result = read(path)

    # The exact row and cell, although the decoder met the byte a buffer earlier.
    assert where(result) == [("bad_encoding", 8003, "normering_0_2", "3\ufffd")]
    assert "0xB8" in result.problems[0].message_en
    assert len(result.figures) == 1


NAMED_HEADER = "kommunekode;kommune;aar;normering_0_2\n"


def test_one_stray_windows_1252_byte_in_a_utf8_file_is_an_error(
    read: Read, write: Write, where: Where
) -> None:
    # Row 3 was pasted from a Windows-1252 file ("Brøndby" with ø = 0xF8);
    # the rest is UTF-8. Read as Windows-1252, every other Danish letter
    # would become mojibake ("KÃ¸benhavn") and the file would pass.
    path = write(
        NAMED_HEADER.encode()
        + "101;København;2023;2,8\n".encode()
        + b"153;Br\xf8ndby;2023;3,0\n"
        + b"147;Frederiksberg;2023;2,9\n"
    )

    result = read(path)

    assert where(result) == [("bad_encoding", 3, "kommune", "Br\ufffdndby")]
    problem = result.problems[0]
    assert problem.message_da == (
        "Byten 0xF8 i »kommune« er ikke gyldig UTF-8; filen indeholder ellers UTF-8 "
        "(fx »ø«), så den blander to tegnsæt. Ret tegnet, og gem hele filen som UTF-8; "
        "resten af filen er ikke læst"
    )
    assert "0xF8" in problem.message_en
    assert "mixes two encodings" in problem.message_en
    assert not result.accepted
    # Nothing came out as Windows-1252.
    assert [(f.municipality_code, f.value) for f in result.figures] == [(101, 2.8)]


def test_a_stray_byte_in_a_file_with_a_bom_has_its_row_and_column(
    read: Read, write: Write, where: Where
) -> None:
    path = write(
        b"\xef\xbb\xbf" + NAMED_HEADER.encode() + b"101;K\xf8benhavn;2023;2,8\n147;;2023;2,9\n"
    )

    result = read(path)

    # Today's reading refused this whole file without a row.
    assert where(result) == [("bad_encoding", 2, "kommune", "K\ufffdbenhavn")]
    assert "UTF-8" in result.problems[0].message_en
    assert result.rows_read == 1


def test_a_stray_byte_in_the_header_is_refused_with_its_row_and_column(
    read: Read, write: Write
) -> None:
    path = write(b"kommunekode;kommune;\xe5r;normering_0_2\n101;K\xc3\xb8benhavn;2023;2,8\n")

    with pytest.raises(FileRejected) as refused:
        read(path)

    problem = refused.value.problem
    assert (problem.code, problem.row, problem.column) == ("bad_encoding", 1, "\ufffdr")


def test_a_wholly_windows_1252_file_is_read_as_windows_1252(read: Read, write: Write) -> None:
    # No byte sequence in it is UTF-8: Excel's "CSV" on Windows, or a DST
    # export in Windows-1252. Its first Danish letter comes after 64 KB, so
    # the start of the file alone cannot tell.
    rows = "101;;2023;\n" * 7000 + "101;København;2023;2,8\n153;Brøndby;2023;3,0\n"
    path = write(NAMED_HEADER + rows, encoding="cp1252")
    assert len(path.read_bytes()) > 65536

    result = read(path)

    assert result.problems == []
    assert [(f.municipality_code, f.value) for f in result.figures] == [(101, 2.8), (153, 3.0)]


def test_a_byte_windows_1252_does_not_define_is_an_error(
    read: Read, write: Write, where: Where
) -> None:
    start = NAMED_HEADER + "101;København;2023;2,8\n"
    path = write(start.encode("cp1252") + b"153;Br\x81ndby;2023;3,0\n")

    result = read(path)

    assert where(result) == [("bad_encoding", 3, "kommune", "Br\ufffdndby")]
    assert "Windows-1252" in result.problems[0].message_en


def test_a_utf8_file_cut_inside_its_last_character_is_an_error(
    read: Read, write: Write, where: Where
) -> None:
    path = write(NAMED_HEADER.encode() + "101;København;2023;2,8\n153;Br".encode() + b"\xc3")

    result = read(path)

    assert where(result) == [("bad_encoding", 3, "kommune", "Br\ufffd")]


def test_a_nul_in_a_text_file_is_reported_where_it_is(read_text: Read) -> None:
    # One NUL does not make a file binary data: it is a control character in
    # a cell (see test_plausibility.py), with its row and column.
    result = read_text(NAMED_HEADER + "101;Køben\x00havn;2023;2,8\n")

    assert [(p.code, p.row, p.column) for p in result.problems] == [
        ("control_character", 2, "kommune")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "kommunekode;aar;normering_0_2\n101;2023;2,8\n",
        'kommunekode,aar,normering_0_2\n101,2023,"2,8"\n',
        "kommunekode,aar,normering_0_2\n101,2023,2.8\n",
        "kommunekode\taar\tnormering_0_2\n101\t2023\t2,8\n",
    ],
)
def test_delimiters(read_text: Read, text: str) -> None:
    result = read_text(text)

    assert result.problems == []
    assert [(f.key, f.value) for f in result.figures] == [((101, "normering_0_2", 2023), 2.8)]


def test_excel_unicode_text_utf16_with_tabs(read_text: Read) -> None:
    text = "kommunekode\tkommune\taar\tnormering_0_2\r\n480\tNordfyns\t2023\t2,7\r\n"

    result = read_text(text, encoding="utf-16")

    assert result.problems == []
    assert [(f.key, f.value) for f in result.figures] == [((480, "normering_0_2", 2023), 2.7)]


def test_row_with_extra_fields(read_text: Read, where: Where) -> None:
    result = read_text(STATISTICS_HEADER + "101;2023;2,8;4\n147;2023;3,0\n")

    assert where(result) == [("wrong_field_count", 2, None, "101;2023;2,8;4")]
    assert len(result.figures) == 1


def test_blank_lines_are_not_rows(read_text: Read, where: Where) -> None:
    result = read_text(STATISTICS_HEADER + "\n101;2023;2,8\n;;\n\n147;2023;x\n")

    assert where(result) == [("not_a_number", 6, "normering_0_2", "x")]
    assert result.rows_read == 2


def test_quoted_newline_keeps_row_numbers_true(read_text: Read, where: Where) -> None:
    result = read_text(
        STATISTICS_HEADER.replace("aar", "aar;note") + '101;2023;"a\nb";2,8\n147;2023;c;x\n'
    )

    assert where(result) == [("not_a_number", 4, "normering_0_2", "x")]


def test_unclosed_quote_in_the_header(read: Read, write: Write) -> None:
    assert refused(read, write('"kommunekode;aar;normering_0_2\n101;2023;2,8\n')) == "csv_error"


# --- XLSX ---------------------------------------------------------------------------


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def test_zip_bomb_is_refused_before_it_is_opened(read: Read, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as sheet:
            zeros = bytes(1 << 20)
            for _ in range(300):
                sheet.write(zeros)
    assert bomb.stat().st_size < 3 * 1024 * 1024

    with pytest.raises(FileRejected) as caught:
        read(bomb)

    problem = caught.value.problem
    assert problem.code == "xlsx_unsafe"
    assert problem.value == str(300 * (1 << 20) + len("<Types/>"))
    assert "200 MB" in problem.message_en


def test_highly_compressed_entry_is_refused(read: Read, tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "ratio.xlsx",
        {"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": bytes(20 << 20)},
    )

    with pytest.raises(FileRejected) as caught:
        read(path)

    assert (caught.value.problem.code, caught.value.problem.value) == (
        "xlsx_unsafe",
        "xl/sharedStrings.xml",
    )


def test_too_many_zip_entries(read: Read, tmp_path: Path) -> None:
    entries = {f"xl/media/image{i}.png": b"x" for i in range(1001)}
    path = _zip(tmp_path / "many.xlsx", {"[Content_Types].xml": b"<Types/>", **entries})

    with pytest.raises(FileRejected) as caught:
        read(path)

    assert (caught.value.problem.code, caught.value.problem.value) == ("xlsx_unsafe", "1002")


def test_total_size_limit(read: Read, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED_BYTES", 10_000)

    assert refused(read, "portal_register.xlsx") == "xlsx_unsafe"


def test_zip_that_is_no_workbook(read: Read, tmp_path: Path) -> None:
    ods = _zip(
        tmp_path / "sheet.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}
    )
    with pytest.raises(FileRejected) as caught:
        read(ods)

    assert caught.value.problem.code == "not_xlsx"
    assert "OpenDocument" in caught.value.problem.message_en


def test_damaged_zip(read: Read, write: Write) -> None:
    assert refused(read, write(b"PK\x03\x04" + bytes(100), "broken.xlsx")) == "not_xlsx"


def test_xlsx_needs_defusedxml(read: Read, monkeypatch: pytest.MonkeyPatch) -> None:
    assert openpyxl.DEFUSEDXML is True
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)

    assert refused(read, "portal_register.xlsx") == "xlsx_parser_unsafe"


def test_xlsx_content_decides_not_the_name(read: Read) -> None:
    result = read("portal_statistics.xlsx", filename="statistik.csv")

    assert result.format == "portal_statistics"


def test_xlsx_rows_are_sheet_rows(read: Read, tmp_path: Path, where: Where) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B3"], sheet["C3"], sheet["D3"] = "kommunekode", "aar", "normering_0_2"
    sheet["B4"], sheet["C4"], sheet["D4"] = 101, 2023, 2.8
    sheet["B6"], sheet["C6"], sheet["D6"] = 999, 2023, 2.8
    sheet["F7"] = "stray"
    workbook.save(tmp_path / "offset.xlsx")

    result = read(tmp_path / "offset.xlsx")

    assert where(result) == [
        ("unknown_municipality", 6, "kommunekode", "999"),
        ("wrong_field_count", 7, None, ";;;;;stray"),
    ]


# --- many problems, progress ---------------------------------------------------------------


def test_problem_list_is_capped(read_text: Read) -> None:
    rows = "".join(f"999;2023;{i % 9},5\n" for i in range(1500))

    result = read_text(STATISTICS_HEADER + rows)

    assert len(result.problems) == 1001
    assert {p.code for p in result.problems[:1000]} == {"unknown_municipality"}
    last = result.problems[-1]
    assert (last.code, last.value, last.severity) == ("more_problems", "500", Severity.ERROR)
    assert last.message_da == "Yderligere 500 problemer (heraf 500 fejl) er ikke vist"


def test_progress_is_reported(read_text: Read) -> None:
    rows = "".join(f"101;{2000 + i // 3 % 25};{i % 3 + 2},{i % 10}\n" for i in range(12_000))
    calls: list[tuple[int, int]] = []

    read_text(STATISTICS_HEADER + rows, progress=lambda done, total: calls.append((done, total)))

    assert [done for done, _ in calls] == [5000, 10_000, 12_000]
    assert calls[-1] == (12_000, 12_000)
    assert all(11_000 <= total <= 13_000 for _, total in calls[:2])


def _rewrite_sheet(source: Path, target: Path, change: Callable[[str], str]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            new.writestr(info, data)
    return target


def test_xlsx_rows_past_a_wrong_dimension_are_read(read: Read, tmp_path: Path) -> None:
    path = _rewrite_sheet(
        FIXTURES / "portal_statistics.xlsx",
        tmp_path / "dimension.xlsx",
        lambda xml: xml.replace('<dimension ref="A1:E4" />', '<dimension ref="A1:E2" />'),
    )

    result = read(path)

    assert result.rows_read == 3
    assert len(result.figures) == 7


def test_xlsx_sheet_that_breaks_off(read: Read, tmp_path: Path, where: Where) -> None:
    path = _rewrite_sheet(
        FIXTURES / "portal_statistics.xlsx",
        tmp_path / "cut.xlsx",
        lambda xml: xml[: xml.index('<row r="3">') + 20],
    )

    result = read(path)

    assert where(result) == [("xlsx_unreadable", 3, None, None)]
    assert result.rows_read == 1
    assert not result.accepted


def test_xlsx_xml_entities_are_refused(read: Read, tmp_path: Path) -> None:
    # The start of a "billion laughs": defusedxml refuses any entity declaration.
    path = _rewrite_sheet(
        FIXTURES / "portal_statistics.xlsx",
        tmp_path / "entities.xlsx",
        lambda xml: (
            '<!DOCTYPE worksheet [<!ENTITY lol "lol">]>' + xml.replace("<t>Aar</t>", "<t>&lol;</t>")
        ),
    )

    with pytest.raises(FileRejected) as caught:
        read(path)

    assert caught.value.problem.code == "xlsx_unreadable"
    assert "EntitiesForbidden" in caught.value.problem.message_en
