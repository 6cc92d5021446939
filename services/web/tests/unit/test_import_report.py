"""ingest's report as the upload pages read it: changes per municipality,
the statistics' figures, problems in both languages, the closure guard and
progress; an incomplete report still reads."""

from __future__ import annotations

from web.domain.import_report import progress_of, read_report

REGISTER_DRY_RUN = {
    "outcome": "dry_run",
    "format": "stil_register",
    "kind": "register",
    "rows_read": 4611,
    "errors": 0,
    "warnings": 1,
    "problems": [
        {
            "severity": "warning",
            "code": "mass_closure",
            "row": None,
            "column": None,
            "value": "3",
            "message_da": "Registerfilen afvises ...",
            "message_en": "The register file is refused ...",
        }
    ],
    "diff": {
        "unchanged": 4600,
        "added": 2,
        "changed": 1,
        "closed": 3,
        "added_samples": [{"institution_number": "G46100", "name": "Ny"}],
        "changed_samples": [],
        "closed_samples": [],
    },
    "dataset_version": None,
    "summary_da": "Prøvekørsel: filen er gyldig.",
    "summary_en": "Dry run: the file is valid.",
    "closures": {
        "count": 3,
        "active_before": 40,
        "share_pct": 7.5,
        "limit_pct": 5.0,
        "confirmation_required": True,
        "confirmed": None,
        "municipalities": [
            {
                "municipality_code": 751,
                "municipality_name": "Aarhus",
                "count": 2,
                "left_without_active_institutions": False,
                "institutions": [
                    {"institution_number": "G20000", "name": "A"},
                    {"institution_number": "G20001", "name": "B"},
                ],
            },
            {
                "municipality_code": 101,
                "municipality_name": "København",
                "count": 1,
                "left_without_active_institutions": True,
                "institutions": [{"institution_number": "G10433", "name": "C"}],
            },
        ],
    },
}


def test_a_register_dry_run_reads_as_changes_per_municipality() -> None:
    report = read_report(REGISTER_DRY_RUN)
    assert report is not None
    assert report.is_register
    assert report.runnable
    assert report.needs_confirmation
    assert (report.added, report.changed, report.closed, report.unchanged) == (2, 1, 3, 4600)
    assert [(m.name, m.added, m.changed, m.closed) for m in report.municipalities] == [
        ("Aarhus", None, None, 2),
        ("København", None, None, 1),
    ]
    assert not report.per_municipality
    assert report.municipalities[1].left_without_active
    assert [i.number for i in report.municipalities[0].closing] == ["G20000", "G20001"]
    assert report.closures is not None
    assert report.closures.count == 3
    assert report.closures.emptied == ("København",)
    assert [i.number for i in report.added_samples] == ["G46100"]
    assert report.warning_problems
    assert not report.error_problems
    assert report.summary("da").startswith("Prøvekørsel")
    assert report.summary("en").startswith("Dry run")


def test_a_breakdown_per_municipality_is_used_where_ingest_gives_one() -> None:
    with_breakdown = {
        **REGISTER_DRY_RUN,
        "diff": {
            **REGISTER_DRY_RUN["diff"],  # type: ignore[dict-item]
            "by_municipality": [
                {"municipality_code": 461, "added": 2, "changed": 0, "closed": 0},
                {"municipality_code": 751, "added": 0, "changed": 1, "closed": 2},
            ],
        },
    }
    report = read_report(with_breakdown)
    assert report is not None
    assert report.per_municipality
    assert [(m.name, m.added, m.changed, m.closed) for m in report.municipalities] == [
        ("Aarhus", 0, 1, 2),
        ("København", 0, 0, 1),
        ("Odense", 2, 0, 0),
    ]


