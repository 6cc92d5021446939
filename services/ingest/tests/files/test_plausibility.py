"""Values that parse but cannot be true: unknown municipalities in any
municipality column, points outside the unit's municipality, postcodes of
another municipality, numbers and texts beyond the event contract's limits,
control characters. Every format that has such a column is covered."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from dagtilbud_contracts.institution import InstitutionSchema
from ingest.domain.model import ParsedFile, Severity

Read = Callable[..., ParsedFile]
Write = Callable[..., Path]
Where = Callable[[ParsedFile], list[tuple[str, int | None, str | None, str | None]]]


STIL_HEADER = (
    "dagtilbudsType;aktivitetsstatus;daginstitutionsNummer;anvisningsenhedsNummer;"
    "dagtilbudsNavn;instType3;instType3_Tekst;ejerformKode;kommuneKode_Tekst;"
    "admKommuneKode_Tekst;vejNavn;husNummer;postNummer;byNavn;supplerendeBynavn;"
    "geoBredde;geoLaengde;email;telefonNummer\n"
)


def stil_row(own: str = "101", adm: str = "101", lat: str = "55,68646") -> str:
    return (
        f"anvisningsenhed;Aktiv;G10433;G10433;Enghusene;6012;;1;{own};{adm};Tyborøn Allé;55;"
        f"2720;Vanløse;;{lat};12,47368;;\n"
    )


PORTAL_HEADER = "id;navn;type;ejerform;kommunekode;kommune;adresse;postnr;postdistrikt;lat;lon\n"


def portal_row(**cells: str) -> str:
    row = {
        "id": "G10433",
        "navn": "Enghusene",
        "type": "aldersintegreret",
        "ejerform": "kommunal",
        "kommunekode": "101",
        "kommune": "København",
        "adresse": "Tyborøn Allé 55",
        "postnr": "2720",
        "postdistrikt": "Vanløse",
        "lat": "55.68646",
        "lon": "12.47368",
    }
    row.update(cells)
    return ";".join(row.values()) + "\n"


def portal(read: Read, write: Write, header: str = PORTAL_HEADER, **cells: str) -> ParsedFile:
    return read(write(header + portal_row(**cells)))


# --- every municipality column is checked --------------------------------------------


def test_stil_unknown_administrating_municipality_is_an_error(
    read_text: Read, where: Where
) -> None:
    # The unit's own municipality is used, but the other column is checked too.
    result = read_text(STIL_HEADER + stil_row(adm="999 Atlantis"))

    assert where(result) == [("unknown_municipality", 2, "admKommuneKode_Tekst", "999 Atlantis")]
    assert not result.accepted


def test_stil_code_with_a_label_that_is_no_municipality(read_text: Read, where: Where) -> None:
    result = read_text(STIL_HEADER + stil_row(own="101 Atlantis"))

    assert where(result) == [("unknown_municipality", 2, "kommuneKode_Tekst", "101 Atlantis")]
    assert result.problems[0].message_da == "Kommunenavnet »Atlantis« i »101 Atlantis« findes ikke"
    assert result.problems[0].message_en == (
        "There is no municipality called 'Atlantis' (in '101 Atlantis')"
    )


def test_stil_code_with_another_municipalitys_name_is_a_warning(
    read_text: Read, where: Where
) -> None:
    result = read_text(STIL_HEADER + stil_row(own="101 Aarhus"))

    assert where(result) == [
        ("municipality_name_mismatch", 2, "kommuneKode_Tekst", "101 Aarhus"),
    ]
    assert result.institutions[0].municipality_code == 101


def test_portal_register_name_that_is_no_municipality_is_an_error(
    read: Read, write: Write, where: Where
) -> None:
    result = portal(read, write, kommune="Atlantis")

    assert where(result) == [("unknown_municipality", 2, "kommune", "Atlantis")]
    assert not result.accepted


def test_portal_register_name_is_checked_when_the_code_is_wrong_too(
    read: Read, write: Write
) -> None:
    result = portal(read, write, kommunekode="999", kommune="Atlantis")

    assert [(p.code, p.column) for p in result.problems] == [
        ("unknown_municipality", "kommunekode"),
        ("unknown_municipality", "kommune"),
    ]


def test_portal_statistics_name_beside_a_code_is_checked(read_text: Read, where: Where) -> None:
    result = read_text("kommunekode;kommune;aar;normering_0_2\n101;Atlantis;2023;2,8\n")

    assert where(result) == [("unknown_municipality", 2, "kommune", "Atlantis")]
    assert not result.accepted


@pytest.mark.parametrize("code", ["²", "١٠١", "1" * 5000])
def test_digits_that_are_not_ascii_or_too_many_are_no_municipality_code(
    read_text: Read, code: str
) -> None:
    # Python calls "²" and "١٠١" digits; int() fails on the first, reads the
    # second as 101, and refuses 5,000 digits: none may crash or pass.
    result = read_text(f"kommunekode;aar;normering_0_2\n{code};2023;2,8\n")

    assert [(p.code, p.value) for p in result.problems] == [("unknown_municipality", code)]


# --- where a unit is -------------------------------------------------------------------


def test_coordinates_in_another_municipality_far_away_are_an_error(
    read: Read, write: Write, where: Where
) -> None:
    # A Frederiksberg unit placed in Aarhus.
    frederiksberg = {"kommunekode": "147", "kommune": "", "postnr": "2000"}
    result = portal(read, write, **frederiksberg, lat="56.15674", lon="10.21076")

    assert where(result) == [("outside_municipality", 2, "lat", "56.15674, 10.21076")]
    message = result.problems[0].message_da
    assert "ligger i kommunen Aarhus" in message
    assert "uden for kommunen Frederiksberg" in message
    assert result.institutions == []


@pytest.mark.parametrize(
    ("lat", "lon", "place"),
    [
        ("56.50000", "11.50000", "the Kattegat"),
        ("55.60500", "13.00300", "Malmö"),
    ],
)
def test_coordinates_inside_the_box_but_not_in_denmark_are_an_error(
    read: Read, write: Write, where: Where, lat: str, lon: str, place: str
) -> None:
    result = portal(read, write, lat=lat, lon=lon)

    assert where(result) == [("outside_denmark", 2, "lat", f"{lat}, {lon}")], place
    assert "ligger ikke i Danmark" in result.problems[0].message_da


def test_coordinates_in_germany_are_an_error(read: Read, write: Write) -> None:
    # Flensburg, 5 km south of the border of Aabenraa.
    aabenraa = {"kommunekode": "580", "kommune": "Aabenraa", "postnr": "6330"}
    result = portal(read, write, **aabenraa, lat="54.78330", lon="9.43330")

    assert [p.code for p in result.problems] == ["outside_denmark"]


def test_coordinates_just_over_a_border_are_a_warning(
    read: Read, write: Write, where: Where
) -> None:
    # Carlsvognen (G17139) of the shipped register: Frederiksberg by its code,
    # 70 m inside København by the simplified boundaries.
    carlsvognen = {"id": "G17139", "kommunekode": "147", "kommune": "", "postnr": "1801"}
    result = portal(read, write, **carlsvognen, lat="55.66889", lon="12.53356")

    assert where(result) == [("in_other_municipality", 2, "lat", "55.66889, 12.53356")]
    assert result.problems[0].severity is Severity.WARNING
    assert "70 m" in result.problems[0].message_en
    assert result.institutions[0].lat == 55.66889


def test_coordinates_just_outside_the_simplified_coast_pass(read: Read, write: Write) -> None:
    # Sofiegårdens Vuggestue (G23480): on the harbour front, 12 m outside
    # København's simplified boundary and inside no other municipality.
    sofiegaarden = {"id": "G23480", "postnr": "1415", "postdistrikt": "København K"}
    result = portal(read, write, **sofiegaarden, lat="55.67168", lon="12.59007")

    assert result.problems == []


def test_postcode_of_another_municipality_is_an_error(
    read: Read, write: Write, where: Where
) -> None:
    result = portal(read, write, postnr="8000", postdistrikt="Aarhus C")

    assert where(result) == [("postcode_outside_municipality", 2, "postnr", "8000")]
    assert result.problems[0].message_en == (
        "Postcode 8000 (Aarhus C) is not in the municipality of København but in: Aarhus"
    )


def test_stil_postcode_and_coordinates_are_checked_against_the_own_municipality(
    read_text: Read,
) -> None:
    # Own municipality Aarhus, administrated by København: the unit's Vanløse
    # address and point are København's, so both are wrong for it.
    result = read_text(STIL_HEADER + stil_row(own="751", adm="101"))

    assert [p.code for p in result.problems] == [
        "postcode_outside_municipality",
        "outside_municipality",
    ]


# --- the event contract's limits -------------------------------------------------


CAPACITY = InstitutionSchema().fields["capacity"]


@pytest.mark.parametrize("capacity", ["100000000000000000000000", "0", "2001", "1e3"])
def test_capacity_outside_the_contract_is_an_error(
    read: Read, write: Write, where: Where, capacity: str
) -> None:
    header = PORTAL_HEADER.replace("lon\n", "lon;kapacitet\n")
    path = write(header + portal_row().replace("\n", f";{capacity}\n"))

    result = read(path)

    expected = "not_a_number" if "e" in capacity else "out_of_range"
    assert where(result) == [(expected, 2, "kapacitet", capacity)]
    assert not result.accepted


def test_capacity_at_the_contracts_limits_passes(read_text: Read) -> None:
    header = PORTAL_HEADER.replace("lon\n", "lon;kapacitet\n")
    rows = portal_row().replace("\n", ";1\n") + portal_row(id="G10434").replace("\n", ";2000\n")

    result = read_text(header + rows)

    assert result.problems == []
    assert [i.capacity for i in result.institutions] == [1, 2000]
    for institution in result.institutions:
        CAPACITY.deserialize(institution.capacity)  # the contract agrees


@pytest.mark.parametrize(
    ("column", "limit"), [("navn", 200), ("adresse", 200), ("postdistrikt", 100)]
)
def test_texts_longer_than_the_contract_allows_are_errors(
    read: Read, write: Write, where: Where, column: str, limit: int
) -> None:
    long_text = "Æ" * (limit + 1)

    result = portal(read, write, **{column: long_text})

    assert where(result) == [("too_long", 2, column, long_text)]
    assert f"højst {limit}" in result.problems[0].message_da


def test_a_5000_character_name_is_an_error(read: Read, write: Write) -> None:
    result = portal(read, write, navn="Børnehuset" * 500)

    assert [p.code for p in result.problems] == ["too_long"]
    assert "5000 characters" in result.problems[0].message_en


def test_email_the_contract_rejects_is_left_out(read: Read, write: Write) -> None:
    # "a@b.c" passes a loose pattern, but not the contract's e-mail field.
    header = PORTAL_HEADER.replace("lon\n", "lon;email;hjemmeside\n")
    path = write(header + portal_row().replace("\n", ";a@b.c;http://x.y\n"))

    result = read(path)

    assert [(p.code, p.column) for p in result.problems] == [
        ("bad_contact", "email"),
        ("bad_contact", "hjemmeside"),
    ]
    assert (result.institutions[0].email, result.institutions[0].website) == (None, None)


def test_statistics_source_longer_than_the_contract_allows(read_text: Read, where: Where) -> None:
    source = "Danmarks Statistik " * 6

    result = read_text(f"kommunekode;aar;normering_0_2;kilde\n101;2023;2,8;{source}\n")

    assert where(result) == [("too_long", 2, "kilde", source.strip())]
    assert result.figures == []


@pytest.mark.parametrize("count", ["1000000000000", "100001", "9" * 400])
def test_antal_boern_beyond_any_municipality_is_an_error(
    read_text: Read, where: Where, count: str
) -> None:
    result = read_text(f"kommunekode;aar;antal_boern\n101;2023;{count}\n")

    assert where(result) == [("out_of_range", 2, "antal_boern", count)]
    assert result.figures == []


def test_antal_boern_of_copenhagen_passes(read_text: Read) -> None:
    result = read_text("kommunekode;aar;antal_boern\n101;2023;30467\n")

    assert result.problems == []
    assert [f.value for f in result.figures] == [30467]


# --- control characters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "column", "shown"),
    [
        ({"navn": "Enghu\x00sene"}, "navn", "Enghu\\x00sene"),
        ({"navn": "Enghusene\x1b[31m"}, "navn", "Enghusene\\x1b[31m"),
        ({"adresse": "Tyborøn Allé\x07 55"}, "adresse", "Tyborøn Allé\\x07 55"),
        ({"navn": "Eng\thusene"}, "navn", "Eng\\thusene"),
        ({"postdistrikt": "Van\u202eløse"}, "postdistrikt", "Van\\u202eløse"),
        # Codes too: header folding would read "ja" into "j\x00a".
        ({"type": "aldersinte\x00greret"}, "type", "aldersinte\\x00greret"),
    ],
)
def test_control_characters_in_register_text_are_errors(
    read: Read, write: Write, where: Where, cells: dict[str, str], column: str, shown: str
) -> None:
    result = portal(read, write, **cells)

    assert where(result) == [("control_character", 2, column, shown)]
    assert result.institutions == []


def test_a_quoted_line_break_in_a_name_is_an_error(read_text: Read) -> None:
    result = read_text(PORTAL_HEADER + portal_row(navn='"Eng\nhusene"'))

    assert [(p.code, p.column) for p in result.problems] == [("control_character", "navn")]


def test_spaces_and_tabs_around_a_value_are_only_trimmed(read: Read, write: Write) -> None:
    result = portal(read, write, navn="\t Enghusene \t")

    assert result.problems == []
    assert result.institutions[0].name == "Enghusene"


def test_stil_status_with_a_control_character_is_an_error(read_text: Read) -> None:
    result = read_text(STIL_HEADER + stil_row().replace("Aktiv", "Ak\x00tiv"))

    assert [(p.code, p.column) for p in result.problems] == [
        ("control_character", "aktivitetsstatus")
    ]


def test_control_characters_in_an_xlsx_register(read: Read, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(PORTAL_HEADER.strip().split(";"))
    sheet.append(portal_row(navn="Eng\nhusene").strip().split(";"))
    workbook.save(tmp_path / "register.xlsx")

    result = read(tmp_path / "register.xlsx")

    assert [(p.code, p.row, p.column) for p in result.problems] == [
        ("control_character", 2, "navn")
    ]


def test_control_characters_in_statistics_source_and_names(read_text: Read) -> None:
    result = read_text(
        "kommunekode;kommune;aar;normering_0_2;kilde\n"
        "101;København;2023;2,8;DST\x1b\n"
        "147;Frederiksberg\x00;2023;2,9;DST\n"
    )

    assert [(p.code, p.row, p.column) for p in result.problems] == [
        ("control_character", 2, "kilde"),
        ("control_character", 3, "kommune"),
    ]
    assert result.figures == []
