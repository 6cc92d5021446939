"""A register file that would close many institutions, or empty a municipality,
is refused unless the uploader confirms the exact number of closures."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from ingest.adapters.orm import dataset_versions, imports, institutions
from ingest.bootstrap import context
from ingest.domain.imports import ImportRun, ImportStatus
from ingest.entrypoints.worker import Worker
from ingest.service_layer import drop_folder, importing
from ingest.service_layer.context import IngestContext
from ingest.testing.drops import drop_one
from ingest.testing.helpers import (
    REGISTER,
    count,
    engine_of,
    outbox,
    register_rows,
    report_of,
    write_register,
)

Run = Callable[..., ImportRun]
NATIONAL = 4611


def run_with(ctx: IngestContext, path: Path, **options: Any) -> ImportRun:
    return importing.import_file(ctx, path, channel="cli", requested_by="test", **options)


def active(ctx: IngestContext) -> int:
    with engine_of(ctx).connect() as conn:
        rows = conn.execute(select(institutions.c.status)).scalars()
        return sum(1 for status in rows if status == "active")


def unchanged_since_national(ctx: IngestContext) -> bool:
    return (
        active(ctx) == NATIONAL
        and len(outbox(ctx)) == NATIONAL
        and count(ctx, dataset_versions) == 1
    )


def seven_rows(tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    rows = register_rows()
    return write_register(tmp_path / "enheder_7.csv", rows[:7]), rows[7:]


Seven = tuple[Path, list[dict[str, str]]]


@pytest.fixture
def seven(run_import: Run, tmp_path: Path) -> Seven:
    """The national register imported; a file of its first seven rows, and
    the rows that file leaves out."""
    run_import(REGISTER)
    return seven_rows(tmp_path)


def stil_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A STIL export with rows of (dagtilbudsType, instType3)."""
    header = (
        "dagtilbudsType;aktivitetsstatus;daginstitutionsNummer;anvisningsenhedsNummer;"
        "dagtilbudsNavn;instType3;ejerformKode;kommuneKode_Tekst;vejNavn;husNummer;"
        "postNummer;byNavn;geoBredde;geoLaengde\n"
    )
    lines = [
        f"{unit};Aktiv;G1{n:04d};G1{n:04d};Fritter {n};{inst};1;101;Vej;{n};2300;"
        "København S;55,66;12,57\n"
        for n, (unit, inst) in enumerate(rows)
    ]
    path.write_bytes(("\ufeff" + header + "".join(lines)).encode("utf-8"))
    return path


def test_a_seven_row_register_is_refused_with_what_it_would_close(
    ctx: IngestContext, run_import: Run, seven: Seven
) -> None:
    path, missing = seven
    run = run_import(path)
    assert run.status is ImportStatus.REJECTED
    report = report_of(run)
    (problem,) = [p for p in report["problems"] if p["code"] == "mass_closure"]
    assert problem["severity"] == "error"
    assert "confirm_closures=4604" in problem["message_en"]
    assert "confirm_closures=4604" in problem["message_da"]
    assert "4,604 of 4,611" in problem["message_en"]
    assert "4.604 af 4.611" in problem["message_da"]
    assert report["closures"]["count"] == len(missing) == 4604
    assert report["closures"]["confirmation_required"] is True
    assert "Nothing was stored or published" in report["summary_en"]
    assert unchanged_since_national(ctx)


def test_the_dry_run_says_exactly_what_would_close_per_municipality(
    ctx: IngestContext, run_import: Run, seven: Seven
) -> None:
    path, missing = seven
    dry = run_import(path, dry_run=True)
    assert dry.status is ImportStatus.ACCEPTED
    report = report_of(dry)
    assert report["outcome"] == "dry_run"
    closures = report["closures"]
    assert closures["count"] == 4604
    assert closures["active_before"] == NATIONAL
    assert closures["limit_pct"] == 5.0
    expected: dict[int, set[tuple[str, str]]] = {}
    for row in missing:
        expected.setdefault(int(row["kommunekode"]), set()).add((row["id"], row["navn"]))
    listed = {m["municipality_code"]: m for m in closures["municipalities"]}
    assert set(listed) == set(expected)
    for code, place in listed.items():
        assert place["count"] == len(expected[code])
        assert {(i["institution_number"], i["name"]) for i in place["institutions"]} == (
            expected[code]
        )
    assert listed[101]["municipality_name"] == "København"
    kept = {int(row["kommunekode"]) for row in register_rows()[:7]}
    emptied = {code for code, m in listed.items() if m["left_without_active_institutions"]}
    assert emptied == set(expected) - kept
    (warning,) = [p for p in report["problems"] if p["code"] == "mass_closure"]
    assert warning["severity"] == "warning"
    assert "confirm_closures=4604" in report["summary_en"]
    assert unchanged_since_national(ctx)


