"""What the upload pages show of an import: its progress, and its report
turned from ingest's wire shape into what a person checks before and after
running a file: per municipality what is added, changed and closed; which
municipality-years and indicators a statistics file changes; each problem
with its row, column and value; and whether the mass-closure guard asks for
the number of closures to be typed.

Pure: no Flask, no I/O. A report from an older ingest, or one cut short,
still reads: a missing part is empty, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from dagtilbud_contracts.municipalities import MUNICIPALITIES

# Where an import ends; "queued" and "running" are on the way.
FINISHED: Final = ("accepted", "rejected", "duplicate", "failed")


def municipality_name(code: int) -> str:
    return MUNICIPALITIES.get(code, str(code))


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _count(value: Any) -> int:
    return max(0, _int(value) or 0)


def _text(value: Any) -> str | None:
    return str(value) if value is not None and value != "" else None


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


# --- progress ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far an import has come: ``rows_total`` is None until ingest has
    counted the file (a progress bar without a maximum then)."""

    status: str
    rows_done: int
    rows_total: int | None

    @property
    def done(self) -> bool:
        return self.status in FINISHED

    @property
    def running(self) -> bool:
        return not self.done

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return 100 if self.done else None
        return min(100, round(100 * self.rows_done / self.rows_total))

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "done": self.done,
        }


def progress_of(run: Mapping[str, Any]) -> Progress:
    progress = run.get("progress") if isinstance(run.get("progress"), Mapping) else {}
    assert isinstance(progress, Mapping)
    total = _int(progress.get("rows_total"))
    done = _count(progress.get("rows_done"))
    if total is not None:
        total = max(0, total)
        done = min(done, total)
    return Progress(str(run.get("status") or "queued"), done, total)


# --- the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    severity: str  # error | warning
    code: str | None
    row: int | None
    column: str | None
    value: str | None
    message_da: str
    message_en: str

    @property
    def is_error(self) -> bool:
        return self.severity != "warning"

    def message(self, language: str) -> str:
        if language == "en":
            return self.message_en or self.message_da
        return self.message_da or self.message_en


@dataclass(frozen=True)
class Institution:
    number: str
    name: str


@dataclass(frozen=True)
class MunicipalityChanges:
    """A register's changes in one municipality. ``added`` and ``changed``
    are None where ingest's report counts them only for the whole country."""

    code: int
    name: str
    added: int | None
    changed: int | None
    closed: int
    left_without_active: bool = False
    closing: tuple[Institution, ...] = ()


@dataclass(frozen=True)
class FigureChange:
    """One figure a statistics file changes (``value``) or withdraws (None)."""

    municipality_code: int
    municipality_name: str
    year: int
    indicator: str
    value: float | None
    withdrawn: bool = False


@dataclass(frozen=True)
class MunicipalityFigures:
    """How many of a municipality's figures a statistics file changes or
    withdraws, and of which years."""

    code: int
    name: str
    changed: int
    removed: int
    years: tuple[int, ...]


