"""The import use case on the in-memory fakes: what it stores, publishes and
refuses, without a database."""

from __future__ import annotations

import copy
import io
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dagkit.envelope import Envelope
from ingest.domain.imports import ImportRun, ImportStatus
from ingest.domain.model import DatasetKind
from ingest.domain.reference import ReferenceData
from ingest.service_layer import importing
from ingest.service_layer.context import IngestContext
from ingest.testing.fakes import FakeIngestUnitOfWork, FakeTables, fake_context
from ingest.testing.helpers import report_of, write_register

TODAY = date(2026, 11, 30)
INSTITUTIONS = "ingest.institutions.v1"
STATISTICS = "ingest.statistics.v1"
REGISTERED = "dk.dagtilbud.institution.registered.v1"
UPDATED = "dk.dagtilbud.institution.updated.v1"
CLOSED = "dk.dagtilbud.institution.closed.v1"
PUBLISHED = "dk.dagtilbud.statistics.published.v1"
HEADER = "kommunekode;kommune;aar;normering_0_2;normering_3_5\n"

Fake = tuple[IngestContext, FakeIngestUnitOfWork]


def run(ctx: IngestContext, path: Path, **options: Any) -> ImportRun:
    return importing.import_file(
        ctx, path, channel="cli", requested_by="test", today=TODAY, **options
    )


@pytest.fixture
def before(fake: Fake, tmp_path: Path, twenty: list[dict[str, str]]) -> FakeTables:
    """The tables once the twenty institutions are imported (as v1.csv)."""
    ctx, uow = fake
    assert run(ctx, write_register(tmp_path / "v1.csv", twenty)).status is ImportStatus.ACCEPTED
    return copy.deepcopy(uow.tables)


def events(uow: FakeIngestUnitOfWork, start: int = 0) -> list[tuple[str, Envelope]]:
    return uow.published[start:]


