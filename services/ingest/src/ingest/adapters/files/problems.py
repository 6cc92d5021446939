"""The problem list of one file, and every message the readers can say.

The texts live here, in one place, so the Danish wording (the first-class one:
the people who upload are Danish) can be reviewed and kept consistent. Each
function returns a :class:`Problem` with a stable ``code`` that callers and
tests match on; the messages may be reworded, the codes may not.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import ParamSpec

from ingest.domain.model import Problem, Severity

# Enough to fix a file in several rounds, small enough to show in a browser and
# to keep in memory when every row of a 200,000-row file is wrong.
MAX_LISTED = 1000

# The shape of the per-value problems: (row, column, value) -> Problem.
CodeProblem = Callable[[int, str, str], Problem]

P = ParamSpec("P")
_WARNINGS: set[Callable[..., Problem]] = set()


def _warning(factory: Callable[P, Problem]) -> Callable[P, Problem]:
    """Marks a factory whose problems are warnings, so that a problem past the
    cap can be counted by severity without being built."""
    _WARNINGS.add(factory)
    return factory


def _da_int(n: int) -> str:
    """12345 -> "12.345": Danish thousands separator."""
    return f"{n:,}".replace(",", ".")


class ProblemLog:
    """Collects problems up to :data:`MAX_LISTED`, counts the rest.

    ``add`` takes the factory and its arguments rather than a built Problem:
    past the cap nothing is built, which keeps a file that is wrong on every
    row about as fast to read as a good one.
    """

    def __init__(self, limit: int = MAX_LISTED) -> None:
        self.limit = limit
        self.listed: list[Problem] = []
        self.errors = 0
        self.not_listed = 0
        self.not_listed_errors = 0

    def add(self, factory: Callable[P, Problem], *args: P.args, **kwargs: P.kwargs) -> None:
        if len(self.listed) < self.limit:
            problem = factory(*args, **kwargs)
            self.listed.append(problem)
            self.errors += problem.severity is Severity.ERROR
            return
        self.not_listed += 1
        if factory not in _WARNINGS:
            self.errors += 1
            self.not_listed_errors += 1

    @property
    def count(self) -> int:
        """Problems so far, listed or not: a change tells that a check complained."""
        return len(self.listed) + self.not_listed

    def result(self) -> list[Problem]:
        """The listed problems, plus one saying how many more there were."""
        if not self.not_listed:
            return list(self.listed)
        return [*self.listed, more_problems(self.not_listed, self.not_listed_errors)]


def _p(
    code: str,
    da: str,
    en: str,
    *,
    row: int | None = None,
    column: str | None = None,
    value: str | None = None,
    warning: bool = False,
) -> Problem:
    return Problem(
        code=code,
        message_da=da,
        message_en=en,
        severity=Severity.WARNING if warning else Severity.ERROR,
        row=row,
        column=column,
        value=value,
    )


def _cell_problem(
    code: str,
    da: str,
    en: str,
    *,
    extra: tuple[str, ...] = (),
    empty: bool = False,
    warning: bool = False,
) -> Callable[..., Problem]:
    """A problem with one cell, called ``(row, column, value, *extra)``, or
    ``(row, column)`` for an ``empty`` cell: most problems differ only in
    their wording, so each is stated once as its two messages. They are
    ``str.format`` templates over the parameters (``{value}``, ``{column}``,
    an extra's name); the name the problem is given carries its type."""
    names = ("row", "column") if empty else ("row", "column", "value", *extra)
    signature = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names]
    )
    severity = Severity.WARNING if warning else Severity.ERROR

    def problem(*args: object, **kwargs: object) -> Problem:
        fields = signature.bind(*args, **kwargs).arguments
        return Problem(
            code=code,
            message_da=da.format_map(fields),
            message_en=en.format_map(fields),
            severity=severity,
            row=fields["row"],
            column=fields["column"],
            value=fields.get("value", ""),
        )

    problem.__name__ = problem.__qualname__ = code
    problem.__signature__ = signature  # type: ignore[attr-defined]
    return _warning(problem) if warning else problem


def more_problems(count: int, errors: int) -> Problem:
    # An error as soon as one unlisted problem is an error, so that a file whose
    # first thousand problems are warnings is still rejected.
    return _p(
        "more_problems",
        f"Yderligere {_da_int(count)} problemer (heraf {_da_int(errors)} fejl) er ikke vist",
        f"{count:,} more problems ({errors:,} of them errors) are not listed",
        value=str(count),
        warning=errors == 0,
    )