@dataclass(frozen=True)
class ClosureGuard:
    """The mass-closure guard's verdict on a register (ingest's
    INGEST_MAX_CLOSURE_PCT): closing more than ``limit_pct`` of the active
    institutions, or the last one of a municipality, needs ``count`` typed."""

    count: int
    active_before: int
    share_pct: float
    limit_pct: float
    required: bool
    confirmed: int | None
    emptied: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportReport:
    outcome: str | None  # dry_run | accepted | rejected | duplicate
    kind: str | None  # register | statistics
    format: str | None
    rows_read: int
    summary_da: str
    summary_en: str
    dataset_version: str | None
    problems: tuple[Problem, ...]
    errors: int
    warnings: int
    # A register's changes: totals, then per municipality.
    added: int = 0
    changed: int = 0
    closed: int = 0
    unchanged: int = 0
    municipalities: tuple[MunicipalityChanges, ...] = ()
    # Whether ``municipalities`` counts added and changed too (else closures only).
    per_municipality: bool = False
    added_samples: tuple[Institution, ...] = ()
    changed_samples: tuple[Institution, ...] = ()
    # A statistics file's changes.
    changed_figures: int = 0
    removed_figures: int = 0
    unchanged_figures: int = 0
    municipalities_changed: int = 0
    figures: tuple[FigureChange, ...] = ()
    figures_by_municipality: tuple[MunicipalityFigures, ...] = ()
    closures: ClosureGuard | None = None

    def summary(self, language: str) -> str:
        if language == "en":
            return self.summary_en or self.summary_da
        return self.summary_da or self.summary_en

    @property
    def is_register(self) -> bool:
        return self.kind == "register"

    @property
    def is_statistics(self) -> bool:
        return self.kind == "statistics"

    @property
    def rejected(self) -> bool:
        return self.outcome == "rejected"

    @property
    def runnable(self) -> bool:
        """A dry run whose file may be run for real (perhaps after the
        closures are confirmed)."""
        return self.outcome == "dry_run" and self.errors == 0

    @property
    def needs_confirmation(self) -> bool:
        return self.closures is not None and self.closures.required

    @property
    def figures_listed_in_full(self) -> bool:
        return len(self.figures) >= self.changed_figures + self.removed_figures

    @property
    def has_changes(self) -> bool:
        if self.is_register:
            return bool(self.added or self.changed or self.closed)
        return bool(self.changed_figures or self.removed_figures)

    @property
    def error_problems(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warning_problems(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)


def _problems(value: Any) -> tuple[Problem, ...]:
    return tuple(
        Problem(
            severity=str(p.get("severity") or "error"),
            code=_text(p.get("code")),
            row=_int(p.get("row")),
            column=_text(p.get("column")),
            value=None if p.get("value") is None else str(p.get("value")),
            message_da=str(p.get("message_da") or ""),
            message_en=str(p.get("message_en") or ""),
        )
        for p in _mappings(value)
    )


def _institutions(value: Any) -> tuple[Institution, ...]:
    return tuple(
        Institution(str(i.get("institution_number") or ""), str(i.get("name") or ""))
        for i in _mappings(value)
    )


def _closures(value: Any) -> ClosureGuard | None:
    if not isinstance(value, Mapping):
        return None
    emptied = tuple(
        str(m.get("municipality_name") or municipality_name(_count(m.get("municipality_code"))))
        for m in _mappings(value.get("municipalities"))
        if m.get("left_without_active_institutions")
    )
    share = value.get("share_pct")
    limit = value.get("limit_pct")
    return ClosureGuard(
        count=_count(value.get("count")),
        active_before=_count(value.get("active_before")),
        share_pct=float(share) if isinstance(share, int | float) else 0.0,
        limit_pct=float(limit) if isinstance(limit, int | float) else 0.0,
        required=bool(value.get("confirmation_required")),
        confirmed=_int(value.get("confirmed")),
        emptied=emptied,
    )


def _register_municipalities(
    diff: Mapping[str, Any], closures: Any
) -> tuple[tuple[MunicipalityChanges, ...], bool]:
    """Per municipality: ingest's own breakdown where its report has one
    (``diff.by_municipality``), else what its closures section says."""
    closing: dict[int, Mapping[str, Any]] = {}
    if isinstance(closures, Mapping):
        for place in _mappings(closures.get("municipalities")):
            code = _int(place.get("municipality_code"))
            if code is not None:
                closing[code] = place
    breakdown = _mappings(diff.get("by_municipality"))
    rows: list[MunicipalityChanges] = []
    if breakdown:
        for entry in breakdown:
            code = _int(entry.get("municipality_code"))
            if code is None:
                continue
            place = closing.get(code, {})
            rows.append(
                MunicipalityChanges(
                    code=code,
                    name=str(entry.get("municipality_name") or municipality_name(code)),
                    added=_count(entry.get("added")),
                    changed=_count(entry.get("changed")),
                    closed=_count(entry.get("closed", place.get("count"))),
                    left_without_active=bool(place.get("left_without_active_institutions")),
                    closing=_institutions(place.get("institutions")),
                )
            )
        known = {row.code for row in rows}
        for code, place in closing.items():
            if code not in known:
                rows.append(_closing_only(code, place, added=0, changed=0))
    else:
        rows = [_closing_only(code, place) for code, place in closing.items()]
    rows.sort(key=lambda row: (row.name, row.code))
    return tuple(rows), bool(breakdown)


def _closing_only(
    code: int, place: Mapping[str, Any], added: int | None = None, changed: int | None = None
) -> MunicipalityChanges:
    return MunicipalityChanges(
        code=code,
        name=str(place.get("municipality_name") or municipality_name(code)),
        added=added,
        changed=changed,
        closed=_count(place.get("count")),
        left_without_active=bool(place.get("left_without_active_institutions")),
        closing=_institutions(place.get("institutions")),
    )


def _figures(diff: Mapping[str, Any]) -> tuple[FigureChange, ...]:
    changes: list[FigureChange] = []
    for label, withdrawn in (("changed_samples", False), ("removed_samples", True)):
        for sample in _mappings(diff.get(label)):
            code, year = _int(sample.get("municipality_code")), _int(sample.get("year"))
            if code is None or year is None:
                continue
            value = sample.get("value")
            changes.append(
                FigureChange(
                    municipality_code=code,
                    municipality_name=municipality_name(code),
                    year=year,
                    indicator=str(sample.get("indicator") or ""),
                    value=None if withdrawn or not isinstance(value, int | float) else float(value),
                    withdrawn=withdrawn,
                )
            )
    changes.sort(key=lambda c: (c.municipality_name, c.year, c.indicator))
    return tuple(changes)


def _figures_by_municipality(diff: Mapping[str, Any]) -> tuple[MunicipalityFigures, ...]:
    rows = []
    for entry in _mappings(diff.get("by_municipality")):
        code = _int(entry.get("municipality_code"))
        if code is None:
            continue
        listed = entry.get("years")
        years: list[Any] = listed if isinstance(listed, list) else []
        rows.append(
            MunicipalityFigures(
                code=code,
                name=municipality_name(code),
                changed=_count(entry.get("changed")),
                removed=_count(entry.get("removed")),
                years=tuple(sorted(y for y in (_int(v) for v in years) if y is not None)),
            )
        )
    rows.sort(key=lambda row: (row.name, row.code))
    return tuple(rows)


def read_report(report: Mapping[str, Any] | None) -> ImportReport | None:
    """ingest's report of an import as the pages show it; None before it has one."""
    if not isinstance(report, Mapping):
        return None
    problems = _problems(report.get("problems"))
    errors = report.get("errors")
    warnings = report.get("warnings")
    base: dict[str, Any] = {
        "outcome": _text(report.get("outcome")),
        "kind": _text(report.get("kind")),
        "format": _text(report.get("format")),
        "rows_read": _count(report.get("rows_read")),
        "summary_da": str(report.get("summary_da") or ""),
        "summary_en": str(report.get("summary_en") or ""),
        "dataset_version": _text(report.get("dataset_version")),
        "problems": problems,
        "errors": _count(errors) if errors is not None else sum(p.is_error for p in problems),
        "warnings": (
            _count(warnings) if warnings is not None else sum(not p.is_error for p in problems)
        ),
        "closures": _closures(report.get("closures")),
    }
    diff = report.get("diff") if isinstance(report.get("diff"), Mapping) else {}
    assert isinstance(diff, Mapping)
    if base["kind"] == "register" or "added" in diff or "closures" in report:
        municipalities, complete = _register_municipalities(diff, report.get("closures"))
        base.update(
            added=_count(diff.get("added")),
            changed=_count(diff.get("changed")),
            closed=_count(diff.get("closed")),
            unchanged=_count(diff.get("unchanged")),
            municipalities=municipalities,
            per_municipality=complete,
            added_samples=_institutions(diff.get("added_samples")),
            changed_samples=_institutions(diff.get("changed_samples")),
        )
        if base["kind"] is None and diff:
            base["kind"] = "register"
    elif diff:
        base.update(
            changed_figures=_count(diff.get("changed_figures")),
            removed_figures=_count(diff.get("removed_figures")),
            unchanged_figures=_count(diff.get("unchanged_figures")),
            municipalities_changed=_count(diff.get("municipalities")),
            figures=_figures(diff),
            figures_by_municipality=_figures_by_municipality(diff),
        )
        if base["kind"] is None:
            base["kind"] = "statistics"
    return ImportReport(**base)


def pages_changed(report: ImportReport) -> tuple[str, ...]:
    """The parents' pages an accepted statistics import changes: each
    municipality's page and the overview of all (an institution page shows
    its municipality's figures too, and waits out its cache time)."""
    if report.outcome != "accepted" or not report.is_statistics:
        return ()
    return (*(f"/kommune/{row.code}" for row in report.figures_by_municipality), "/kommuner")
