"""The statistics, compare, institution and export use cases on the fake unit of work."""

from __future__ import annotations

import pytest

from dagtilbud_contracts import institution
from search.service_layer.compare import UnknownInstitutions, compare
from search.service_layer.context import SearchContext
from search.service_layer.export import export_records
from search.service_layer.handlers import apply_events
from search.service_layer.institutions import InstitutionNotFound, institution_detail
from search.service_layer.statistics import (
    UnknownMunicipality,
    municipalities_overview,
    municipality_detail,
    national_overview,
)
from search.testing.events import figure, institution_event, statistics_event
from search.testing.fakes import FakeReadModel, fake_context

COPENHAGEN = [
    figure("normering_0_2", 2022, 3.1),
    figure("normering_0_2", 2023, 2.8),
    figure("normering_3_5", 2023, 6.0),
    figure("antal_boern", 2023, 300.0),
]
FREDERIKSBERG = [
    figure("normering_0_2", 2022, 3.3),
    figure("normering_0_2", 2023, 2.6),
    figure("normering_3_5", 2023, 5.4),
    figure("antal_boern", 2023, 100.0),
]


@pytest.fixture
def ctx() -> SearchContext:
    read_model = FakeReadModel()
    apply_events(
        read_model,
        [
            statistics_event(101, "København", COPENHAGEN),
            statistics_event(147, "Frederiksberg", FREDERIKSBERG),
            institution_event("K00001", name="Østerbro Børnehus"),
            institution_event("K00002", name="Amager Børnehus"),
            institution_event("F00003", name="Frederiksberg Børnehus", municipality_code=147),
            institution_event(
                "C00004", event_type=institution.CLOSED, status="closed", closed_on="2026-01-31"
            ),
        ],
    )
    return fake_context(read_model)


def test_the_overview_lists_every_municipality_with_its_latest_figures(
    ctx: SearchContext,
) -> None:
    rows = municipalities_overview(ctx)
    assert len(rows) == 98
    copenhagen = next(r for r in rows if r["code"] == 101)
    assert copenhagen["name"] == "København"
    assert copenhagen["latest"]["normering_0_2"] == {
        "value": 2.8,
        "year": 2023,
        "source": "Danmarks Statistik",
        "series": "opgoerelse_fra_2023",
    }
    assert copenhagen["latest"]["andel_paedagogisk_uddannet_pct"] is None
    # No statistics yet: the known name, and no figures.
    helsingoer = next(r for r in rows if r["code"] == 217)
    assert helsingoer["name"] == "Helsingør"
    assert set(helsingoer["latest"].values()) == {None}


def test_municipality_detail_carries_rank_national_figure_and_series_break(
    ctx: SearchContext,
) -> None:
    detail = municipality_detail(ctx, 147)
    assert (detail.code, detail.name) == (147, "Frederiksberg")
    series = {s["indicator"]: s for s in detail.indicators}
    by_year = {y["year"]: y for y in series["normering_0_2"]["years"]}
    assert (by_year[2022]["rank"], by_year[2022]["ranked_among"]) == (2, 2)
    assert (by_year[2023]["rank"], by_year[2023]["ranked_among"]) == (1, 2)
    assert [y["year"] for y in series["normering_0_2"]["years"] if y["series_break"]] == [2023]
    # (6.0 * 300 + 5.4 * 100) / 400 children
    assert series["normering_3_5"]["years"][0]["national"] == {
        "value": 5.85,
        "method": "weighted_by_children",
        "municipalities": 2,
    }
    assert series["antal_boern"]["years"][0]["rank"] is None


def test_a_known_municipality_without_statistics_has_a_detail(ctx: SearchContext) -> None:
    detail = municipality_detail(ctx, 217)
    assert detail.name == "Helsingør"
    assert all(s["years"] == [] for s in detail.indicators)


@pytest.mark.parametrize("code", [411, 999])
def test_an_unknown_municipality_is_refused(ctx: SearchContext, code: int) -> None:
    with pytest.raises(UnknownMunicipality) as refused:
        municipality_detail(ctx, code)
    assert refused.value.code == code


def test_national_overview_per_indicator_with_its_method(ctx: SearchContext) -> None:
    series = {s["indicator"]: s["years"] for s in national_overview(ctx)}
    assert list(series) == ["normering_0_2", "normering_3_5", "antal_boern"]
    assert [(y["year"], y["value"], y["series_break"]) for y in series["normering_0_2"]] == [
        (2022, 3.2, False),  # no child counts for 2022: the unweighted mean
        (2023, 2.75, True),
    ]
    assert series["antal_boern"][0]["method"] == "sum_of_municipalities"


def test_compare_documents_in_the_order_asked_and_a_repeat_once(ctx: SearchContext) -> None:
    result = compare(ctx, ["F00003", "K00001", "F00003"])
    assert [d["institution_number"] for d in result.institutions] == ["F00003", "K00001"]
    rows = {r["indicator"]: r for r in result.indicators}
    assert [v["value"] for v in rows["normering_0_2"]["values"]] == [2.6, 2.8]
    assert rows["normering_0_2"]["difference"] == pytest.approx(0.2)
    assert rows["normering_0_2"]["significant"] is False
    assert rows["normering_3_5"]["significant"] is True  # 6.0 - 5.4
    assert rows["antal_boern"]["significant"] is None


def test_compare_names_every_unknown_number(ctx: SearchContext) -> None:
    with pytest.raises(UnknownInstitutions) as refused:
        compare(ctx, ["ZZ0001", "K00001", "ZZ0002"])
    assert refused.value.numbers == ["ZZ0001", "ZZ0002"]
    assert "ZZ0001, ZZ0002" in str(refused.value)


def test_institution_detail_beside_municipal_and_national_figures(ctx: SearchContext) -> None:
    document = institution_detail(ctx, "F00003")
    assert document["name"] == "Frederiksberg Børnehus"
    assert document["municipality"] == {"code": 147, "name": "Frederiksberg"}
    assert document["profile"] is None
    normering = next(f for f in document["figures"] if f["indicator"] == "normering_0_2")
    assert normering["municipality"]["value"] == 2.6
    assert normering["national"]["value"] == 2.75
    assert normering["national"]["series"] == "opgoerelse_fra_2023"
    # A closed institution keeps its document.
    assert institution_detail(ctx, "C00004")["status"] == "closed"
    with pytest.raises(InstitutionNotFound):
        institution_detail(ctx, "ZZ0001")


def test_export_lists_the_active_institutions_in_danish_order(ctx: SearchContext) -> None:
    records = list(export_records(ctx))
    # Danish order: a before f before ø.
    assert [r["number"] for r in records] == ["K00002", "F00003", "K00001"]
    frederiksberg = records[1]
    assert frederiksberg["municipality_name"] == "Frederiksberg"
    assert frederiksberg["municipality_figures"]["normering_3_5"]["value"] == 5.4
    assert frederiksberg["postcode"] == "2100"
