"""Imports end to end on real PostgreSQL: versions, diffs, events, no traces."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from dagtilbud_contracts.registry import validate_event
from ingest.adapters.orm import dataset_versions, institutions, statistics_figures
from ingest.domain.imports import ImportRun, ImportStatus
from ingest.service_layer.context import IngestContext
from ingest.testing.helpers import (
    REGISTER,
    STATISTICS,
    count,
    nothing_stored,
    outbox,
    register_rows,
    report_of,
    write_register,
)

Run = Callable[..., ImportRun]


def test_national_register_is_imported_with_one_event_per_institution(
    ctx: IngestContext, run_import: Run
) -> None:
    run = run_import(REGISTER)
    assert run.status is ImportStatus.ACCEPTED, run.report
    assert report_of(run)["diff"]["added"] == 4611
    assert count(ctx, institutions) == 4611
    events = outbox(ctx)
    assert len(events) == 4611
    assert {e["topic"] for e in events} == {"ingest.institutions.v1"}
    assert Counter(e["event_type"] for e in events) == {
        "dk.dagtilbud.institution.registered.v1": 4611
    }
    # Every event is a valid contract event with the full state.
    for event in events:
        validate_event(json.loads(event["payload"]))
    first = json.loads(events[0]["payload"])
    envelope = validate_event(first)
    assert envelope.subject == first["data"]["institution_number"] == events[0]["message_key"]
    assert envelope.aggregateversion == 1
    assert first["data"]["dataset_version"] == f"register:{run.dataset_version_id}"


def test_the_same_file_again_is_a_no_op_that_says_so(ctx: IngestContext, run_import: Run) -> None:
    run_import(REGISTER)
    again = run_import(REGISTER)
    assert again.status is ImportStatus.DUPLICATE
    assert "already imported" in report_of(again)["summary_en"]
    assert "allerede indlæst" in report_of(again)["summary_da"]
    assert len(outbox(ctx)) == 4611
    assert count(ctx, dataset_versions) == 1


def test_one_changed_row_publishes_exactly_one_event(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    rows = register_rows()
    run_import(write_register(tmp_path / "v1.csv", rows))
    rows[100]["navn"] = rows[100]["navn"] + " (ny)"
    second = run_import(write_register(tmp_path / "v2.csv", rows))
    assert second.status is ImportStatus.ACCEPTED
    assert report_of(second)["diff"]["changed"] == 1
    assert report_of(second)["diff"]["unchanged"] == 4610
    events = outbox(ctx)[4611:]
    assert len(events) == 1
    (event,) = events
    data = json.loads(event["payload"])
    assert event["event_type"] == "dk.dagtilbud.institution.updated.v1"
    assert data["subject"] == rows[100]["id"]
    assert data["aggregateversion"] == 2
    assert data["data"]["name"].endswith("(ny)")


def test_an_institution_missing_from_a_full_register_is_closed(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    rows = register_rows()
    run_import(write_register(tmp_path / "v1.csv", rows))
    gone = rows.pop(7)
    run = run_import(write_register(tmp_path / "v2.csv", rows))
    assert report_of(run)["diff"]["closed"] == 1
    (event,) = outbox(ctx)[4611:]
    data = json.loads(event["payload"])
    assert event["event_type"] == "dk.dagtilbud.institution.closed.v1"
    assert data["subject"] == gone["id"]
    assert data["data"]["status"] == "closed"
    assert data["data"]["closed_on"] is not None
    validate_event(data)


def test_statistics_publish_one_event_per_municipality_with_all_its_figures(
    ctx: IngestContext, run_import: Run
) -> None:
    run = run_import(STATISTICS)
    assert run.status is ImportStatus.ACCEPTED, run.report
    events = outbox(ctx)
    assert len(events) == 98
    by_subject = {e["message_key"]: json.loads(e["payload"]) for e in events}
    for raw in by_subject.values():
        validate_event(raw)
    copenhagen = by_subject["kommune:101"]
    figures = {(f["indicator"], f["year"]): f["value"] for f in copenhagen["data"]["figures"]}
    assert figures[("normering_0_2", 2017)] == 3.1
    assert figures[("normering_3_5", 2023)] == 5.8
    assert figures[("andel_paedagogisk_uddannet_pct", 2023)] == 52.4
    assert figures[("antal_boern", 2023)] == 30467
    assert count(ctx, statistics_figures) > 2000


def test_a_changed_figure_republishes_only_its_municipality(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    run_import(STATISTICS)
    text = STATISTICS.read_text(encoding="utf-8").replace(
        "147;Frederiksberg;2023;3;", "147;Frederiksberg;2023;3.4;"
    )
    changed = tmp_path / "statistik.csv"
    changed.write_text(text, encoding="utf-8")
    run = run_import(changed)
    assert report_of(run)["diff"]["changed_figures"] == 1
    (event,) = outbox(ctx)[98:]
    data = json.loads(event["payload"])
    assert data["subject"] == "kommune:147"
    assert data["aggregateversion"] == 2
    values = {(f["indicator"], f["year"]): f["value"] for f in data["data"]["figures"]}
    assert values[("normering_0_2", 2023)] == 3.4
    assert values[("normering_3_5", 2017)] is not None  # the whole state, not the diff


def test_dry_run_reports_the_diff_and_changes_nothing(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    rows = register_rows()
    run_import(write_register(tmp_path / "v1.csv", rows))
    rows[0]["navn"] += " Syd"
    del rows[1]
    rows.append({**rows[2], "id": "ZZ0001", "navn": "Nyt Børnehus"})
    dry = run_import(write_register(tmp_path / "v2.csv", rows), dry_run=True)
    assert dry.status is ImportStatus.ACCEPTED
    assert report_of(dry)["outcome"] == "dry_run"
    diff = report_of(dry)["diff"]
    assert (diff["added"], diff["changed"], diff["closed"]) == (1, 1, 1)
    assert diff["added_samples"] == [{"institution_number": "ZZ0001", "name": "Nyt Børnehus"}]
    assert len(outbox(ctx)) == 4611
    assert count(ctx, dataset_versions) == 1


def test_a_broken_file_is_rejected_whole_and_leaves_no_trace(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    rows = register_rows()
    rows[10]["kommunekode"] = "999"
    rows[20]["id"] = rows[19]["id"]
    run = run_import(write_register(tmp_path / "broken.csv", rows))
    assert run.status is ImportStatus.REJECTED
    codes = {(p["code"], p["row"]) for p in report_of(run)["problems"]}
    assert ("unknown_municipality", 12) in codes
    assert ("duplicate_institution_number", 22) in codes
    assert nothing_stored(ctx)
    assert count(ctx, dataset_versions) == 0
