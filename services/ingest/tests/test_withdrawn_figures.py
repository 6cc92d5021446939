"""A figure published by mistake is withdrawn by a statistics file row whose
value is DST's missing marker ``..``: it leaves the current statistics and the
municipality's event, and search's national figures are computed without it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

import search
from dagkit.db import make_engine, make_session_factory
from dagkit.envelope import Envelope
from dagkit.migrations import upgrade
from dagkit.testing.fixtures import temporary_database
from dagtilbud_contracts.registry import validate_event
from ingest.adapters.orm import dataset_versions, statistics_figures
from ingest.domain.imports import ImportRun, ImportStatus
from ingest.service_layer.context import IngestContext
from ingest.testing.helpers import STATISTICS, count, engine_of, outbox, report_of
from search.adapters.orm import municipality_statistics, national_figures
from search.domain.figures import national_figures as compute_national
from search.service_layer.handlers import apply_events
from search.service_layer.unit_of_work import SqlSearchUnitOfWork

Run = Callable[..., ImportRun]
SEARCH_ROOT = Path(search.__file__).resolve().parents[2]
HEADER = "kommunekode;kommune;aar;normering_0_2;normering_3_5\n"


@pytest.fixture
def search_engine(postgres_url: str) -> Iterator[Engine]:
    """search's read model on a database of its own, as in production."""
    with temporary_database(postgres_url, "test_search") as url:
        upgrade(SEARCH_ROOT, url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


def events(ctx: IngestContext, start: int = 0) -> list[Envelope]:
    return [validate_event(json.loads(e["payload"])) for e in outbox(ctx)[start:]]


def apply(engine: Engine, batch: list[Envelope]) -> None:
    with SqlSearchUnitOfWork(make_session_factory(engine)) as uow:
        apply_events(uow.read_model, batch)
        uow.commit()


def national(engine: Engine, indicator: str, year: int) -> tuple[float | None, int]:
    nf = national_figures
    with engine.connect() as conn:
        row = conn.execute(
            select(nf.c.value, nf.c.municipalities).where(
                nf.c.indicator == indicator, nf.c.year == year
            )
        ).one()
    return row.value, row.municipalities


def figures(data: dict[str, Any]) -> dict[tuple[str, int], float | None]:
    return {(f["indicator"], f["year"]): f["value"] for f in data["figures"]}


def held(ctx: IngestContext, code: int, indicator: str, year: int) -> bool:
    sf = statistics_figures
    with engine_of(ctx).connect() as conn:
        return (
            conn.execute(
                select(sf.c.value).where(
                    sf.c.municipality_code == code, sf.c.indicator == indicator, sf.c.year == year
                )
            ).first()
            is not None
        )


def test_a_missing_marker_withdraws_the_figure_and_national_figures_recompute(
    ctx: IngestContext, run_import: Run, tmp_path: Path, search_engine: Engine
) -> None:
    run_import(STATISTICS)
    first = events(ctx)
    apply(search_engine, first)
    before = national(search_engine, "normering_0_2", 2023)
    published = {e.data["municipality_code"]: e.data for e in first}
    assert figures(published[147])[("normering_0_2", 2023)] == 3.0

    path = tmp_path / "tilbagetraek.csv"
    path.write_text(HEADER + "147;Frederiksberg;2023;..;\n", encoding="utf-8")
    run = run_import(path)
    assert run.status is ImportStatus.ACCEPTED, run.report
    diff = report_of(run)["diff"]
    assert (diff["changed_figures"], diff["removed_figures"]) == (0, 1)
    assert diff["removed_samples"] == [
        {"municipality_code": 147, "indicator": "normering_0_2", "year": 2023}
    ]
    assert not held(ctx, 147, "normering_0_2", 2023)
    assert held(ctx, 147, "normering_3_5", 2023)

    (event,) = events(ctx, len(first))
    assert event.subject == "kommune:147"
    assert event.aggregateversion == 2
    now = figures(event.data)
    assert ("normering_0_2", 2023) not in now  # absent, not null
    assert None not in now.values()
    assert set(now) == set(figures(published[147])) - {("normering_0_2", 2023)}

    apply(search_engine, [event])
    with search_engine.connect() as conn:
        stored = conn.execute(
            select(municipality_statistics.c.figures).where(
                municipality_statistics.c.municipality_code == 147
            )
        ).scalar_one()
    assert ("normering_0_2", 2023) not in figures({"figures": stored})
    published[147] = event.data
    expected = next(
        f
        for f in compute_national({code: d["figures"] for code, d in published.items()})
        if (f.indicator, f.year) == ("normering_0_2", 2023)
    )
    after = national(search_engine, "normering_0_2", 2023)
    assert after == (expected.value, expected.municipalities)
    assert after[1] == before[1] - 1
    assert after != before


def test_withdrawing_a_figure_the_portal_does_not_hold_changes_nothing(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    run_import(STATISTICS)
    path = tmp_path / "intet.csv"
    path.write_text(HEADER + "147;Frederiksberg;2010;..;..\n", encoding="utf-8")
    run = run_import(path)
    assert run.status is ImportStatus.ACCEPTED, run.report
    assert report_of(run)["diff"]["removed_figures"] == 0
    assert report_of(run)["diff"]["unchanged_figures"] == 2
    assert len(outbox(ctx)) == 98
    assert not held(ctx, 147, "normering_0_2", 2010)


def test_a_figure_is_never_stored_as_missing(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    path = tmp_path / "ny.csv"
    path.write_text(HEADER + "101;København;2023;3,1;..\n", encoding="utf-8")
    run = run_import(path)
    assert run.status is ImportStatus.ACCEPTED, run.report
    (event,) = events(ctx)
    assert figures(event.data) == {("normering_0_2", 2023): 3.1}
    assert count(ctx, statistics_figures) == 1


@pytest.mark.parametrize("dry_run", [True, False])
def test_withdrawing_every_figure_of_a_municipality_is_refused(
    ctx: IngestContext, run_import: Run, tmp_path: Path, dry_run: bool
) -> None:
    first = tmp_path / "v1.csv"
    first.write_text(HEADER + "101;København;2023;3,1;5,8\n", encoding="utf-8")
    assert run_import(first).status is ImportStatus.ACCEPTED
    path = tmp_path / "alt.csv"
    path.write_text(HEADER + "101;København;2023;..;..\n", encoding="utf-8")
    run = run_import(path, dry_run=dry_run)
    assert run.status is ImportStatus.REJECTED
    (problem,) = report_of(run)["problems"]
    assert problem["code"] == "all_figures_withdrawn"
    assert "København (101)" in problem["message_en"]
    assert "København (101)" in problem["message_da"]
    assert held(ctx, 101, "normering_0_2", 2023)
    assert len(outbox(ctx)) == 1
    assert count(ctx, dataset_versions) == 1


def test_a_dst_table_withdraws_with_its_missing_marker_too(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    first = tmp_path / "portal.csv"
    first.write_text(HEADER + "101;København;2023;3,1;5,8\n", encoding="utf-8")
    assert run_import(first).status is ImportStatus.ACCEPTED
    boern8 = tmp_path / "BOERN8.csv"
    boern8.write_text("KOMMUNEDK;PASKAT;TID;INDHOLD\n101;2;2023;..\n", encoding="utf-8")
    run = run_import(boern8)
    assert run.status is ImportStatus.ACCEPTED, run.report
    assert report_of(run)["diff"]["removed_figures"] == 1
    (event,) = events(ctx, 1)
    assert figures(event.data) == {("normering_3_5", 2023): 5.8}
