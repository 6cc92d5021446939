"""The in-memory ingest the coming upload pages are tested on: it reads,
reports, refuses and guards against mass closures as ingest does."""

from __future__ import annotations

import pytest

from web.service_layer.imports_gateway import (
    FINISHED,
    ImportNotAllowed,
    ImportNotFound,
    ImportRefused,
    ImportsGateway,
    ImportsUnavailable,
)
from web.testing.fakes import FAKE_PASSWORD, FakeAccountsGateway, FakeImportsGateway

REGISTER_HEADER = "id,navn,type,ejerform,kommunekode,kommune,adresse,postnr,postdistrikt,lat,lon"
STATISTICS = (
    "kommunekode;kommune;aar;normering_0_2;normering_3_5;antal_boern\n"
    "101;København;2023;2,8;5,8;30139\n"
    "751;Aarhus;2023;3.0;5.9;..\n"
).encode()


def register(*rows: tuple[str, str, int]) -> bytes:
    lines = [REGISTER_HEADER]
    lines += [f"{n},{name},vuggestue,kommunal,{code},,,,,," for n, name, code in rows]
    return ("\n".join(lines) + "\n").encode()


# Twenty Aarhus institutions and two in København.
TWENTY = [(f"G2{i:04d}", f"Institution {i}", 751) for i in range(20)]
KBH = [("G10433", "Enghusene", 101), ("G10434", "Solsikken", 101)]


def uploader(steps: int = 2) -> tuple[FakeImportsGateway, str]:
    accounts = FakeAccountsGateway()
    return FakeImportsGateway(accounts, steps=steps), accounts.login(
        "dst", FAKE_PASSWORD
    ).access_token


def finished(imports: FakeImportsGateway, token: str, import_id: str) -> dict:
    for _ in range(10):
        run = imports.get_import(token, import_id)
        if run["status"] in FINISHED:
            return run
    raise AssertionError("the import did not finish")


def test_the_fake_is_the_gateway() -> None:
    imports: ImportsGateway = FakeImportsGateway()
    assert imports is not None


def test_an_upload_is_queued_then_moves_on_with_each_look() -> None:
    imports, token = uploader(steps=3)
    queued = imports.upload(token, "enheder.csv", register(*TWENTY))
    assert queued["status"] == "queued"
    assert queued["progress"] == {"rows_done": 0, "rows_total": None}
    running = imports.get_import(token, queued["id"])
    assert running["status"] == "running"
    assert running["progress"] == {"rows_done": 10, "rows_total": 20}
    assert imports.get_import(token, queued["id"])["status"] == "running"
    done = imports.get_import(token, queued["id"])
    assert done["status"] == "accepted"
    assert done["progress"] == {"rows_done": 20, "rows_total": 20}
    assert done["kind"] == "register"
    assert done["report"]["dataset_version"] == "register:1"
    assert done["report"]["diff"]["added"] == 20
    assert len(done["report"]["diff"]["added_samples"]) == 5
    assert set(imports.register) == {n for n, _, _ in TWENTY}


def test_a_dry_run_of_a_register_shows_the_closures_per_municipality_and_changes_nothing() -> None:
    imports, token = uploader(steps=0)
    imports.upload(token, "alle.csv", register(*TWENTY, *KBH))
    fewer = register(*TWENTY[:18], ("G10433", "Enghusene Ny", 101))
    dry = imports.upload(token, "færre.csv", fewer, dry_run=True)
    report = dry["report"]
    assert (dry["status"], report["outcome"]) == ("accepted", "dry_run")
    assert report["dataset_version"] is None
    assert (report["diff"]["added"], report["diff"]["changed"], report["diff"]["closed"]) == (
        0,
        1,
        3,
    )
    closures = report["closures"]
    assert closures["count"] == 3
    assert closures["active_before"] == 22
    assert closures["confirmation_required"] is True
    by_code = {m["municipality_code"]: m for m in closures["municipalities"]}
    assert by_code[751]["count"] == 2
    assert by_code[751]["municipality_name"] == "Aarhus"
    assert by_code[101]["institutions"] == [{"institution_number": "G10434", "name": "Solsikken"}]
    warning = report["problems"][0]
    assert (warning["code"], warning["severity"]) == ("mass_closure", "warning")
    assert "confirm_closures=3" in warning["message_da"]
    assert "A real import would be refused" in report["summary_en"]
    assert "G10434" in imports.register  # a dry run changes nothing


def test_a_mass_closure_needs_the_number_the_dry_run_gave() -> None:
    imports, token = uploader(steps=0)
    imports.upload(token, "alle.csv", register(*TWENTY, *KBH))
    fewer = register(*TWENTY[:18], *KBH)
    refused = imports.upload(token, "færre.csv", fewer)
    assert refused["status"] == "rejected"
    assert refused["report"]["problems"][0]["code"] == "mass_closure"
    assert refused["report"]["closures"]["count"] == 2
    assert refused["report"]["summary_da"].startswith("Filen er afvist")
    wrong = imports.upload(token, "færre.csv", fewer, confirm_closures=5)
    assert wrong["report"]["problems"][0]["code"] == "closure_count_mismatch"
    assert len(imports.register) == 22
    confirmed = imports.upload(token, "færre.csv", fewer, confirm_closures=2)
    assert confirmed["status"] == "accepted"
    assert confirmed["report"]["diff"]["closed"] == 2
    assert len(imports.register) == 20


