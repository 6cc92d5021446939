"""The report an import leaves behind, for people: what was read, what was
wrong (row, column, value, reason in Danish and English) and what changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ingest.domain.model import ParsedFile, Problem, Severity

MAX_LISTED = 1000


def _problems(problems: Sequence[Problem]) -> list[dict[str, object]]:
    return [p.as_dict() for p in problems[:MAX_LISTED]]


def _counts(problems: Sequence[Problem]) -> tuple[int, int]:
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    return errors, len(problems) - errors


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
    parsed: ParsedFile, diff: dict[str, Any], dataset_version: str | None, dry_run: bool
) -> dict[str, Any]:
    errors, warnings = _counts(parsed.problems)
    if dry_run:
        da = "Prøvekørsel: filen er gyldig. Intet er gemt, og intet er offentliggjort."
        en = "Dry run: the file is valid. Nothing was stored or published."
    else:
        da = f"Filen er indlæst som version {dataset_version}."
        en = f"The file was imported as version {dataset_version}."
    return {
        "outcome": "dry_run" if dry_run else "accepted",
        "format": parsed.format,
        "kind": parsed.kind.value,
        "rows_read": parsed.rows_read,
        "skipped": dict(parsed.skipped),
        "errors": errors,
        "warnings": warnings,
        "problems": _problems(parsed.problems),
        "diff": diff,
        "dataset_version": dataset_version,
        "summary_da": da,
        "summary_en": en,
    }
