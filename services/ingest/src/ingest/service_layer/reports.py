"""The report an import leaves behind, for people: what was read, what was
wrong (row, column, value, reason in Danish and English) and what changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ingest.domain.changes import ClosureCheck
from ingest.domain.model import ParsedFile, Problem, Severity

MAX_LISTED = 1000


def _problems(problems: Sequence[Problem]) -> list[dict[str, object]]:
    return [p.as_dict() for p in problems[:MAX_LISTED]]


def _counts(problems: Sequence[Problem]) -> tuple[int, int]:
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    return errors, len(problems) - errors


def _da_int(n: int) -> str:
    """12345 -> "12.345": Danish thousands separator."""
    return f"{n:,}".replace(",", ".")


def _da_pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def _places(check: ClosureCheck, names: Mapping[int, str]) -> str:
    return ", ".join(f"{names.get(code, str(code))} ({code})" for code in sorted(check.emptied))


def closure_problem(
    check: ClosureCheck, names: Mapping[int, str], *, dry_run: bool
) -> Problem | None:
    """Why the import may not close what it would, or None. In a dry run it is
    a warning: the dry run is how the uploader learns the number to confirm."""
    severity = Severity.WARNING if dry_run else Severity.ERROR
    n, limit = check.closing, check.limit_pct
    if check.refusal == "closure_count_mismatch":
        return Problem(
            code="closure_count_mismatch",
            message_da=(
                f"confirm_closures={check.confirmed} passer ikke: filen lukker "
                f"{_da_int(n)} institutioner. Er det rigtigt, så send den igen med "
                f"confirm_closures={n}"
            ),
            message_en=(
                f"confirm_closures={check.confirmed} does not match: the file closes "
                f"{n:,} institutions. If that is right, send it again with confirm_closures={n}"
            ),
            severity=severity,
            column="confirm_closures",
            value=str(check.confirmed),
        )
    if check.refusal != "mass_closure":
        return None
    why_da, why_en = [], []
    if check.too_many:
        why_da.append(
            f"den lukker {_da_int(n)} af {_da_int(check.active_before)} aktive institutioner "
            f"({_da_pct(check.share_pct)} %, grænsen er {_da_pct(limit)} %)"
        )
        why_en.append(
            f"it closes {n:,} of {check.active_before:,} active institutions "
            f"({check.share_pct:.1f} %, the limit is {limit:.1f} %)"
        )
    if check.emptied:
        places, k = _places(check, names), len(check.emptied)
        if k == 1:
            why_da.append(f"en kommune står uden aktive institutioner: {places}")
            why_en.append(f"a municipality is left without active institutions: {places}")
        else:
            why_da.append(f"{k} kommuner står uden aktive institutioner: {places}")
            why_en.append(f"{k} municipalities are left without active institutions: {places}")
    return Problem(
        code="mass_closure",
        message_da=(
            "Registerfilen afvises, fordi " + " og ".join(why_da) + ". Et register skal være "
            "komplet; er filen afkortet eller filtreret? Er lukningerne rigtige, så send filen "
            f"igen med confirm_closures={n}"
        ),
        message_en=(
            "The register file is refused because " + " and ".join(why_en) + ". A register "
            "must be complete; is the file cut short or filtered? If the closures are right, "
            f"send the file again with confirm_closures={n}"
        ),
        severity=severity,
        value=str(n),
    )


def all_figures_withdrawn(codes: set[int], names: Mapping[int, str]) -> Problem:
    places = ", ".join(f"{names.get(code, str(code))} ({code})" for code in sorted(codes))
    return Problem(
        code="all_figures_withdrawn",
        message_da=(
            f"Filen trækker alle tal tilbage for {places}; en kommunes statistik skal have "
            "mindst ét tal, så behold mindst ét af dem eller ret dem i stedet"
        ),
        message_en=(
            f"The file withdraws every figure of {places}; a municipality's statistics must "
            "keep at least one figure, so keep one of them or correct them instead"
        ),
        value=",".join(str(code) for code in sorted(codes)),
    )


def closures_section(check: ClosureCheck, names: Mapping[int, str]) -> dict[str, Any]:
    """Exactly what would close, per municipality, for the uploader to check."""
    return {
        "count": check.closing,
        "active_before": check.active_before,
        "share_pct": round(check.share_pct, 2),
        "limit_pct": check.limit_pct,
        "confirmation_required": check.needs_confirmation,
        "confirmed": check.confirmed,
        "municipalities": [
            {
                "municipality_code": code,
                "municipality_name": names.get(code, str(code)),
                "count": len(closed),
                "left_without_active_institutions": code in check.emptied,
                "institutions": [
                    {"institution_number": number, "name": name} for number, name in closed
                ],
            }
            for code, closed in check.by_municipality.items()
        ],
    }


def refused_report(
    parsed: ParsedFile, problem: Problem, closures: dict[str, Any] | None
) -> dict[str, Any]:
    """A valid file that may not be applied as it is (its closures were not
    rightly confirmed, or it would leave a municipality without figures)."""
    report = rejected_report(parsed, [problem, *parsed.problems])
    if closures is not None:
        report["closures"] = closures
    report["summary_da"] = (
        f"Filen er afvist: {problem.message_da}. Intet er gemt, og intet er offentliggjort."
    )
    report["summary_en"] = (
        f"The file was rejected: {problem.message_en}. Nothing was stored or published."
    )
    return report


def rejected_report(parsed: ParsedFile | None, problems: Sequence[Problem]) -> dict[str, Any]:
    errors, warnings = _counts(problems)
    return {
        "outcome": "rejected",
        "format": parsed.format if parsed else None,
        "kind": parsed.kind.value if parsed else None,
        "rows_read": parsed.rows_read if parsed else 0,
        "skipped": dict(parsed.skipped) if parsed else {},
        "errors": errors,
        "warnings": warnings,
        "problems": _problems(problems),
        "summary_da": f"Filen er afvist: {errors} fejl. Intet er gemt, og intet er offentliggjort.",
        "summary_en": f"The file was rejected: {errors} errors. Nothing was stored or published.",
    }


def success_report(
    parsed: ParsedFile,
    diff: dict[str, Any],
    dataset_version: str | None,
    dry_run: bool,
    *,
    closures: dict[str, Any] | None = None,
    closure_problem: Problem | None = None,
) -> dict[str, Any]:
    problems = [closure_problem, *parsed.problems] if closure_problem else parsed.problems
    errors, warnings = _counts(problems)
    if dry_run:
        da = "Prøvekørsel: filen er gyldig. Intet er gemt, og intet er offentliggjort."
        en = "Dry run: the file is valid. Nothing was stored or published."
        if closure_problem is not None:
            da += f" En rigtig indlæsning vil blive afvist: {closure_problem.message_da}."
            en += f" A real import would be refused: {closure_problem.message_en}."
    else:
        da = f"Filen er indlæst som version {dataset_version}."
        en = f"The file was imported as version {dataset_version}."
    report: dict[str, Any] = {
        "outcome": "dry_run" if dry_run else "accepted",
        "format": parsed.format,
        "kind": parsed.kind.value,
        "rows_read": parsed.rows_read,
        "skipped": dict(parsed.skipped),
        "errors": errors,
        "warnings": warnings,
        "problems": _problems(problems),
        "diff": diff,
        "dataset_version": dataset_version,
        "summary_da": da,
        "summary_en": en,
    }
    if closures is not None:
        report["closures"] = closures
    return report