def test_a_wrong_confirmation_is_refused_and_says_the_right_count(
    ctx: IngestContext, run_import: Run, seven: Seven
) -> None:
    run = run_with(ctx, seven[0], confirm_closures=4000)
    assert run.status is ImportStatus.REJECTED
    (problem,) = [p for p in report_of(run)["problems"] if p["code"] == "closure_count_mismatch"]
    assert "confirm_closures=4604" in problem["message_en"]
    assert "confirm_closures=4604" in problem["message_da"]
    assert problem["value"] == "4000"
    assert unchanged_since_national(ctx)


def test_a_confirmation_with_the_exact_count_closes_them(
    ctx: IngestContext, run_import: Run, seven: Seven
) -> None:
    run = run_with(ctx, seven[0], confirm_closures=4604)
    assert run.status is ImportStatus.ACCEPTED, run.report
    assert run.confirm_closures == 4604
    assert report_of(run)["diff"]["closed"] == 4604
    assert active(ctx) == 7
    events = outbox(ctx)[NATIONAL:]
    assert Counter(e["event_type"] for e in events) == {"dk.dagtilbud.institution.closed.v1": 4604}


def test_a_municipality_left_without_institutions_needs_confirmation(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    run_import(REGISTER)
    rows = [row for row in register_rows() if row["kommunekode"] != "563"]  # Fanø: 2 of 4,611
    path = write_register(tmp_path / "uden_fanoe.csv", rows)
    run = run_import(path)
    assert run.status is ImportStatus.REJECTED
    (problem,) = [p for p in report_of(run)["problems"] if p["code"] == "mass_closure"]
    assert "Fanø (563)" in problem["message_en"]
    assert "Fanø (563)" in problem["message_da"]
    assert "confirm_closures=2" in problem["message_en"]
    (place,) = report_of(run)["closures"]["municipalities"]
    assert (place["municipality_code"], place["count"]) == (563, 2)
    assert place["left_without_active_institutions"] is True
    assert unchanged_since_national(ctx)
    assert run_with(ctx, path, confirm_closures=2).status is ImportStatus.ACCEPTED
    assert active(ctx) == NATIONAL - 2


def test_closures_within_the_limit_need_no_confirmation_and_the_limit_is_a_setting(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    run_import(REGISTER)
    rows = register_rows()
    # 200 closures (4.3 %) spread over large municipalities, none left empty.
    gone = {row["id"] for row in rows if row["kommunekode"] in ("101", "751")}
    gone = set(sorted(gone)[:200])
    path = write_register(tmp_path / "v2.csv", [r for r in rows if r["id"] not in gone])
    strict = dataclasses.replace(ctx, max_closure_pct=4.0)
    refused = run_with(strict, path)
    assert refused.status is ImportStatus.REJECTED
    assert "limit is 4.0 %" in report_of(refused)["problems"][0]["message_en"]
    accepted = run_import(path)
    assert accepted.status is ImportStatus.ACCEPTED, accepted.report
    assert report_of(accepted)["closures"]["count"] == 200
    assert report_of(accepted)["closures"]["confirmation_required"] is False
    assert active(ctx) == NATIONAL - 200


@pytest.mark.parametrize(
    "units",
    [
        [("anvisningsenhed", "6020")] * 5 + [("anvisningsenhed", "6021")] * 5,
        [("daginstitution", "6011")] * 10,
    ],
    ids=["only_sfo_and_klub", "no_anvisningsenhed"],
)
def test_a_stil_export_without_daycare_units_closes_nothing(
    ctx: IngestContext, run_import: Run, tmp_path: Path, units: list[tuple[str, str]]
) -> None:
    run_import(REGISTER)
    run = run_import(stil_file(tmp_path / "stil.csv", units))
    assert run.status is ImportStatus.REJECTED
    if "closures" in report_of(run):  # else the reader itself refused the file
        assert report_of(run)["problems"][0]["code"] == "mass_closure"
        assert report_of(run)["closures"]["count"] == NATIONAL
    assert unchanged_since_national(ctx)


def test_the_drop_folder_cannot_confirm_so_it_refuses_with_the_report(
    ctx: IngestContext, run_import: Run, tmp_path: Path
) -> None:
    run_import(REGISTER)
    path, _ = seven_rows(tmp_path)
    drop, _ = drop_one(tmp_path, "enheder.csv", path.read_bytes())
    for ready in drop_folder.ready_files(drop, now=time.time() + 60):
        drop_folder.import_dropped(ctx, drop, ready)
    report = json.loads((drop / "rejected" / "enheder.csv.report.json").read_text())
    assert report["status"] == ImportStatus.REJECTED
    assert report["report"]["problems"][0]["code"] == "mass_closure"
    assert report["report"]["closures"]["count"] == 4604
    assert (drop / "rejected" / "enheder.csv").exists()
    assert unchanged_since_national(ctx)


def test_the_upload_form_takes_the_confirmation(
    app: Flask, auth_header: dict[str, str], tmp_path: Path
) -> None:
    ctx = context(app)
    rows = register_rows()[:300]
    first = write_register(tmp_path / "v1.csv", rows).read_bytes()
    second = write_register(tmp_path / "v2.csv", rows[:280]).read_bytes()
    client = app.test_client()
    worker = Worker(ctx, tmp_path / "drop")

    def upload(content: bytes, **form: str) -> dict[str, Any]:
        response = client.post(
            "/v1/imports",
            data={"file": (io.BytesIO(content), "enheder.csv"), **form},
            headers=auth_header,
        )
        assert response.status_code == 202, response.get_json()
        assert worker.run_once()
        return dict(
            client.get(f"/v1/imports/{response.get_json()['id']}", headers=auth_header).get_json()
        )

    assert upload(first)["status"] == ImportStatus.ACCEPTED
    dry = upload(second, dry_run="true")
    assert dry["report"]["closures"]["count"] == 20
    refused = upload(second)
    assert refused["status"] == ImportStatus.REJECTED
    assert refused["report"]["problems"][0]["code"] == "mass_closure"
    done = upload(second, confirm_closures="20")
    assert done["status"] == ImportStatus.ACCEPTED
    assert done["confirm_closures"] == 20
    assert active(ctx) == 280


@pytest.mark.parametrize("value", ["-1", "1000001", "many", "2.5", ""])
def test_a_malformed_confirmation_is_a_clear_error(
    app: Flask, auth_header: dict[str, str], value: str
) -> None:
    response = app.test_client().post(
        "/v1/imports",
        data={"file": (io.BytesIO(b"a;b\n"), "x.csv"), "confirm_closures": value},
        headers=auth_header,
    )
    assert response.status_code == 422
    assert "confirm_closures" in response.get_json()["errors"]["multipart"]
    assert count(context(app), imports) == 0


def test_the_cli_takes_the_confirmation(
    ctx: IngestContext,
    run_import: Run,
    seven: Seven,
    tmp_path: Path,
    pg_database: str,
    kafka_bootstrap: str,
) -> None:
    path, _ = seven
    env = {
        **os.environ,
        "DATABASE_URL": pg_database,
        "DATA_DIR": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "LOG_LEVEL": "WARNING",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ingest.entrypoints.cli", "import", "--quiet", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    dry = cli("--dry-run", str(path))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "closes 4604 of 4611 active institutions" in dry.stdout
    assert "101 København:" in dry.stdout
    refused = cli(str(path))
    assert refused.returncode == 1
    assert "confirm_closures=4604" in refused.stdout
    assert unchanged_since_national(ctx)
    bad = cli("--confirm-closures", "-3", str(path))
    assert bad.returncode == 2
    assert "--confirm-closures" in bad.stderr
    done = cli("--confirm-closures", "4604", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert active(ctx) == 7
