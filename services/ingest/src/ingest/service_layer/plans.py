"""What a valid file would change against what is current, whether it may,
and how it is applied: a register and a statistics file each in their own way.

A plan is made inside the transaction that applies it (under the kind's lock,
so what is current cannot change meanwhile), or in a read-only one for a dry
run."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Self

from dagkit.uow import OutgoingEvent
from dagtilbud_contracts import institution as institution_contract
from dagtilbud_contracts import statistics as statistics_contract
from dagtilbud_contracts.registry import new_event, topic_for
from ingest.domain.changes import (
    ClosureCheck,
    CurrentInstitution,
    RegisterDiff,
    StatisticsDiff,
    check_closures,
    left_without_figures,
    no_closures,
    register_diff,
    statistics_diff,
    statistics_payload,
)
from ingest.domain.imports import ImportRun, version_label
from ingest.domain.model import DatasetKind, FigureKey, ParsedFile, Problem
from ingest.service_layer.context import IngestContext
from ingest.service_layer.reports import (
    all_figures_withdrawn,
    closure_problem,
    closures_section,
    refused_report,
)
from ingest.service_layer.unit_of_work import IngestUnitOfWork

EVENT_TYPES = {
    "registered": institution_contract.REGISTERED,
    "updated": institution_contract.UPDATED,
    "closed": institution_contract.CLOSED,
}


@dataclass(frozen=True)
class PlannedFile:
    """What a plan is made for: the import and its parsed file, the service's
    settings and reference data, and the day and dataset version it would be
    applied as."""

    ctx: IngestContext
    run: ImportRun
    parsed: ParsedFile
    today: date
    version: str


def _event(
    event_type: str, payload: dict[str, Any], aggregate_version: int, correlation_id: str
) -> OutgoingEvent:
    return (
        topic_for(event_type),
        # Payloads come from one builder over checked values; the tests
        # validate every event of a national import against the contract.
        new_event(
            event_type,
            payload,
            aggregate_version=aggregate_version,
            correlation_id=correlation_id,
            validate=False,
        ),
    )


@dataclass(kw_only=True)
class Plan(abc.ABC):
    diff: RegisterDiff | StatisticsDiff
    closures_report: dict[str, Any] | None = None  # a register's closures, for the report
    closure_warning: Problem | None = None  # a dry run's: why a real import would be refused
    refused: dict[str, Any] | None = None  # the report of a refusal

    @classmethod
    @abc.abstractmethod
    def make(cls, uow: IngestUnitOfWork, file: PlannedFile) -> Self:
        """The plan for ``file`` against what ``uow`` holds now."""

    @abc.abstractmethod
    def apply(
        self, uow: IngestUnitOfWork, *, version_id: int, now: datetime, correlation_id: str
    ) -> list[OutgoingEvent]:
        """Write the changes through ``uow``; returns their events, in order."""

    def summary(self) -> dict[str, Any]:
        """The changes, for the report."""
        return self.diff.summary()

    def judge(self, closures: ClosureCheck, file: PlannedFile) -> None:
        """Whether what the file closes may be closed: a dry run only warns."""
        dry_run = file.run.dry_run
        problem = closure_problem(closures, file.ctx.reference.municipalities, dry_run=dry_run)
        if problem is not None and dry_run:
            self.closure_warning = problem
        elif problem is not None:
            self.refused = refused_report(file.parsed, problem, self.closures_report)


@dataclass(kw_only=True)
class RegisterPlan(Plan):
    diff: RegisterDiff
    current: dict[str, CurrentInstitution]

    @classmethod
    def make(cls, uow: IngestUnitOfWork, file: PlannedFile) -> Self:
        ctx = file.ctx
        current = uow.datasets.current_institutions()
        diff = register_diff(
            current, file.parsed.institutions, today=file.today, dataset_version=file.version
        )
        closures = check_closures(
            current, diff, limit_pct=ctx.max_closure_pct, confirmed=file.run.confirm_closures
        )
        plan = cls(
            diff=diff,
            current=current,
            closures_report=closures_section(closures, ctx.reference.municipalities),
        )
        plan.judge(closures, file)
        return plan

    def apply(
        self, uow: IngestUnitOfWork, *, version_id: int, now: datetime, correlation_id: str
    ) -> list[OutgoingEvent]:
        new_rows: list[dict[str, Any]] = []
        changed_rows: list[dict[str, Any]] = []
        events: list[OutgoingEvent] = []
        for change in self.diff.changes:
            known = self.current.get(change.number)
            aggregate_version = 1 if known is None else known.aggregate_version + 1
            row = {
                "number": change.number,
                "status": change.payload["status"],
                "payload": change.payload,
                "aggregate_version": aggregate_version,
                "dataset_version_id": version_id,
                "updated_at": now,
            }
            (new_rows if known is None else changed_rows).append(row)
            events.append(
                _event(EVENT_TYPES[change.event], change.payload, aggregate_version, correlation_id)
            )
        uow.datasets.save_institutions(new_rows, changed_rows)
        return events


@dataclass(kw_only=True)
class StatisticsPlan(Plan):
    diff: StatisticsDiff
    current: dict[FigureKey, tuple[float | None, str]]
    names: dict[int, str] = field(default_factory=dict)  # municipality names, for the events

    @classmethod
    def make(cls, uow: IngestUnitOfWork, file: PlannedFile) -> Self:
        names = file.ctx.reference.municipalities
        current = uow.datasets.current_figures()
        diff = statistics_diff(current, file.parsed.figures)
        plan = cls(diff=diff, current=current, names=names)
        if emptied := left_without_figures(current, diff):
            plan.refused = refused_report(file.parsed, all_figures_withdrawn(emptied, names), None)
            return plan
        # A statistics file closes nothing; a confirmation must then say 0.
        plan.judge(no_closures(file.run.confirm_closures, file.ctx.max_closure_pct), file)
        return plan

    def apply(
        self, uow: IngestUnitOfWork, *, version_id: int, now: datetime, correlation_id: str
    ) -> list[OutgoingEvent]:
        version = version_label(DatasetKind.STATISTICS, version_id)
        new_rows: list[dict[str, Any]] = []
        changed_rows: list[dict[str, Any]] = []
        for figure in self.diff.changed:
            row = {
                "municipality_code": figure.municipality_code,
                "indicator": figure.indicator,
                "year": figure.year,
                "value": figure.value,
                "source": figure.source,
                "dataset_version_id": version_id,
            }
            (changed_rows if figure.key in self.current else new_rows).append(row)
        uow.datasets.save_figures(new_rows, changed_rows)
        uow.datasets.delete_figures(self.diff.removed)
        codes = self.diff.municipalities
        versions = uow.datasets.statistics_versions(codes)
        all_figures = uow.datasets.figures_of(codes)
        new_versions: list[dict[str, Any]] = []
        changed_versions: list[dict[str, Any]] = []
        events: list[OutgoingEvent] = []
        for code in sorted(codes):
            aggregate_version = versions.get(code, 0) + 1
            row = {
                "municipality_code": code,
                "aggregate_version": aggregate_version,
                "dataset_version_id": version_id,
            }
            (changed_versions if code in versions else new_versions).append(row)
            payload = statistics_payload(code, self.names[code], all_figures[code], version)
            events.append(
                _event(statistics_contract.PUBLISHED, payload, aggregate_version, correlation_id)
            )
        uow.datasets.save_statistics_versions(new_versions, changed_versions)
        return events


def make_plan(
    ctx: IngestContext,
    uow: IngestUnitOfWork,
    run: ImportRun,
    parsed: ParsedFile,
    today: date,
    version: str,
) -> Plan:
    """The plan for the file's kind of dataset, against what ``uow`` holds now."""
    kind: type[RegisterPlan | StatisticsPlan] = (
        RegisterPlan if parsed.kind is DatasetKind.REGISTER else StatisticsPlan
    )
    return kind.make(uow, PlannedFile(ctx, run, parsed, today, version))