# --- the file as a whole (FileRejected) ------------------------------------


def empty_file() -> Problem:
    return _p("empty_file", "Filen er tom", "The file is empty")


def not_a_table(detail_da: str, detail_en: str) -> Problem:
    return _p(
        "not_a_table",
        f"Filen kan ikke læses som en tabel (CSV eller XLSX): {detail_da}",
        f"The file cannot be read as a table (CSV or XLSX): {detail_en}",
    )


def encrypted_or_xls() -> Problem:
    return _p(
        "encrypted_or_xls",
        "Filen er en adgangskodebeskyttet Excel-projektmappe eller i det gamle .xls-format; "
        "gem den som .xlsx uden adgangskode eller som CSV",
        "The file is a password-protected Excel workbook or in the old .xls format; "
        "save it as .xlsx without a password or as CSV",
    )


def not_xlsx(detail_da: str, detail_en: str) -> Problem:
    return _p(
        "not_xlsx",
        f"Filen er en ZIP-fil, men ikke en Excel-projektmappe (.xlsx): {detail_da}",
        f"The file is a ZIP archive but not an Excel workbook (.xlsx): {detail_en}",
    )


def xlsx_unsafe(detail_da: str, detail_en: str, value: str | None = None) -> Problem:
    return _p(
        "xlsx_unsafe",
        f"Excel-filen afvises af sikkerhedshensyn: {detail_da}",
        f"The Excel file is refused for safety: {detail_en}",
        value=value,
    )


def xlsx_parser_unsafe() -> Problem:
    return _p(
        "xlsx_parser_unsafe",
        "Excel-filer kan ikke modtages lige nu (serveren mangler sikker XML-læsning)",
        "Excel files cannot be accepted right now (the server lacks safe XML parsing)",
    )


def xlsx_unreadable(
    detail: str, row: int | None = None, *, detail_da: str | None = None
) -> Problem:
    rest_da = "; resten af filen er ikke læst" if row is not None else ""
    rest_en = "; the rest of the file was not read" if row is not None else ""
    return _p(
        "xlsx_unreadable",
        f"Excel-filen kan ikke læses: {detail_da or detail}{rest_da}",
        f"The Excel file cannot be read: {detail}{rest_en}",
        row=row,
    )


def no_header(value: str) -> Problem:
    return _p(
        "no_header",
        "Første række ligner data, ikke kolonnenavne; filen skal starte med en overskriftsrække",
        "The first row looks like data, not column names; the file must start with a header row",
        row=1,
        value=value,
    )


def unrecognised_columns(value: str, expected: str, delimiter_char: str | None) -> Problem:
    if delimiter_char is not None:
        return _p(
            "unrecognised_columns",
            f"Overskriftsrækken giver kun én kolonne, men indeholder »{delimiter_char}«; "
            "skilletegnet ser forkert ud (brug semikolon, komma eller tabulator)",
            f"The header row yields a single column but contains '{delimiter_char}'; "
            "the delimiter looks wrong (use semicolon, comma or tab)",
            row=1,
            value=value,
        )
    return _p(
        "unrecognised_columns",
        f"Kolonnerne passer ikke til noget kendt filformat (forventet: {expected})",
        f"The columns match no known file format (expected: {expected})",
        row=1,
        value=value,
    )


def wrong_kind(found_format: str, found_kind: str, expected_kind: str) -> Problem:
    da_kinds = {"register": "en registerfil", "statistics": "en statistikfil"}
    return _p(
        "wrong_kind",
        f"Filen ligner {da_kinds.get(found_kind, found_kind)} ({found_format}), "
        f"men der forventedes {da_kinds.get(expected_kind, expected_kind)}",
        f"The file looks like a {found_kind} file ({found_format}), "
        f"but a {expected_kind} file was expected",
        row=1,
        value=found_format,
    )


# --- structure --------------------------------------------------------------


def missing_column(name: str) -> Problem:
    return _p(
        "missing_column",
        f"Kolonnen »{name}« mangler",
        f"The column '{name}' is missing",
        row=1,
        column=name,
    )


def duplicate_column(column: str, first_index: int) -> Problem:
    return _p(
        "duplicate_column",
        f"Kolonnen »{column}« findes to gange (første gang som kolonne {first_index + 1})",
        f"The column '{column}' appears twice (first as column {first_index + 1})",
        row=1,
        column=column,
    )