def test_a_rejected_file_has_its_problems_in_both_languages() -> None:
    report = read_report(
        {
            "outcome": "rejected",
            "format": None,
            "kind": None,
            "rows_read": 1,
            "errors": 1,
            "warnings": 0,
            "problems": [
                {
                    "severity": "error",
                    "code": "unknown_municipality",
                    "row": 2,
                    "column": "kommunekode",
                    "value": "999",
                    "message_da": "Kommunekoden «999» findes ikke",
                    "message_en": "There is no municipality with code “999”",
                }
            ],
            "summary_da": "Filen er afvist: 1 fejl.",
            "summary_en": "The file was rejected: 1 errors.",
        }
    )
    assert report is not None
    assert report.rejected
    assert not report.runnable
    problem = report.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "kommunekode", "999")
    assert problem.message("da") == "Kommunekoden «999» findes ikke"
    assert problem.message("en") == "There is no municipality with code “999”"
    assert report.municipalities == ()
    assert not report.has_changes


def test_a_statistics_report_lists_the_municipality_years_and_indicators() -> None:
    report = read_report(
        {
            "outcome": "accepted",
            "kind": "statistics",
            "format": "dst_boern8",
            "rows_read": 3,
            "problems": [],
            "diff": {
                "changed_figures": 7,
                "removed_figures": 1,
                "unchanged_figures": 0,
                "municipalities": 2,
                "changed_samples": [
                    {
                        "municipality_code": 751,
                        "indicator": "normering_0_2",
                        "year": 2023,
                        "value": 3,
                    },
                    {
                        "municipality_code": 101,
                        "indicator": "normering_3_5",
                        "year": 2024,
                        "value": 5.8,
                    },
                ],
                "removed_samples": [
                    {"municipality_code": 101, "indicator": "normering_0_2", "year": 2022}
                ],
            },
            "dataset_version": "statistics:4",
        }
    )
    assert report is not None
    assert report.is_statistics
    assert report.has_changes
    assert [(f.municipality_name, f.year, f.indicator, f.value) for f in report.figures] == [
        ("Aarhus", 2023, "normering_0_2", 3.0),
        ("København", 2022, "normering_0_2", None),
        ("København", 2024, "normering_3_5", 5.8),
    ]
    assert report.figures[1].withdrawn
    assert not report.figures_listed_in_full
    assert report.errors == 0
    assert report.dataset_version == "statistics:4"


def test_a_duplicate_and_a_missing_report() -> None:
    assert read_report(None) is None
    duplicate = read_report({"outcome": "duplicate", "problems": [], "summary_da": "Allerede"})
    assert duplicate is not None
    assert not duplicate.runnable
    assert duplicate.kind is None
    assert duplicate.summary("en") == "Allerede"  # the other language where one is missing


def test_progress_of_an_import() -> None:
    queued = progress_of({"status": "queued", "progress": {"rows_done": 0, "rows_total": None}})
    assert queued.running
    assert queued.rows_total is None
    assert queued.percent is None
    running = progress_of(
        {"status": "running", "progress": {"rows_done": 1234, "rows_total": 4611}}
    )
    assert running.percent == 27
    assert running.as_json() == {
        "status": "running",
        "rows_done": 1234,
        "rows_total": 4611,
        "done": False,
    }
    done = progress_of({"status": "rejected", "progress": {"rows_done": 9, "rows_total": 5}})
    assert done.done
    assert done.rows_done == 5
    assert done.percent == 100
    assert progress_of({"status": "failed"}).as_json()["done"] is True


def test_a_statistics_dry_run_says_what_changes_per_municipality() -> None:
    report = read_report(
        {
            "outcome": "dry_run",
            "kind": "statistics",
            "diff": {
                "changed_figures": 3,
                "removed_figures": 1,
                "unchanged_figures": 10,
                "municipalities": 2,
                "by_municipality": [
                    {"municipality_code": 751, "changed": 2, "removed": 1, "years": [2024, 2023]},
                    {"municipality_code": 101, "changed": 1, "removed": 0, "years": [2024]},
                ],
            },
        }
    )
    assert report is not None
    rows = [(r.name, r.changed, r.removed, r.years) for r in report.figures_by_municipality]
    assert rows == [("Aarhus", 2, 1, (2023, 2024)), ("København", 1, 0, (2024,))]
