"""Every kind of broken file is rejected whole through the real import path and
leaves no trace: no current rows, no dataset version, no events."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.adapters.orm import dataset_versions, institutions, statistics_figures
from ingest.domain.imports import ImportRun, ImportStatus
from ingest.service_layer.context import IngestContext
from ingest.testing.helpers import (
    REGISTER,
    STATISTICS,
    count,
    nothing_stored,
    outbox,
    report_of,
)

Run = Callable[..., ImportRun]

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = sorted(
    [p for p in FIXTURES.iterdir() if p.name.startswith("broken_")]
    + [FIXTURES / "empty.csv", FIXTURES / "garbage.bin"]
)


def zip_bomb(path: Path) -> Path:
    """An XLSX-shaped zip whose sheet inflates to hundreds of megabytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"0" * (1024 * 1024)
            for _ in range(300):
                sheet.write(block)
    return path


@pytest.mark.parametrize("path", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_file_is_rejected_and_leaves_no_trace(
    path: Path, ctx: IngestContext, run_import: Run
) -> None:
    run = run_import(path)
    assert run.status is ImportStatus.REJECTED, run.report
    report = report_of(run)
    assert report["errors"] >= 1
    first = report["problems"][0]
    assert first["message_da"]
    assert first["message_en"]
    assert nothing_stored(ctx)
    assert count(ctx, dataset_versions) == 0


def test_a_zip_bomb_is_refused_before_it_is_opened(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    run = run_import(zip_bomb(tmp_path / "bomb.xlsx"))
    assert run.status is ImportStatus.REJECTED
    assert nothing_stored(ctx)


def test_a_rejected_file_leaves_the_previous_version_current(
    ctx: IngestContext, run_import: Run
) -> None:
    run_import(REGISTER)
    before = outbox(ctx)
    run = run_import(FIXTURES / "broken_duplicate_numbers.csv")
    assert run.status is ImportStatus.REJECTED
    assert outbox(ctx) == before
    assert count(ctx, institutions) == 4611
    assert count(ctx, dataset_versions) == 1


# Files whose every cell parses but which hold one thing that cannot be true;
# each was accepted (and published) before its check existed.
IMPLAUSIBLE = {
    "broken_mixed_encoding.csv": ("bad_encoding", 5, "adresse"),
    "broken_stil_adm_municipality.csv": ("unknown_municipality", 5, "admKommuneKode_Tekst"),
    "broken_capacity.csv": ("out_of_range", 2, "kapacitet"),
    "broken_long_name.csv": ("too_long", 3, "navn"),
    "broken_control_character.csv": ("control_character", 3, "navn"),
    "broken_coordinates_elsewhere.csv": ("outside_municipality", 3, "lat"),
    "broken_postcode_elsewhere.csv": ("postcode_outside_municipality", 3, "postnr"),
    "broken_dst_duplicate_area.csv": ("duplicate_figure", 3, "INDHOLD"),
    "broken_antal_boern.csv": ("out_of_range", 3, "antal_boern"),
}


@pytest.mark.parametrize("name", sorted(IMPLAUSIBLE))
def test_an_implausible_file_is_rejected_for_its_defect_with_row_and_column(
    name: str, ctx: IngestContext, run_import: Run
) -> None:
    run = run_import(FIXTURES / name)

    assert run.status is ImportStatus.REJECTED, run.report
    first = report_of(run)["problems"][0]
    assert (first["code"], first["row"], first["column"]) == IMPLAUSIBLE[name]
    assert first["message_da"]
    assert first["message_en"]
    assert nothing_stored(ctx)


def test_a_rejected_statistics_file_leaves_the_figures_and_events_as_they_were(
    ctx: IngestContext, run_import: Run
) -> None:
    # 10^12 children in Frederiksberg would have moved every national figure.
    assert run_import(STATISTICS).status is ImportStatus.ACCEPTED
    before = (outbox(ctx), count(ctx, statistics_figures))

    for name in ("broken_antal_boern.csv", "broken_dst_duplicate_area.csv"):
        assert run_import(FIXTURES / name).status is ImportStatus.REJECTED

    assert (outbox(ctx), count(ctx, statistics_figures)) == before
    assert count(ctx, dataset_versions) == 1