def wrong_field_count(row: int, found: int, expected: int, value: str) -> Problem:
    return _p(
        "wrong_field_count",
        f"Rækken har {found} felter, men overskriften har {expected}",
        f"The row has {found} fields, but the header has {expected}",
        row=row,
        value=value,
    )


def csv_error(row: int, detail: str) -> Problem:
    return _p(
        "csv_error",
        "Filen er ødelagt fra denne række (fx et anførselstegn, der aldrig lukkes); "
        "resten af filen er ikke læst",
        f"The file is broken from this row on (e.g. a quote that is never closed): {detail}; "
        "the rest of the file was not read",
        row=row,
    )


def bad_encoding(
    row: int | None,
    column: str | None,
    value: str,
    encoding: str,
    byte: int | None,
    utf8_example: str | None,
) -> Problem:
    """Bytes that do not decode in the one encoding the file is read in.
    ``utf8_example`` is a UTF-8 letter found elsewhere in the file: then the
    file mixes encodings, the usual cause (a Windows-1252 row pasted into a
    UTF-8 file)."""
    what_da = f"Byten 0x{byte:02X}" if byte is not None else "Bytes"
    valid_da = "gyldig" if byte is not None else "gyldige"
    what_en = f"The byte 0x{byte:02X}" if byte is not None else "Bytes"
    verb_en = "is" if byte is not None else "are"
    where_da = f" i »{column}«" if column else ""
    where_en = f" in '{column}'" if column else ""
    if utf8_example is not None:
        why_da = (
            f"; filen indeholder ellers UTF-8 (fx »{utf8_example}«), så den blander to tegnsæt. "
            "Ret tegnet, og gem hele filen som UTF-8"
        )
        why_en = (
            f"; elsewhere the file holds UTF-8 (e.g. '{utf8_example}'), so it mixes two "
            "encodings. Fix the character and save the whole file as UTF-8"
        )
    else:
        why_da = why_en = ""
    return _p(
        "bad_encoding",
        f"{what_da}{where_da} er ikke {valid_da} {_ENCODING_NAMES.get(encoding, encoding)}"
        f"{why_da}; resten af filen er ikke læst",
        f"{what_en}{where_en} {verb_en} not valid {_ENCODING_NAMES.get(encoding, encoding)}"
        f"{why_en}; the rest of the file was not read",
        row=row,
        column=column,
        value=value,
    )


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
}


formula_not_allowed: CodeProblem = _cell_problem(
    "formula_not_allowed",
    "Cellen indeholder en formel; formler beregnes ikke, skriv værdien i stedet",
    "The cell holds a formula; formulas are never evaluated, enter the value instead",
)


def no_rows() -> Problem:
    return _p("no_rows", "Filen har ingen datarækker", "The file has no data rows")


# --- values ------------------------------------------------------------------


missing_value: Callable[[int, str], Problem] = _cell_problem(
    "missing_value", "»{column}« skal udfyldes", "'{column}' must be filled in", empty=True
)


not_a_number: CodeProblem = _cell_problem(
    "not_a_number", "»{value}« er ikke et tal", "'{value}' is not a number"
)


not_a_whole_number: CodeProblem = _cell_problem(
    "not_a_whole_number", "»{value}« er ikke et helt tal", "'{value}' is not a whole number"
)


def out_of_range(row: int, column: str, value: str, low: float, high: float | None) -> Problem:
    if high is None:
        da_range, en_range = f"mindst {_num(low)}", f"at least {_num(low)}"
    else:
        da_range = f"mellem {_num(low)} og {_num(high)}"
        en_range = f"between {_num(low)} and {_num(high)}"
    return _p(
        "out_of_range",
        f"{value} ligger uden for det tilladte område; værdien skal være {da_range}",
        f"{value} is out of range; the value must be {en_range}",
        row=row,
        column=column,
        value=value,
    )


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


high_normering: CodeProblem = _cell_problem(
    "high_normering",
    "Normeringen {value} børn pr. voksen er usædvanlig høj (over 10); kontrollér tallet",
    "A normering of {value} children per adult is unusually high (above 10); check it",
    warning=True,
)


bad_year: Callable[[int, str, str, int, int], Problem] = _cell_problem(
    "bad_year",
    "»{value}« er ikke et årstal mellem {low} og {high}",
    "'{value}' is not a year between {low} and {high}",
    extra=("low", "high"),
)


