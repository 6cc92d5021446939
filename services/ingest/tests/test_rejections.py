"""Every kind of broken file is rejected whole through the real import path and
leaves no trace: no current rows, no dataset version, no events."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ingesthelpers import REGISTER, count, nothing_stored, outbox

from ingest.adapters.orm import dataset_versions, institutions
from ingest.service_layer.importing import IngestContext

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
    path: Path, ctx: IngestContext, run_import: Callable[..., dict[str, Any]]
) -> None:
    run = run_import(path)
    assert run["status"] == "rejected", run["report"]
    report = run["report"]
    assert report["errors"] >= 1
    first = report["problems"][0]
    assert first["message_da"]
    assert first["message_en"]
    assert nothing_stored(ctx)
    assert count(ctx, dataset_versions) == 0


def test_a_zip_bomb_is_refused_before_it_is_opened(
    ctx: IngestContext, run_import: Callable[..., dict[str, Any]], tmp_path: Path
) -> None:
    run = run_import(zip_bomb(tmp_path / "bomb.xlsx"))
    assert run["status"] == "rejected"
    assert nothing_stored(ctx)


def test_a_rejected_file_leaves_the_previous_version_current(
    ctx: IngestContext, run_import: Callable[..., dict[str, Any]]
) -> None:
    run_import(REGISTER)
    before = outbox(ctx)
    run = run_import(FIXTURES / "broken_duplicate_numbers.csv")
    assert run["status"] == "rejected"
    assert outbox(ctx) == before
    assert count(ctx, institutions) == 4611
    assert count(ctx, dataset_versions) == 1
