"""Danmarks Statistik's Statistikbank tables: BOERN8/3, BOERN1, BOERN2, FOLK1E."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ingest.domain.model import DatasetKind, FileRejected, ParsedFile

Read = Callable[..., ParsedFile]
Where = Callable[[ParsedFile], list[tuple[str, int | None, str | None, str | None]]]
Values = Callable[[ParsedFile], dict[tuple[int, str, int], float | None]]


# --- BOERN8 / BOERN3 -------------------------------------------------------------


def test_boern8_codes_with_bom_crlf_and_decimal_commas(read: Read, values: Values) -> None:
    result = read("dst_boern8.csv")

    assert (result.format, result.kind) == ("dst_boern8", DatasetKind.STATISTICS)
    assert result.problems == []
    assert values(result) == {
        (101, "normering_dagpleje", 2023): 2.1,
        (101, "normering_0_2", 2023): 2.8,
        (101, "normering_3_5", 2023): 5.8,
        (147, "normering_dagpleje", 2023): 2.3,
        (147, "normering_0_2", 2023): 3.0,
        (147, "normering_3_5", 2023): 6.1,
        (217, "normering_dagpleje", 2023): 0.0,  # no dagpleje offered: not missing
        (217, "normering_0_2", 2023): None,  # ".."
    }
    assert {f.source for f in result.figures} == {"DST BOERN8"}
    assert result.skipped == {"country_total": 1, "region": 1}


def test_boern8_names_and_labels(read: Read, values: Values) -> None:
    result = read("dst_boern8_labels.csv")

    assert result.format == "dst_boern8"
    assert result.problems == []
    assert values(result) == {
        (101, "normering_dagpleje", 2024): 2.1,
        (101, "normering_0_2", 2024): 2.8,
        (101, "normering_3_5", 2024): 5.8,
        (820, "normering_dagpleje", 2024): 3.3,
    }
    assert result.skipped == {"country_total": 1, "not_a_municipality": 1, "region": 1}


def test_boern8_header_folding(read_text: Read, values: Values) -> None:
    upper = read_text("KOMMUNEDK;PASKAT;TID;INDHOLD\n101;2;2023;2,8\n", "upper.csv")
    loose = read_text(" kommuneDK ; paskat ;Tid;Indhold\n101;2;2023;2,8\n", "loose.csv")

    assert upper.format == loose.format == "dst_boern8"
    assert upper.figures == loose.figures
    assert values(loose) == {(101, "normering_0_2", 2023): 2.8}


def test_boern3_needs_the_hint(read: Read, values: Values) -> None:
    hinted = read("dst_boern3.csv", kind="BOERN3")
    unhinted = read("dst_boern3.csv")

    assert hinted.format == "dst_boern3"
    assert {f.source for f in hinted.figures} == {"DST BOERN3"}
    assert values(hinted) == {
        (101, "normering_dagpleje", 2019): 2.4,
        (101, "normering_0_2", 2019): 3.1,
        (101, "normering_3_5", 2019): 6.0,
    }
    assert unhinted.format == "dst_boern8"
    assert values(unhinted) == values(hinted)


def test_omraade_and_paskat_with_a_total_is_boern2(read_text: Read, values: Values) -> None:
    result = read_text(
        "OMRÅDE;PASKAT;TID;INDHOLD\n"
        "101;1;2019;335\n101;2;2019;13288\n101;3;2019;16516\n101;TOT;2019;30139\n"
    )

    assert result.format == "dst_boern2"
    assert values(result) == {(101, "antal_boern", 2019): 30139}


# --- BOERN2 -----------------------------------------------------------------------


def test_boern2_total_or_sum_of_kinds(read: Read, values: Values) -> None:
    result = read("dst_boern2.csv")

    assert result.format == "dst_boern2"
    assert result.problems == []
    assert values(result) == {
        (101, "antal_boern", 2019): 30139,  # the TOT row
        (147, "antal_boern", 2019): 15 + 2150 + 2675,  # no TOT: the three kinds
    }
    assert {f.source for f in result.figures} == {"DST BOERN2"}
    assert result.skipped == {"country_total": 1}


def test_boern2_counts_must_be_whole(read_text: Read, where: Where) -> None:
    result = read_text("BLSTKOM;PASKAT;TID;INDHOLD\n147;TOT;2019;15,5\n")

    assert where(result) == [("not_a_whole_number", 2, "INDHOLD", "15,5")]


# --- BOERN1 -----------------------------------------------------------------------


def test_boern1_share_of_paedagoger(read: Read, values: Values) -> None:
    result = read("dst_boern1.csv")

    assert result.format == "dst_boern1"
    assert result.problems == []
    assert values(result) == {
        # (450 + 110) / (1000 + 200) TOT rows, summed over OVERENS
        (101, "andel_paedagogisk_uddannet_pct", 2019): 46.7,
        # no TOT rows: 40.5 / (40.5 + 59.5)
        (147, "andel_paedagogisk_uddannet_pct", 2019): 40.5,
        # the pædagog figure is ".."
        (151, "andel_paedagogisk_uddannet_pct", 2019): None,
    }
    assert {f.source for f in result.figures} == {"DST BOERN1"}


def test_boern1_labels_do_not_count_assistants_as_paedagoger(
    read_text: Read, values: Values
) -> None:
    result = read_text(
        "OMRÅDE;UDDANNELSE;TID;INDHOLD\n"
        "København;Pædagoguddannelse;2019;450\n"
        "København;Pædagogisk assistentuddannelse;2019;50\n"
        "København;Ingen pædagogisk uddannelse;2019;500\n"
    )

    assert values(result) == {(101, "andel_paedagogisk_uddannet_pct", 2019): 45.0}


# --- FOLK1E -----------------------------------------------------------------------


def test_folk1e_share_from_the_last_quarter(read: Read, values: Values) -> None:
    result = read("dst_folk1e.csv")

    assert result.format == "dst_folk1e"
    assert result.problems == []
    # 2023K4, summed over sex 1-2 and age 0-5 (see make_fixtures.py):
    # dansk 6048; indvandrere 288 + 528; efterkommere 168 + 408
    non_danish = 288 + 528 + 168 + 408
    expected = round(100 * non_danish / (6048 + non_danish), 1)
    assert expected == 18.7
    assert values(result) == {(101, "andel_ikke_dansk_baggrund_pct", 2023): expected}
    assert {f.source for f in result.figures} == {"DST FOLK1E"}


def test_folk1e_skips_other_ages_and_the_total_origin(read: Read) -> None:
    result = read("dst_folk1e.csv")

    # ages 6 and IALT: 2 quarters x 2 sexes x 2 ages x 6 origins
    # TOT origin at ages 0-5: 2 quarters x 2 sexes x 6 ages
    assert result.skipped == {"age_over_5": 48, "country_total": 1, "other_category": 24}
    assert result.rows_read == 193


def test_folk1e_labels_and_sex_total(read_text: Read, values: Values) -> None:
    rows = ["OMRÅDE;KØN;ALDER;HERKOMST;TID;INDHOLD"]
    origins = {
        "Personer med dansk oprindelse": 90,
        "Indvandrere fra vestlige lande": 1,
        "Indvandrere fra ikke-vestlige lande": 4,
        "Efterkommere fra vestlige lande": 2,
        "Efterkommere fra ikke-vestlige lande": 3,
    }
    for origin, count in origins.items():
        rows.append(f"Aarhus;I alt;0 år;{origin};2024K2;{count}")
        rows.append(f"Aarhus;Mænd;0 år;{origin};2024K2;{count * 100}")  # ignored: I alt is there
        rows.append(f"Aarhus;I alt;6 år;{origin};2024K2;{count * 7}")  # too old
    result = read_text("\n".join(rows) + "\n")

    assert result.problems == []
    assert values(result) == {(751, "andel_ikke_dansk_baggrund_pct", 2024): 10.0}


def test_folk1e_absent_origin_gives_no_figure(
    read_text: Read, where: Where, values: Values
) -> None:
    # Absent rows are not "..": the file says nothing about the share, so no
    # figure is read (a missing one would withdraw the portal's figure).
    result = read_text(
        "OMRÅDE;KØN;ALDER;HERKOMST;TID;INDHOLD\n101;TOT;0;1;2024K1;900\n101;TOT;0;24;2024K1;100\n"
    )

    assert values(result) == {}
    assert where(result) == [("incomplete_figure", 2, "HERKOMST", "HERKOMST 25, 34, 35")]
    assert result.accepted


# --- a real download ---------------------------------------------------------------


def test_real_dst_download_with_bom_and_crlf(read: Read) -> None:
    # FOLK1A is no daycare table, but it is a byte-exact Statistikbank download:
    # the BOM must be gone and Å decoded for the header to come out like this.
    with pytest.raises(FileRejected) as refused:
        read("dst_folk1a_bom_crlf.csv")

    assert refused.value.problem.code == "unrecognised_columns"
    assert refused.value.problem.value == "OMRÅDE;CIVILSTAND;TID;INDHOLD"


# --- the same row written another way ---------------------------------------------------


def test_one_area_written_three_ways_is_a_duplicate_not_a_sum(
    read_text: Read, where: Where
) -> None:
    result = read_text(
        "BLSTKOM;PASKAT;TID;INDHOLD\n"
        "101;TOT;2023;30000\n"
        "101 København;TOT;2023;30000\n"
        "0101;TOT;2023;30000\n"
        "147;TOT;2023;4800\n"
    )

    assert where(result) == [
        ("duplicate_figure", 3, "INDHOLD", "30000"),
        ("duplicate_figure", 4, "INDHOLD", "30000"),
    ]
    # Both rows are named: the problem's own, and the first in the message.
    assert "række 2" in result.problems[0].message_da
    assert "row 2" in result.problems[1].message_en
    assert not result.accepted


def test_categories_written_as_code_and_as_label_are_duplicates(read_text: Read) -> None:
    result = read_text(
        "OMRÅDE;KØN;ALDER;HERKOMST;TID;INDHOLD\n"
        "101;1;0;1;2024K1;450\n"
        "101;Mænd;0 år;Personer med dansk oprindelse;2024K1;450\n"
        "101;1 Mænd;0;1;2024K1;450\n"
    )

    assert [(p.code, p.row) for p in result.errors] == [
        ("duplicate_figure", 3),
        ("duplicate_figure", 4),
    ]


# --- every area column is checked -------------------------------------------------------


def test_code_and_label_whose_label_is_no_municipality(
    read_text: Read, where: Where, values: Values
) -> None:
    result = read_text(
        "KOMMUNEDK;PASKAT;TID;INDHOLD\n"
        "101 Atlantis;1;2023;2,1\n"
        "101 Aarhus;2;2023;3,1\n"
        "084 Region Hovedstaden;1;2023;2,5\n"
    )

    assert where(result) == [
        ("unknown_municipality", 2, "KOMMUNEDK", "101 Atlantis"),
        ("municipality_name_mismatch", 3, "KOMMUNEDK", "101 Aarhus"),
    ]
    assert values(result) == {(101, "normering_0_2", 2023): 3.1}
    assert result.skipped == {"region": 1}


@pytest.mark.parametrize("period", ["２０２３", "²⁰²³", "2023K²", "2023K" + "1" * 5000])
def test_periods_of_non_ascii_or_endless_digits(read_text: Read, period: str) -> None:
    result = read_text(f"OMRÅDE;KØN;ALDER;HERKOMST;TID;INDHOLD\n101;TOT;0;1;{period};5\n")

    assert [(p.code, p.value) for p in result.problems] == [("bad_year", period)]


# --- plausible counts and shares ----------------------------------------------------------


def test_boern1_pedagogues_above_the_total_is_an_error(read_text: Read, where: Where) -> None:
    result = read_text("OMRÅDE;UDDANNELSE;TID;INDHOLD\n101;TOT;2019;400\n101;460;2019;450\n")

    assert where(result) == [("parts_exceed_total", 2, "INDHOLD", "400")]
    assert "række 3" in result.problems[0].message_da
    assert result.figures == []


# --- missing ("..") is not "no row" --------------------------------------------------------


def test_boern2_absent_kind_without_total_gives_no_figure(
    read_text: Read, where: Where, values: Values
) -> None:
    # Only PASKAT 2 and 3 were downloaded: the file says nothing about
    # antal_boern, which is not the same as DST saying ".." about it.
    result = read_text("BLSTKOM;PASKAT;TID;INDHOLD\n147;2;2019;2150\n147;3;2019;2675\n")

    assert values(result) == {}
    assert where(result) == [("incomplete_figure", 2, "PASKAT", "PASKAT 1")]
    assert result.problems[0].severity.value == "warning"
    assert "Frederiksberg 2019" in result.problems[0].message_da


def test_missing_and_absent_reach_the_service_layer_apart(read_text: Read, values: Values) -> None:
    """What the readers hand on: a ".." row is a Figure with value None; a
    figure without a row is no Figure at all."""
    normering = read_text("KOMMUNEDK;PASKAT;TID;INDHOLD\n101;1;2023;..\n101;2;2023;2,9\n")
    counts = read_text("BLSTKOM;PASKAT;TID;INDHOLD\n101;TOT;2023;..\n147;2;2023;2150\n")

    assert values(normering) == {
        (101, "normering_dagpleje", 2023): None,
        (101, "normering_0_2", 2023): 2.9,
    }
    assert (101, "normering_3_5", 2023) not in values(normering)
    assert values(counts) == {(101, "antal_boern", 2023): None}


# --- small files: every problem and every figure ------------------------------------------


@pytest.mark.parametrize(
    ("text", "problems", "figures"),
    [
        pytest.param(
            "KOMMUNEDK;PASKAT;TID;INDHOLD\n"
            "000 Hele landet;3 Daginstitution 3-5 år;2023;5,9\n"
            "101 København;3 Daginstitution 3-5 år;2023;5,8\n",
            [],
            {(101, "normering_3_5", 2023): 5.8},
            id="code_and_value_presentation",
        ),
        pytest.param(
            "KOMMUNEDK;PASKAT;TID;INDHOLD\n"
            "999;1;2023;2,1\n"
            "Atlantis;1;2023;2,1\n"
            "101;1;1999;2,1\n"
            "101;1;2023K1;2,1\n"
            "101;2;2023;to\n"
            "101;3;2023;25\n"
            "101;1;2023;2,1\n"
            "101;Dagpleje;2023;2,2\n"
            "147;1;2023;\n",
            [
                ("unknown_municipality", 2, "KOMMUNEDK", "999"),
                ("unknown_municipality", 3, "KOMMUNEDK", "Atlantis"),
                ("bad_year", 4, "TID", "1999"),
                ("bad_year", 5, "TID", "2023K1"),  # BOERN8 is annual
                ("not_a_number", 6, "INDHOLD", "to"),
                ("out_of_range", 7, "INDHOLD", "25"),
                ("duplicate_figure", 9, "INDHOLD", "2,2"),  # "Dagpleje" is PASKAT 1 of row 8
                ("missing_value", 10, "INDHOLD", ""),
            ],
            {(101, "normering_dagpleje", 2023): 2.1},
            id="dst_row_problems",
        ),
        pytest.param(
            "BLSTKOM;PASKAT;TID;INDHOLD\n147;1;2019;15\n147;2;2019;..\n147;3;2019;2675\n",
            [],
            {(147, "antal_boern", 2019): None},
            id="boern2_missing_kind_without_total_is_missing",
        ),
        pytest.param(
            "OMRÅDE;KØN;ALDER;HERKOMST;TID;INDHOLD\n"
            "101;TOT;0;1;2024K1;900\n"
            "101;TOT;0;24;2024K1;100\n"
            "101;TOT;0;25;2024K1;..\n"
            "101;TOT;0;34;2024K1;10\n"
            "101;TOT;0;35;2024K1;20\n",
            [],
            {(101, "andel_ikke_dansk_baggrund_pct", 2024): None},
            id="folk1e_missing_origin_makes_the_share_missing",
        ),
        pytest.param(
            # Two educations outside the pedagogue one, each its own row.
            "OMRÅDE;UDDANNELSE;TID;INDHOLD\n"
            "101;460;2019;450\n"
            "101;470;2019;50\n"
            "101 København;Ingen pædagogisk uddannelse;2019;500\n",
            [],
            {(101, "andel_paedagogisk_uddannet_pct", 2019): 45.0},
            id="rows_that_differ_in_a_summed_dimension_are_not_duplicates",
        ),
        pytest.param(
            "BLSTKOM;PASKAT;TID;INDHOLD\n"
            "101;TOT;2023;1000000000000\n"
            "147;1;2023;60000\n147;2;2023;60000\n147;3;2023;60000\n",
            # The first row on its own; the three parts only as their sum.
            [
                ("out_of_range", 2, "INDHOLD", "1000000000000"),
                ("out_of_range", 3, "INDHOLD", "180000"),
            ],
            {},
            id="boern2_count_beyond_any_municipality",
        ),
        pytest.param(
            "OMRÅDE;UDDANNELSE;TID;INDHOLD\n101;TOT;2019;1000\n147;460;2019;..\n147;999;2019;60\n",
            [("incomplete_figure", 2, "UDDANNELSE", "UDDANNELSE 460")],
            {(147, "andel_paedagogisk_uddannet_pct", 2019): None},
            id="boern1_absent_pedagogue_rows_give_no_figure",
        ),
    ],
)
def test_problems_and_figures_of_small_files(
    read_text: Read,
    where: Where,
    values: Values,
    text: str,
    problems: list[tuple[str, int, str, str]],
    figures: dict[tuple[int, str, int], float | None],
) -> None:
    result = read_text(text)

    assert where(result) == problems
    assert values(result) == figures