def unknown_municipality(
    row: int, column: str, value: str, *, by_name: bool, name: str | None = None
) -> Problem:
    """``name`` is the label part of a code-and-label cell (``101 Atlantis``)
    when that part is what names no municipality."""
    if name is not None:
        return _unknown_municipality_label(row, column, value, name)
    if by_name:
        return _unknown_municipality_name(row, column, value)
    return _unknown_municipality_code(row, column, value)


_unknown_municipality_label = _cell_problem(
    "unknown_municipality",
    "Kommunenavnet »{name}« i »{value}« findes ikke",
    "There is no municipality called '{name}' (in '{value}')",
    extra=("name",),
)
_unknown_municipality_name = _cell_problem(
    "unknown_municipality",
    "Kommunen »{value}« findes ikke",
    "There is no municipality called '{value}'",
)
_unknown_municipality_code = _cell_problem(
    "unknown_municipality",
    "Kommunekoden {value} findes ikke",
    "Municipality code {value} does not exist",
)


municipality_name_mismatch: Callable[[int, str, str, int, str], Problem] = _cell_problem(
    "municipality_name_mismatch",
    "Kommunenavnet »{value}« passer ikke til kommunekoden {code} ({name}); koden bruges",
    "The municipality name '{value}' does not match code {code} ({name}); the code is used",
    extra=("code", "name"),
    warning=True,
)


unknown_postcode: CodeProblem = _cell_problem(
    "unknown_postcode", "Postnummeret {value} findes ikke", "Postcode {value} does not exist"
)


def outside_denmark(row: int, column: str, value: str, *, swapped: bool) -> Problem:
    hint_da = " (bredde og længde ser ombyttede ud)" if swapped else ""
    hint_en = " (latitude and longitude look swapped)" if swapped else ""
    return _p(
        "outside_denmark",
        f"Koordinaten {value} ligger ikke i Danmark{hint_da}",
        f"The coordinate {value} is not in Denmark{hint_en}",
        row=row,
        column=column,
        value=value,
    )


postcode_outside_municipality: Callable[[int, str, str, str, str, str], Problem] = _cell_problem(
    "postcode_outside_municipality",
    "Postnummeret {value} ({district}) ligger ikke i kommunen {municipality}, men i: {belongs_to}",
    "Postcode {value} ({district}) is not in the municipality of {municipality} "
    "but in: {belongs_to}",
    extra=("district", "municipality", "belongs_to"),
)


def outside_municipality(
    row: int, column: str, value: str, km: float, municipality: str, found_in: str | None
) -> Problem:
    """More than the tolerance outside the unit's own municipality: a wrong
    coordinate or a wrong municipality code, either way not publishable."""
    if found_in is None:
        return _p(
            "outside_denmark",
            f"Koordinaterne {value} ligger ikke i Danmark ({_km(km, 'da')} uden for "
            f"kommunen {municipality})",
            f"The coordinates {value} are not in Denmark ({_km(km, 'en')} outside "
            f"the municipality of {municipality})",
            row=row,
            column=column,
            value=value,
        )
    return _p(
        "outside_municipality",
        f"Koordinaterne {value} ligger i kommunen {found_in}, {_km(km, 'da')} uden for "
        f"kommunen {municipality}",
        f"The coordinates {value} are in the municipality of {found_in}, {_km(km, 'en')} "
        f"outside the municipality of {municipality}",
        row=row,
        column=column,
        value=value,
    )


@_warning
def in_other_municipality(
    row: int, column: str, value: str, km: float, municipality: str, found_in: str
) -> Problem:
    return _p(
        "in_other_municipality",
        f"Koordinaterne {value} ligger i kommunen {found_in}, {_km(km, 'da')} fra grænsen til "
        f"kommunen {municipality}; kontrollér kommunekoden og koordinaterne",
        f"The coordinates {value} are in the municipality of {found_in}, {_km(km, 'en')} from "
        f"the border of {municipality}; check the municipality code and the coordinates",
        row=row,
        column=column,
        value=value,
        warning=True,
    )


def _km(km: float, lang: str) -> str:
    """Below a kilometre in metres (rounded to 10 m), else km with one decimal."""
    if km < 1:
        return f"{max(10, round(km * 100) * 10)} m"
    text = f"{km:.1f} km"
    return text.replace(".", ",") if lang == "da" else text


missing_coordinates: Callable[[int, str], Problem] = _cell_problem(
    "missing_coordinates",
    "Institutionen har ingen koordinater og kan hverken vises på kortet eller findes efter afstand",
    "The institution has no coordinates and cannot be shown on the map or found by distance",
    empty=True,
    warning=True,
)


