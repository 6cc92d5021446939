"""The problem list of one file, and every message the readers can say.

The texts live here, in one place, so the Danish wording (the first-class one:
the people who upload are Danish) can be reviewed and kept consistent. Each
function returns a :class:`Problem` with a stable ``code`` that callers and
tests match on; the messages may be reworded, the codes may not.
"""

from __future__ import annotations

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


def bad_encoding_file() -> Problem:
    return _p(
        "bad_encoding",
        "Filens tegnsæt kan ikke genkendes; gem den som UTF-8",
        "The file's character encoding is not recognised; save it as UTF-8",
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


def bad_encoding_row(row: int, encoding: str) -> Problem:
    return _p(
        "bad_encoding",
        f"Rækken indeholder tegn der ikke er gyldige i filens tegnsæt ({encoding}); "
        "resten af filen er ikke læst",
        f"The row contains bytes that are not valid in the file's encoding ({encoding}); "
        "the rest of the file was not read",
        row=row,
    )


def formula_not_allowed(row: int, column: str, value: str) -> Problem:
    return _p(
        "formula_not_allowed",
        "Cellen indeholder en formel; formler beregnes ikke, skriv værdien i stedet",
        "The cell holds a formula; formulas are never evaluated, enter the value instead",
        row=row,
        column=column,
        value=value,
    )


def no_rows() -> Problem:
    return _p("no_rows", "Filen har ingen datarækker", "The file has no data rows")


# --- values ------------------------------------------------------------------


def missing_value(row: int, column: str) -> Problem:
    return _p(
        "missing_value",
        f"»{column}« skal udfyldes",
        f"'{column}' must be filled in",
        row=row,
        column=column,
        value="",
    )


def not_a_number(row: int, column: str, value: str) -> Problem:
    return _p(
        "not_a_number",
        f"»{value}« er ikke et tal",
        f"'{value}' is not a number",
        row=row,
        column=column,
        value=value,
    )


def not_a_whole_number(row: int, column: str, value: str) -> Problem:
    return _p(
        "not_a_whole_number",
        f"»{value}« er ikke et helt tal",
        f"'{value}' is not a whole number",
        row=row,
        column=column,
        value=value,
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


@_warning
def high_normering(row: int, column: str, value: str) -> Problem:
    return _p(
        "high_normering",
        f"Normeringen {value} børn pr. voksen er usædvanlig høj (over 10); kontrollér tallet",
        f"A normering of {value} children per adult is unusually high (above 10); check it",
        row=row,
        column=column,
        value=value,
        warning=True,
    )


def bad_year(row: int, column: str, value: str, low: int, high: int) -> Problem:
    return _p(
        "bad_year",
        f"»{value}« er ikke et årstal mellem {low} og {high}",
        f"'{value}' is not a year between {low} and {high}",
        row=row,
        column=column,
        value=value,
    )


def unknown_municipality(row: int, column: str, value: str, *, by_name: bool) -> Problem:
    if by_name:
        return _p(
            "unknown_municipality",
            f"Kommunen »{value}« findes ikke",
            f"There is no municipality called '{value}'",
            row=row,
            column=column,
            value=value,
        )
    return _p(
        "unknown_municipality",
        f"Kommunekoden {value} findes ikke",
        f"Municipality code {value} does not exist",
        row=row,
        column=column,
        value=value,
    )


@_warning
def municipality_name_mismatch(row: int, column: str, value: str, code: int, name: str) -> Problem:
    return _p(
        "municipality_name_mismatch",
        f"Kommunenavnet »{value}« passer ikke til kommunekoden {code} ({name}); koden bruges",
        f"The municipality name '{value}' does not match code {code} ({name}); the code is used",
        row=row,
        column=column,
        value=value,
        warning=True,
    )


def unknown_postcode(row: int, column: str, value: str) -> Problem:
    return _p(
        "unknown_postcode",
        f"Postnummeret {value} findes ikke",
        f"Postcode {value} does not exist",
        row=row,
        column=column,
        value=value,
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


@_warning
def missing_coordinates(row: int, column: str) -> Problem:
    return _p(
        "missing_coordinates",
        "Institutionen har ingen koordinater og kan hverken vises på kortet "
        "eller findes efter afstand",
        "The institution has no coordinates and cannot be shown on the map or found by distance",
        row=row,
        column=column,
        value="",
        warning=True,
    )


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


def duplicate_institution_number(row: int, column: str, value: str, first_row: int) -> Problem:
    return _p(
        "duplicate_institution_number",
        f"Institutionsnummeret {value} står også i række {first_row}",
        f"Institution number {value} also appears in row {first_row}",
        row=row,
        column=column,
        value=value,
    )


def unknown_kind(row: int, column: str, value: str) -> Problem:
    return _p(
        "unknown_kind",
        f"»{value}« er ikke en kendt dagtilbudstype "
        "(vuggestue, børnehave, aldersintegreret, dagpleje)",
        f"'{value}' is not a known kind of daycare "
        "(vuggestue, boernehave, aldersintegreret, dagpleje)",
        row=row,
        column=column,
        value=value,
    )


def unknown_ownership(row: int, column: str, value: str) -> Problem:
    return _p(
        "unknown_ownership",
        f"»{value}« er ikke en kendt ejerform (kommunal, selvejende, privat, udliciteret)",
        f"'{value}' is not a known ownership (kommunal, selvejende, privat, udliciteret)",
        row=row,
        column=column,
        value=value,
    )


def bad_flag(row: int, column: str, value: str) -> Problem:
    return _p(
        "bad_flag",
        f"»{value}« skal være ja eller nej",
        f"'{value}' must be ja (yes) or nej (no)",
        row=row,
        column=column,
        value=value,
    )


@_warning
def bad_contact(row: int, column: str, value: str) -> Problem:
    return _p(
        "bad_contact",
        f"»{value}« ligner ikke en gyldig værdi for {column}; feltet springes over",
        f"'{value}' does not look like a valid {column}; the field is left out",
        row=row,
        column=column,
        value=value,
        warning=True,
    )


def duplicate_figure(row: int, column: str, value: str, first_row: int) -> Problem:
    return _p(
        "duplicate_figure",
        f"Samme tal (kommune, nøgletal og år) står også i række {first_row}",
        f"The same figure (municipality, indicator and year) also appears in row {first_row}",
        row=row,
        column=column,
        value=value,
    )
