"""Register files: STIL's export and the portal's own register, CSV and XLSX."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.domain.model import DatasetKind, FileRejected, Institution, ParsedFile, Severity

Read = Callable[..., ParsedFile]
Write = Callable[..., Path]
Where = Callable[[ParsedFile], list[tuple[str, int | None, str | None, str | None]]]

REAL_REGISTER = Path(__file__).resolve().parents[4] / "data" / "dagtilbud_enheder_dk.csv"


def by_number(result: ParsedFile) -> dict[str, Institution]:
    return {i.number: i for i in result.institutions}


# --- STIL Dagtilbudsregisteret --------------------------------------------------


def test_stil_export_with_bom_and_crlf_reads_every_unit(read: Read) -> None:
    result = read("stil_register.csv")

    assert result.format == "stil_register"
    assert result.kind is DatasetKind.REGISTER
    assert result.problems == []
    assert result.rows_read == 10
    assert list(by_number(result)) == [
        "G10433",
        "D10041",
        "G11082",
        "G16959",
        "G10662",
        "G11078",
        "G18312",
    ]
    assert result.institutions[0] == Institution(
        number="G10433",
        name="Enghusene",
        kind="aldersintegreret",
        ownership="kommunal",
        municipality_code=101,
        street="Tyborøn Allé 55",
        postcode="2720",
        city="Vanløse",
        lat=55.68646,
        lon=12.47368,
        phone="33 66 33 66",
        email="enghusene@kk.dk",
    )


def test_stil_municipality_as_name_code_or_both(read: Read) -> None:
    units = by_number(read("stil_register.csv"))

    assert units["G10433"].municipality_code == 101  # "København"
    assert units["D10041"].municipality_code == 101  # "101"
    assert units["G11082"].municipality_code == 147  # "0147"
    assert units["G16959"].municipality_code == 480  # "480 Nordfyns"
    assert units["G10662"].municipality_code == 751  # "Aarhus"
    assert units["G11078"].municipality_code == 851  # empty: the administrating "Aalborg"


def test_stil_codes_become_vocabulary(read: Read) -> None:
    units = by_number(read("stil_register.csv"))

    assert {n: (u.kind, u.ownership) for n, u in units.items()} == {
        "G10433": ("aldersintegreret", "kommunal"),
        "D10041": ("boernehave", "selvejende"),
        "G11082": ("vuggestue", "privat"),
        "G16959": ("dagpleje", "kommunal"),
        "G10662": ("boernehave", "privat"),  # 6014
        "G11078": ("vuggestue", "udliciteret"),
        "G18312": ("aldersintegreret", "kommunal"),
    }


def test_stil_number_falls_back_to_daginstitution_number(read: Read) -> None:
    units = by_number(read("stil_register.csv"))

    assert "G11082" in units  # only anvisningsenhedsNummer filled in
    assert "G16959" in units  # only daginstitutionsNummer filled in


def test_stil_sfo_klub_and_houses_are_skipped_and_counted(read: Read) -> None:
    result = read("stil_register.csv")

    assert result.skipped == {"inactive": 1, "klub": 1, "not_anvisningsenhed": 1, "sfo": 1}
    assert not {"S20001", "K20002", "G10434"} & set(by_number(result))


def test_stil_closed_unit_is_read_as_inactive(read: Read) -> None:
    closed = by_number(read("stil_register.csv"))["G18312"]

    assert closed.active is False
    assert (closed.lat, closed.lon) == (None, None)  # no coordinates: no warning for a closed unit
    assert closed.municipality_code == 400


STIL_HEADER = (
    "dagtilbudsType;aktivitetsstatus;daginstitutionsNummer;anvisningsenhedsNummer;"
    "dagtilbudsNavn;instType3;instType3_Tekst;ejerformKode;kommuneKode_Tekst;"
    "admKommuneKode_Tekst;vejNavn;husNummer;postNummer;byNavn;supplerendeBynavn;"
    "geoBredde;geoLaengde;email;telefonNummer\n"
)


def test_stil_unknown_type_and_ownership_codes_are_errors(
    read: Read, write: Write, where: Where
) -> None:
    path = write(
        STIL_HEADER + "anvisningsenhed;Aktiv;G10433;G10433;Enghusene;6022;Andet;7;101;101;"
        "Tyborøn Allé;55;2720;Vanløse;;55,68646;12,47368;;\n"
    )

    result = read(path)

    assert where(result) == [
        ("unknown_kind", 2, "instType3", "6022"),
        ("unknown_ownership", 2, "ejerformKode", "7"),
    ]
    assert result.institutions == []


def test_stil_closed_unit_still_needs_number_and_municipality(
    read: Read, write: Write, where: Where
) -> None:
    path = write(
        STIL_HEADER + "anvisningsenhed;Ophørt;g18312;;Allinge Børnehus;6012;;1;Atlantis;;;;;;;;;;\n"
    )

    assert where(read(path)) == [
        ("unknown_municipality", 2, "kommuneKode_Tekst", "Atlantis"),
        ("bad_institution_number", 2, "daginstitutionsNummer", "g18312"),
    ]


def test_stil_bad_contact_details_are_warnings_and_left_out(
    read: Read, write: Write, where: Where
) -> None:
    path = write(
        STIL_HEADER
        + "anvisningsenhed;Aktiv;G10433;G10433;Enghusene;6012;;1;101;101;Tyborøn Allé;55;"
        "2720;Vanløse;;55,68646;12,47368;enghusene(at)kk.dk;ring til kontoret\n"
    )

    result = read(path)

    assert where(result) == [
        ("bad_contact", 2, "telefonNummer", "ring til kontoret"),
        ("bad_contact", 2, "email", "enghusene(at)kk.dk"),
    ]
    assert {p.severity for p in result.problems} == {Severity.WARNING}
    assert result.accepted
    assert (result.institutions[0].phone, result.institutions[0].email) == (None, None)


# --- the portal's register --------------------------------------------------------


def test_portal_register_accepts_danish_spellings(read: Read) -> None:
    result = read("portal_register.csv")

    assert result.format == "portal_register"
    assert result.problems == []
    assert {i.number: (i.kind, i.ownership) for i in result.institutions} == {
        "D10041": ("boernehave", "selvejende"),
        "G13556": ("aldersintegreret", "privat"),  # "Aldersintegreret institution", "Privat"
        "G11086": ("boernehave", "privat"),  # "børnehave", "privat institution"
        "G16959": ("dagpleje", "kommunal"),
        "G18328": ("aldersintegreret", "selvejende"),  # "Selvejende institution"
    }


def test_portal_register_optional_columns(read: Read) -> None:
    result = read("portal_register.csv")
    units = by_number(result)

    assert units["D10041"].capacity == 40
    assert units["D10041"].phone == "+45 33 66 33 66"
    assert units["D10041"].website == "https://bryggehuset.example.dk"
    assert units["G18328"].active is False  # aktiv = nej
    assert result.skipped == {"inactive": 1}


def test_portal_register_xlsx_reads_like_the_csv(read: Read) -> None:
    as_csv = read("portal_register.csv")
    as_xlsx = read("portal_register.xlsx", filename="register.xlsx")

    assert as_xlsx.format == "portal_register"
    assert as_xlsx.problems == []
    assert as_xlsx.institutions == as_csv.institutions


def test_portal_register_windows_1252_with_semicolons(read: Read) -> None:
    as_cp1252 = read("portal_register_cp1252.csv")

    assert as_cp1252.problems == []
    assert as_cp1252.institutions == read("portal_register.csv").institutions
    assert by_number(as_cp1252)["G18328"].name == "Østermarie Børnehus Mariehønen"
    assert by_number(as_cp1252)["G13556"].street == "Rugårdsvej 719"


def test_documented_example(read: Read) -> None:
    result = read(Path(__file__).resolve().parents[2] / "docs" / "examples" / "portal_register.csv")

    assert result.problems == []
    assert len(result.institutions) == 6
    assert result.skipped == {"inactive": 1}


def test_the_shipped_register_reads_without_errors(read: Read) -> None:
    result = read(REAL_REGISTER)

    assert result.format == "portal_register"
    assert len(result.institutions) == 4611
    assert result.errors == []
    # Every postcode lies in its unit's municipality and every point within
    # 2 km of it. Seven points lie just outside their municipality's
    # simplified boundary (at most 70 m); six of those fall inside the
    # neighbour's, which is worth a warning.
    assert [(p.code, p.row) for p in result.warnings] == [
        ("in_other_municipality", row) for row in (1093, 1113, 1467, 2799, 4227, 4575)
    ]
    assert Counter(i.kind for i in result.institutions) == {
        "aldersintegreret": 2959,
        "boernehave": 763,
        "dagpleje": 645,
        "vuggestue": 244,
    }
    assert len({i.municipality_code for i in result.institutions}) == 98


# --- broken register files ----------------------------------------------------------


def test_truncated_file_reports_the_cut_row(read: Read, where: Where) -> None:
    result = read("broken_truncated.csv")

    assert where(result) == [
        (
            "wrong_field_count",
            5,
            None,
            "G18347,Klemensker Børnehus,aldersintegreret,kommu",
        )
    ]
    assert result.problems[0].message_en == "The row has 4 fields, but the header has 12"
    assert len(result.institutions) == 3


def test_unclosed_quote_stops_reading_at_its_row(read: Read, where: Where) -> None:
    result = read("broken_unclosed_quote.csv")

    assert where(result) == [("csv_error", 4, None, None)]
    assert [i.number for i in result.institutions] == ["G10432", "G10433"]
    assert not result.accepted


def test_duplicate_and_lowercase_institution_numbers(read: Read, where: Where) -> None:
    result = read("broken_duplicate_numbers.csv")

    assert where(result) == [
        ("duplicate_institution_number", 5, "id", "G10433"),
        ("bad_institution_number", 6, "id", "g10434"),
    ]
    assert "række 3" in result.problems[0].message_da
    assert "row 3" in result.problems[0].message_en


def test_bad_register_values(read: Read, where: Where) -> None:
    result = read("broken_register_values.csv")

    assert where(result) == [
        ("outside_denmark", 2, "lat", "12.47308"),
        ("outside_denmark", 2, "lon", "55.68539"),
        ("unknown_municipality", 3, "kommunekode", "999"),
        ("unknown_postcode", 3, "postnr", "2799"),
        ("unknown_kind", 3, "type", "fritidshjem"),
        ("outside_denmark", 4, "lat", "6135000"),
        ("outside_denmark", 4, "lon", "565000"),
        ("missing_value", 4, "navn", ""),
    ]
    assert "ombyttede" in result.problems[0].message_da
    assert "ombyttede" not in result.problems[5].message_da
    assert result.problems[2].message_da == "Kommunekoden 999 findes ikke"
    assert result.problems[2].message_en == "Municipality code 999 does not exist"


def test_wrong_delimiter_is_refused_with_a_hint(read: Read) -> None:
    with pytest.raises(FileRejected) as refused:
        read("broken_wrong_delimiter.csv")

    problem = refused.value.problem
    assert (problem.code, problem.row, problem.column) == ("unrecognised_columns", 1, None)
    assert problem.value == (
        "id|navn|type|ejerform|kommunekode|kommune|adresse|postnr|postdistrikt|lat|lon|optraeder_i"
    )
    assert "skilletegnet" in problem.message_da
    assert "delimiter" in problem.message_en


def test_missing_columns_of_a_hinted_format(read: Read, write: Write) -> None:
    path = write("id,navn,type,kommunekode\nG10432,Thyborøn Allé,boernehave,101\n")

    result = read(path, kind="portal_register")

    assert [(p.code, p.column) for p in result.problems] == [
        ("missing_column", "ejerform"),
        ("missing_column", "adresse"),
        ("missing_column", "postnr"),
        ("missing_column", "postdistrikt"),
        ("missing_column", "lat"),
        ("missing_column", "lon"),
    ]
    assert result.rows_read == 0


def test_statistics_file_where_a_register_was_expected(read: Read) -> None:
    with pytest.raises(FileRejected) as refused:
        read("portal_statistics.csv", kind="register")

    assert refused.value.problem.code == "wrong_kind"