def too_long(row: int, column: str, value: str, limit: int) -> Problem:
    shown = value if len(value) <= 60 else value[:59] + "…"
    return _p(
        "too_long",
        f"»{shown}« er {len(value)} tegn; højst {limit} er tilladt",
        f"'{shown}' is {len(value)} characters long; at most {limit} are allowed",
        row=row,
        column=column,
        value=value,
    )


def control_character(row: int, column: str, value: str, char: str) -> Problem:
    name = _CONTROL_NAMES.get(char, f"U+{ord(char):04X}")
    return _p(
        "control_character",
        f"Feltet indeholder et styretegn ({name}); det hører ikke hjemme i tekst",
        f"The field holds a control character ({name}), which does not belong in text",
        row=row,
        column=column,
        # Escaped, as it would not print (or would rearrange the report);
        # the Danish letters stay as they are.
        value="".join(
            c.encode("unicode_escape").decode("ascii") if not c.isprintable() else c for c in value
        ),
    )


_CONTROL_NAMES = {
    "\x00": "NUL",
    "\x07": "BEL",
    "\x08": "BS",
    "\t": "TAB",
    "\n": "LF",
    "\r": "CR",
    "\x1b": "ESC",
    "\x7f": "DEL",
}


def bad_institution_number(row: int, column: str, value: str) -> Problem:
    hint_da = hint_en = ""
    if value.upper() != value and value.upper().isalnum() and len(value) == 6:
        hint_da, hint_en = "; brug store bogstaver", "; use capital letters"
    return _p(
        "bad_institution_number",
        f"»{value}« er ikke et institutionsnummer (6 tegn, A-Z og 0-9){hint_da}",
        f"'{value}' is not an institution number (6 characters, A-Z and 0-9){hint_en}",
        row=row,
        column=column,
        value=value,
    )


duplicate_institution_number: Callable[[int, str, str, int], Problem] = _cell_problem(
    "duplicate_institution_number",
    "Institutionsnummeret {value} står også i række {first_row}",
    "Institution number {value} also appears in row {first_row}",
    extra=("first_row",),
)


unknown_kind: CodeProblem = _cell_problem(
    "unknown_kind",
    "»{value}« er ikke en kendt dagtilbudstype (vuggestue, børnehave, aldersintegreret, dagpleje)",
    "'{value}' is not a known kind of daycare (vuggestue, boernehave, aldersintegreret, dagpleje)",
)


unknown_ownership: CodeProblem = _cell_problem(
    "unknown_ownership",
    "»{value}« er ikke en kendt ejerform (kommunal, selvejende, privat, udliciteret)",
    "'{value}' is not a known ownership (kommunal, selvejende, privat, udliciteret)",
)


bad_flag: CodeProblem = _cell_problem(
    "bad_flag", "»{value}« skal være ja eller nej", "'{value}' must be ja (yes) or nej (no)"
)


bad_contact: CodeProblem = _cell_problem(
    "bad_contact",
    "»{value}« ligner ikke en gyldig værdi for {column}; feltet springes over",
    "'{value}' does not look like a valid {column}; the field is left out",
    warning=True,
)


duplicate_figure: Callable[[int, str, str, int], Problem] = _cell_problem(
    "duplicate_figure",
    "Samme tal (kommune, nøgletal og år) står også i række {first_row}",
    "The same figure (municipality, indicator and year) also appears in row {first_row}",
    extra=("first_row",),
)


parts_exceed_total: Callable[[int, str, str, int], Problem] = _cell_problem(
    "parts_exceed_total",
    "I alt ({value}) er mindre end pædagogerne i række {part_row}; andelen ville blive over 100 %",
    "The total ({value}) is smaller than the pedagogues in row {part_row}; "
    "the share would exceed 100 per cent",
    extra=("part_row",),
)


@_warning
def incomplete_figure(
    row: int, column: str, lacking: str, indicator: str, municipality: str, period: str
) -> Problem:
    """Rows a figure needs are not in the file at all (as opposed to ``..``):
    the file says nothing about the figure, so none is read."""
    return _p(
        "incomplete_figure",
        f"Filen har ingen rækker med {lacking} for {municipality} {period}; "
        f"{indicator} kan ikke beregnes og læses ikke fra denne fil",
        f"The file has no rows with {lacking} for {municipality} {period}; "
        f"{indicator} cannot be computed and is not read from this file",
        row=row,
        column=column,
        value=lacking,
        warning=True,
    )