def statistics_file(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


@pytest.fixture
def twenty(national_rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Twenty units of the shipped register, in more than one municipality."""
    rows = [dict(row) for row in national_rows[:20]]
    assert len({row["kommunekode"] for row in rows}) >= 2
    return rows


def test_a_good_register_is_accepted_with_one_registered_event_per_institution(
    fake: Fake, tmp_path: Path, twenty: list[dict[str, str]]
) -> None:
    ctx, uow = fake
    done = run(ctx, write_register(tmp_path / "enheder.csv", twenty))

    assert done.status is ImportStatus.ACCEPTED, done.report
    assert done.dataset_kind is DatasetKind.REGISTER
    assert (done.rows_done, done.rows_total) == (20, 20)
    assert done.dataset_version_id == 1
    report = report_of(done)
    assert report["outcome"] == "accepted"
    assert report["dataset_version"] == "register:1"
    assert (report["diff"]["added"], report["diff"]["changed"], report["diff"]["closed"]) == (
        20,
        0,
        0,
    )
    assert [topic for topic, _ in uow.published] == [INSTITUTIONS] * 20
    assert [event.type for _, event in uow.published] == [REGISTERED] * 20
    assert [event.subject for _, event in uow.published] == [row["id"] for row in twenty]
    assert {event.aggregateversion for _, event in uow.published} == {1}
    assert {event.correlationid for _, event in uow.published} == {done.correlation_id}
    first = uow.published[0][1].data
    assert (first["name"], first["status"], first["dataset_version"]) == (
        twenty[0]["navn"],
        "active",
        "register:1",
    )
    assert set(uow.tables.institutions) == {row["id"] for row in twenty}
    assert uow.tables.locked == {DatasetKind.REGISTER}


def test_the_same_register_again_is_a_duplicate_and_publishes_nothing(
    fake: Fake, tmp_path: Path, twenty: list[dict[str, str]]
) -> None:
    ctx, uow = fake
    path = write_register(tmp_path / "enheder.csv", twenty)
    assert run(ctx, path).status is ImportStatus.ACCEPTED

    again = run(ctx, path)

    assert again.status is ImportStatus.DUPLICATE
    assert report_of(again)["dataset_version"] == "register:1"
    assert "register:1" in report_of(again)["summary_en"]
    assert len(uow.published) == 20
    assert list(uow.tables.versions) == [1]


def test_a_file_with_an_error_is_rejected_and_changes_nothing(
    fake: Fake, tmp_path: Path, twenty: list[dict[str, str]], before: FakeTables
) -> None:
    ctx, uow = fake
    broken = [dict(row) for row in twenty]
    broken[3]["kommunekode"] = "999"
    broken[5]["navn"] = broken[5]["navn"] + " (ny)"

    rejected = run(ctx, write_register(tmp_path / "v2.csv", broken))

    assert rejected.status is ImportStatus.REJECTED
    (problem,) = [p for p in report_of(rejected)["problems"] if p["severity"] == "error"]
    assert (problem["code"], problem["row"], problem["column"], problem["value"]) == (
        "unknown_municipality",
        5,
        "kommunekode",
        "999",
    )
    assert len(uow.published) == 20
    assert list(uow.tables.versions) == [1]
    assert uow.tables.institutions == before.institutions


def test_closing_more_than_the_limit_needs_the_confirmed_count(
    fake: Fake, tmp_path: Path, twenty: list[dict[str, str]]
) -> None:
    ctx, uow = fake
    assert run(ctx, write_register(tmp_path / "v1.csv", twenty)).status is ImportStatus.ACCEPTED
    shorter = write_register(tmp_path / "v2.csv", twenty[:15])  # closes 5 of 20: 25 %
    gone = [row["id"] for row in twenty[15:]]

    refused = run(ctx, shorter)
    assert refused.status is ImportStatus.REJECTED
    problem = report_of(refused)["problems"][0]
    assert problem["code"] == "mass_closure"
    assert "confirm_closures=5" in problem["message_en"]
    assert "5 of 20 active institutions (25.0 %, the limit is 5.0 %)" in problem["message_en"]
    closures = report_of(refused)["closures"]
    assert (closures["count"], closures["active_before"], closures["share_pct"]) == (5, 20, 25.0)

    mismatch = run(ctx, shorter, confirm_closures=4)
    assert mismatch.status is ImportStatus.REJECTED
    assert report_of(mismatch)["problems"][0]["code"] == "closure_count_mismatch"
    assert report_of(mismatch)["problems"][0]["value"] == "4"
    assert len(uow.published) == 20
    assert list(uow.tables.versions) == [1]

    confirmed = run(ctx, shorter, confirm_closures=5)
    assert confirmed.status is ImportStatus.ACCEPTED, confirmed.report
    closed = events(uow, 20)
    assert [(e.type, e.subject, e.aggregateversion) for _, e in closed] == [
        (CLOSED, number, 2) for number in gone
    ]
    assert {e.data["closed_on"] for _, e in closed} == {"2026-11-30"}
    assert {e.data["dataset_version"] for _, e in closed} == {"register:2"}
    assert {uow.tables.institutions[n]["status"] for n in gone} == {"closed"}


def test_a_dry_run_reports_the_changes_and_publishes_nothing(
    fake: Fake, tmp_path: Path, twenty: list[dict[str, str]], before: FakeTables
) -> None:
    ctx, uow = fake
    changed = [dict(row) for row in twenty[1:]]
    changed[0]["navn"] += " Syd"
    changed.append({**twenty[2], "id": "ZZ0001", "navn": "Nyt Børnehus"})

    dry = run(ctx, write_register(tmp_path / "v2.csv", changed), dry_run=True)

    assert dry.status is ImportStatus.ACCEPTED
    report = report_of(dry)
    assert (report["outcome"], report["dataset_version"]) == ("dry_run", None)
    diff = report["diff"]
    assert (diff["added"], diff["changed"], diff["closed"], diff["unchanged"]) == (1, 1, 1, 18)
    assert diff["added_samples"] == [{"institution_number": "ZZ0001", "name": "Nyt Børnehus"}]
    assert report["closures"]["count"] == 1
    assert len(uow.published) == 20
    assert uow.tables.versions == before.versions
    assert uow.tables.institutions == before.institutions


def test_a_statistics_file_publishes_one_event_per_changed_municipality(
    fake: Fake, tmp_path: Path
) -> None:
    ctx, uow = fake
    first = run(
        ctx,
        statistics_file(
            tmp_path / "s1.csv",
            "101;København;2023;3,1;5,8\n",
            "147;Frederiksberg;2023;3,0;6,1\n",
        ),
    )
    assert first.status is ImportStatus.ACCEPTED, first.report
    assert [(topic, e.type, e.subject, e.aggregateversion) for topic, e in uow.published] == [
        (STATISTICS, PUBLISHED, "kommune:101", 1),
        (STATISTICS, PUBLISHED, "kommune:147", 1),
    ]

    second = run(
        ctx,
        statistics_file(
            tmp_path / "s2.csv",
            "101;København;2023;3,1;5,8\n",
            "147;Frederiksberg;2023;3,4;6,1\n",
        ),
    )

    assert second.status is ImportStatus.ACCEPTED, second.report
    assert report_of(second)["diff"]["changed_figures"] == 1
    assert report_of(second)["diff"]["unchanged_figures"] == 3
    ((topic, event),) = events(uow, 2)
    assert (topic, event.subject, event.aggregateversion) == (STATISTICS, "kommune:147", 2)
    assert event.data["municipality_name"] == "Frederiksberg"
    assert event.data["dataset_version"] == "statistics:2"
    # The whole state of the municipality, not the change.
    assert [(f["indicator"], f["year"], f["value"]) for f in event.data["figures"]] == [
        ("normering_0_2", 2023, 3.4),
        ("normering_3_5", 2023, 6.1),
    ]


def test_withdrawing_every_figure_of_a_municipality_is_refused(fake: Fake, tmp_path: Path) -> None:
    ctx, uow = fake
    first = run(ctx, statistics_file(tmp_path / "s1.csv", "101;København;2023;3,1;5,8\n"))
    assert first.status is ImportStatus.ACCEPTED, first.report
    figures = copy.deepcopy(uow.tables.figures)

    refused = run(ctx, statistics_file(tmp_path / "s2.csv", "101;København;2023;..;..\n"))

    assert refused.status is ImportStatus.REJECTED
    (problem,) = report_of(refused)["problems"]
    assert (problem["code"], problem["value"]) == ("all_figures_withdrawn", "101")
    assert "København (101)" in problem["message_en"]
    assert uow.tables.figures == figures
    assert len(uow.published) == 1
    assert list(uow.tables.versions) == [1]


def test_an_upload_is_queued_and_a_worker_runs_it(fake: Fake) -> None:
    ctx, uow = fake
    content = HEADER.encode() + "101;København;2023;3,1;5,8\n".encode()
    queued = importing.queue_upload(
        ctx,
        io.BytesIO(content),
        filename="statistik.csv",
        channel="http",
        requested_by="dst:dst-uploader",
        correlation_id="c0ffee",
    )
    assert (queued.status, queued.attempts, queued.size_bytes) == (
        ImportStatus.QUEUED,
        0,
        len(content),
    )
    assert uow.published == []

    claimed = importing.claim_next(ctx)
    assert claimed is not None
    assert (claimed.id, claimed.status, claimed.attempts) == (queued.id, ImportStatus.RUNNING, 1)
    assert importing.claim_next(ctx) is None

    done = importing.process(ctx, claimed.id, claimed=True, today=TODAY)
    assert done.status is ImportStatus.ACCEPTED
    assert Counter(e.correlationid for _, e in uow.published) == {"c0ffee": 1}


def test_an_upload_over_the_limit_keeps_nothing(reference: ReferenceData, tmp_path: Path) -> None:
    ctx, uow = fake_context(reference, tmp_path, max_upload_bytes=1024)
    with pytest.raises(importing.UploadTooLarge):
        importing.queue_upload(
            ctx, io.BytesIO(b"x" * 2048), filename="big.csv", channel="http", requested_by=None
        )
    assert uow.tables.files == {}
    assert uow.tables.imports == {}