def test_closing_a_municipalitys_last_institution_needs_a_confirmation_too() -> None:
    imports, token = uploader(steps=0)
    imports.upload(token, "alle.csv", register(*TWENTY, *KBH))
    # One closure is under 5 % of 22, but København would have one left: fine.
    assert imports.upload(token, "a.csv", register(*TWENTY, KBH[0]))["status"] == "accepted"
    emptied = imports.upload(token, "b.csv", register(*TWENTY), dry_run=True)["report"]
    [kbh] = emptied["closures"]["municipalities"]
    assert kbh["left_without_active_institutions"] is True
    assert emptied["closures"]["confirmation_required"] is True


def test_statistics_show_the_figures_that_change_and_a_second_upload_is_a_duplicate() -> None:
    imports, token = uploader(steps=0)
    dry = imports.upload(token, "statistik.csv", STATISTICS, dry_run=True)["report"]
    assert dry["kind"] == "statistics"
    assert dry["diff"]["changed_figures"] == 5
    assert dry["diff"]["municipalities"] == 2
    assert dry["diff"]["changed_samples"][0] == {
        "municipality_code": 101,
        "indicator": "normering_0_2",
        "year": 2023,
        "value": 2.8,
    }
    first = imports.upload(token, "statistik.csv", STATISTICS)
    assert first["report"]["dataset_version"] == "statistics:1"
    again = imports.upload(token, "igen.csv", STATISTICS)
    assert again["status"] == "duplicate"
    assert "statistics:1" in again["report"]["summary_en"]
    assert (
        imports.upload(token, "igen.csv", STATISTICS, dry_run=True)["report"]["diff"][
            "changed_figures"
        ]
        == 0
    )
    closing = imports.upload(token, "s.csv", STATISTICS.replace(b"2,8", b"2,9"), confirm_closures=1)
    assert closing["report"]["problems"][0]["code"] == "closure_count_mismatch"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00garbage", "encoding"),
        (b"a,b,c\n1,2,3\n", "unknown_format"),
        (register(("nope", "Navn", 751)), "invalid_number"),
        (register(("G20580", "Navn", 999)), "unknown_municipality"),
        (b"kommunekode;aar;normering_0_2\n101;2023;abc\n", "invalid_number"),
        (b"kommunekode;aar;normering_0_2\n101;1999;2,8\n", "invalid_year"),
    ],
)
def test_a_broken_file_is_rejected_with_each_problem_in_both_languages(
    content: bytes, code: str
) -> None:
    imports, token = uploader()
    run = finished(imports, token, imports.upload(token, "x.csv", content)["id"])
    assert run["status"] == "rejected"
    report = run["report"]
    assert report["outcome"] == "rejected"
    assert report["errors"] >= 1
    [problem] = report["problems"]
    assert problem["code"] == code
    assert problem["message_da"]
    assert problem["message_en"]
    assert problem["message_da"] != problem["message_en"]
    assert imports.register == {}
    assert imports.figures == {}


def test_uploads_refused_at_once() -> None:
    accounts = FakeAccountsGateway()
    imports = FakeImportsGateway(accounts, max_upload_bytes=1024)
    token = accounts.login("admin", FAKE_PASSWORD).access_token
    with pytest.raises(ImportRefused) as too_large:
        imports.upload(token, "stor.csv", b"x" * 1025)
    assert (too_large.value.status, too_large.value.limit_bytes) == (413, 1024)
    assert "1.024" in too_large.value.message_da
    assert "1,024" in too_large.value.message_en
    with pytest.raises(ImportRefused) as kind:
        imports.upload(token, "x.csv", STATISTICS, kind="BOERN99")
    assert (kind.value.status, list(kind.value.errors["multipart"])) == (422, ["kind"])
    assert kind.value.message_da
    with pytest.raises(ImportRefused) as negative:
        imports.upload(token, "x.csv", STATISTICS, confirm_closures=-1)
    assert list(negative.value.errors["multipart"]) == ["confirm_closures"]
    assert imports.list_imports(token)["total"] == 0


def test_who_may_upload_and_what_is_not_there() -> None:
    accounts = FakeAccountsGateway()
    imports = FakeImportsGateway(accounts)
    for username in ("G20580", "kommune751"):
        token = accounts.login(username, FAKE_PASSWORD).access_token
        with pytest.raises(ImportNotAllowed) as refused:
            imports.list_imports(token)
        assert (refused.value.status, refused.value.must_log_in) == (403, False)
    with pytest.raises(ImportNotAllowed) as nobody:
        imports.upload("expired", "x.csv", STATISTICS)
    assert nobody.value.must_log_in
    token = accounts.login("dst", FAKE_PASSWORD).access_token
    with pytest.raises(ImportNotFound):
        imports.get_import(token, "no-such-import")
    imports.down = True
    with pytest.raises(ImportsUnavailable):
        imports.list_imports(token)


def test_the_history_is_newest_first_by_page() -> None:
    imports, token = uploader()
    ids = [imports.upload(token, f"{n}.csv", STATISTICS, dry_run=True)["id"] for n in range(3)]
    first = imports.list_imports(token, page=1, page_size=2)
    assert [item["id"] for item in first["items"]] == [ids[2], ids[1]]
    assert (first["total"], first["pages"]) == (3, 2)
    assert first["items"][0]["status"] == "queued"
    imports.finish_all()
    [oldest] = imports.list_imports(token, page=2, page_size=2)["items"]
    assert (oldest["id"], oldest["status"]) == (ids[0], "accepted")
