"""The portal's own statistics file, CSV and XLSX."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from ingest.domain.model import DatasetKind, Figure, FileRejected, ParsedFile, Severity

Read = Callable[..., ParsedFile]
Write = Callable[..., Path]
Where = Callable[[ParsedFile], list[tuple[str, int | None, str | None, str | None]]]
Values = Callable[[ParsedFile], dict[tuple[int, str, int], float | None]]

SOURCE = "Dagtilbudsportalen statistikfil"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_portal_statistics_with_decimal_commas_and_missing(read: Read, values: Values) -> None:
    result = read("portal_statistics.csv")

    assert result.format == "portal_statistics"
    assert result.kind is DatasetKind.STATISTICS
    assert result.problems == []
    got = values(result)
    assert got[(101, "normering_0_2", 2023)] == 2.8  # "2,8"
    assert got[(147, "normering_0_2", 2023)] == 3.0  # "3.0"
    assert got[(101, "antal_boern", 2023)] == 30139
    assert got[(101, "andel_ikke_dansk_baggrund_pct", 2023)] is None  # ".."
    # An empty cell says nothing: no figure at all.
    assert (147, "andel_ikke_dansk_baggrund_pct", 2023) not in got
    assert len(result.figures) == 20


def test_portal_statistics_municipality_by_name(read: Read, values: Values) -> None:
    got = values(read("portal_statistics.csv"))

    assert got[(751, "normering_dagpleje", 2023)] == 3.2  # only "Aarhus" given
    assert (751, "antal_boern", 2023) not in got


def test_portal_statistics_source_column(read: Read) -> None:
    sources = {f.key: f.source for f in read("portal_statistics.csv").figures}

    assert sources[(147, "normering_0_2", 2023)] == "BUVM Uddannelsesstatistik"
    assert sources[(101, "normering_0_2", 2023)] == SOURCE


def test_portal_statistics_all_missing_row_gives_missing_figures(read: Read) -> None:
    aalborg = [f for f in read("portal_statistics.csv").figures if f.municipality_code == 851]

    assert len(aalborg) == 6
    assert {f.value for f in aalborg} == {None}
    assert {f.year for f in aalborg} == {2022}


def test_portal_statistics_xlsx(read: Read) -> None:
    result = read("portal_statistics.xlsx")

    assert result.format == "portal_statistics"
    assert result.problems == []
    assert sorted(result.figures, key=lambda f: f.key) == sorted(
        [
            Figure(101, "normering_0_2", 2023, 2.8, SOURCE),
            Figure(101, "normering_3_5", 2023, 5.8, SOURCE),
            Figure(101, "antal_boern", 2023, 30139, SOURCE),
            Figure(147, "normering_0_2", 2023, 3.0, SOURCE),
            Figure(147, "normering_3_5", 2023, None, SOURCE),
            Figure(147, "antal_boern", 2023, 4760, SOURCE),
            Figure(461, "normering_0_2", 2023, 3.1, SOURCE),  # typed as text "3,1"
        ],
        key=lambda f: f.key,
    )


def test_xlsx_percentage_cells_are_read_as_shown(
    read: Read, tmp_path: Path, values: Values
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["kommunekode", "aar", "andel_paedagogisk_uddannet_pct"])
    sheet.append([101, 2023, 0.453])
    sheet["C2"].number_format = "0.0%"
    workbook.save(tmp_path / "pct.xlsx")

    result = read(tmp_path / "pct.xlsx")

    assert values(result) == {(101, "andel_paedagogisk_uddannet_pct", 2023): 45.3}


def test_documented_example(read: Read, values: Values) -> None:
    result = read(DOCS / "examples" / "portal_statistics.csv")

    assert result.problems == []
    assert len(result.figures) == 6 + 5 + 5 + 5
    assert values(result)[(217, "normering_dagpleje", 2023)] == 0.0


def test_header_spelling_does_not_matter(read: Read, write: Write, values: Values) -> None:
    path = write(
        " KommuneKode ;AAR;Normering 0 2;ANDEL_PAEDAGOGISK_UDDANNET_PCT\n101;2023;2,8;45,3\n"
    )

    result = read(path)

    assert result.format == "portal_statistics"
    assert values(result) == {
        (101, "normering_0_2", 2023): 2.8,
        (101, "andel_paedagogisk_uddannet_pct", 2023): 45.3,
    }


def test_other_column_names_are_not_the_portal_format(read: Read, write: Write) -> None:
    path = write("kommunekode,aar,pctPaedagog\n101,2023,45.3\n")

    with pytest.raises(FileRejected) as refused:
        read(path)

    assert refused.value.problem.code == "unrecognised_columns"


def test_unknown_municipalities(read: Read, where: Where, values: Values) -> None:
    result = read("broken_unknown_municipality.csv")

    assert where(result) == [
        ("unknown_municipality", 2, "kommunekode", "999"),
        ("unknown_municipality", 3, "kommune", "Atlantis"),
        ("unknown_municipality", 4, "kommunekode", "1084"),  # a region, not a municipality
    ]
    assert result.problems[0].message_da == "Kommunekoden 999 findes ikke"
    assert result.problems[1].message_da == "Kommunen »Atlantis« findes ikke"
    assert values(result) == {(101, "normering_0_2", 2023): 2.8}


def test_bad_values(read: Read, where: Where) -> None:
    result = read("broken_values.csv")

    assert where(result) == [
        ("out_of_range", 2, "normering_3_5", "25"),
        ("out_of_range", 2, "andel_paedagogisk_uddannet_pct", "120"),
        ("not_a_whole_number", 2, "antal_boern", "12,5"),
        ("bad_year", 3, "aar", "1999"),
        ("not_a_number", 3, "normering_0_2", "abc"),
        ("high_normering", 3, "normering_3_5", "12,5"),
        ("out_of_range", 4, "antal_boern", "-3"),
        ("duplicate_figure", 5, "normering_0_2", "2,9"),
    ]
    assert result.problems[5].severity is Severity.WARNING
    assert "række 2" in result.problems[7].message_da


def test_high_normering_alone_is_only_a_warning(read_text: Read, values: Values) -> None:
    result = read_text("kommunekode;aar;normering_3_5\n101;2023;10,5\n")

    assert [(p.code, p.severity) for p in result.problems] == [("high_normering", Severity.WARNING)]
    assert result.accepted
    assert values(result) == {(101, "normering_3_5", 2023): 10.5}


def test_zero_normering_means_no_offer_and_is_kept(read_text: Read, values: Values) -> None:
    result = read_text("kommunekode;aar;normering_dagpleje\n217;2023;0\n")

    assert result.problems == []
    assert values(result) == {(217, "normering_dagpleje", 2023): 0.0}


def test_year_after_next_is_refused(read_text: Read, where: Where) -> None:
    import datetime as dt

    too_late = str(dt.date.today().year + 2)
    result = read_text(f"kommunekode;aar;normering_0_2\n101;{too_late};2,8\n")

    assert where(result) == [("bad_year", 2, "aar", too_late)]


def test_formula_cells_are_refused(read: Read, where: Where, values: Values) -> None:
    result = read("broken_formula.xlsx")

    assert where(result) == [("formula_not_allowed", 2, "normering_3_5", "=2.8+3")]
    assert not result.accepted
    assert (101, "normering_3_5", 2023) not in values(result)


def test_header_only_file_has_no_rows(read_text: Read, where: Where) -> None:
    result = read_text("kommunekode;aar;normering_0_2\r\n")

    assert where(result) == [("no_rows", None, None, None)]
    assert result.rows_read == 0


def test_portal_year_is_a_plain_year(read_text: Read, where: Where) -> None:
    result = read_text("kommunekode;aar;normering_0_2\n101;2023K4;2,8\n101;2023.0;2,8\n")

    assert where(result) == [
        ("bad_year", 2, "aar", "2023K4"),
        ("bad_year", 3, "aar", "2023.0"),
    ]
