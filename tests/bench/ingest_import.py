"""Ingest: the national register plus all statistics end to end, and a
generated 200,000-row DST statistics file against a bare csv.reader."""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from dagkit.migrations import upgrade
from ingest.bootstrap import build_context
from ingest.config import load_settings
from ingest.domain.imports import ImportStatus
from ingest.service_layer import importing
from tests.bench.kit_roundtrip import fresh_database
from tests.tools.services import ROOT

REGISTER = ROOT / "data" / "dagtilbud_enheder_dk.csv"
STATISTICS = ROOT / "data" / "dagtilbud_kommune_statistik_2017_2023.csv"
GENERATED_ROWS = 200_000
# DST FOLK1E as the API delivers it: population by area, sex, age, origin, quarter.
ORIGINS = ("1", "24", "25", "34", "35")


def generate_folk1e(path: Path, rows: int) -> None:
    from dagtilbud_contracts.municipalities import MUNICIPALITIES

    codes = sorted(MUNICIPALITIES)
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(["OMRÅDE", "KØN", "ALDER", "HERKOMST", "TID", "INDHOLD"])
        year, quarter = 2000, 1
        while written < rows:
            for code in codes:
                for sex in ("1", "2"):
                    for age in range(6):
                        for origin in ORIGINS:
                            count = 40 + (code * 7 + age * 3 + int(origin)) % 300
                            writer.writerow([code, sex, age, origin, f"{year}K{quarter}", count])
                            written += 1
                            if written == rows:
                                return
            quarter += 1
            if quarter == 5:
                year, quarter = year + 1, 1


def bare_csv_seconds(path: Path) -> float:
    started = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for _row in csv.reader(fh, delimiter=";"):
            pass
    return time.perf_counter() - started


def national_import_seconds(url: str, data_dir: str) -> tuple[float, dict[str, str]]:
    upgrade(ROOT / "services" / "ingest", url)
    ctx = build_context(load_settings({"DATABASE_URL": url, "DATA_DIR": data_dir}))
    statuses = {}
    started = time.perf_counter()
    for path in (REGISTER, STATISTICS):
        run = importing.import_file(ctx, path, channel="cli", requested_by="bench")
        statuses[path.name] = run.status.value
    elapsed = time.perf_counter() - started
    ctx.close()
    return elapsed, statuses


def generated_import(url: str, data_dir: str, path: Path) -> tuple[float, float, float, str]:
    """Run the CLI in its own process so its peak memory is its own; the import's
    own duration comes from its record (the process also starts Python)."""
    upgrade(ROOT / "services" / "ingest", url)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "ingest.entrypoints.cli", "import", "--quiet", "--json", str(path)],
        env={**os.environ, "DATABASE_URL": url, "DATA_DIR": data_dir},
        capture_output=True,
        text=True,
        check=False,
    )
    process_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    try:
        run = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return process_seconds, process_seconds, peak_mb, proc.stdout[-300:] + proc.stderr[-300:]
    import_seconds = (
        datetime.fromisoformat(run["finished_at"]) - datetime.fromisoformat(run["started_at"])
    ).total_seconds()
    return import_seconds, process_seconds, peak_mb, run["status"]


def run() -> dict[str, bool]:
    with tempfile.TemporaryDirectory() as data_dir:
        with fresh_database() as url:
            national, statuses = national_import_seconds(url, data_dir)
        generated = Path(data_dir) / "folk1e_200k.csv"
        generate_folk1e(generated, GENERATED_ROWS)
        bare = bare_csv_seconds(generated)
        with fresh_database() as url:
            elapsed, process_seconds, peak_mb, status = generated_import(url, data_dir, generated)
    rate = GENERATED_ROWS / elapsed
    print("== ingest ==")
    print(
        f"national register (4,611 units) + statistics 2017-2023, end to end: {national:.2f} s"
        f"  {statuses}  (target < 2 s)"
    )
    print(
        f"generated DST FOLK1E file, {GENERATED_ROWS:,} rows: import {elapsed:.2f} s ="
        f" {rate:,.0f} rows/s (whole CLI process {process_seconds:.2f} s),"
        f" peak memory {peak_mb:.0f} MB  (targets >= 50,000 rows/s, < 300 MB) [{status}]"
    )
    print(
        f"bare csv.reader over the same file: {bare:.2f} s = {GENERATED_ROWS / bare:,.0f} rows/s;"
        f" import/bare time ratio {elapsed / bare:.1f}x"
    )
    all_accepted = all(s == ImportStatus.ACCEPTED for s in statuses.values())
    return {
        "national import < 2 s": national < 2.0 and all_accepted,
        "generated file >= 50,000 rows/s": rate >= 50_000 and ImportStatus.ACCEPTED in status,
        "generated file peak memory < 300 MB": peak_mb < 300,
    }
