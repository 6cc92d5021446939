"""The document parents see for one institution: register facts, the current
profile, and beside each indicator its municipality's latest figure and the
national figure for the same year, each with its year and source; and the
open-data record of an institution, with its municipality's latest figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dagtilbud_contracts.municipalities import MUNICIPALITIES
from dagtilbud_contracts.vocabulary import INDICATORS, series_of

NATIONAL_SOURCE = "Dagtilbudsportalen, beregnet af kommunernes tal"


def latest_figures(figures: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per indicator the newest year that has a value (or, failing that, the
    newest year at all: missing is shown as missing, never as zero)."""
    best: dict[str, dict[str, Any]] = {}
    for figure in figures:
        current = best.get(figure["indicator"])
        key = (figure["value"] is not None, figure["year"])
        if current is None or key > (current["value"] is not None, current["year"]):
            best[figure["indicator"]] = dict(figure)
    return best


def shown_figure(figure: Mapping[str, Any]) -> dict[str, Any]:
    """A municipality's figure as the API shows it: its value, year, source and
    series."""
    return {
        "value": figure["value"],
        "year": figure["year"],
        "source": figure["source"],
        "series": series_of(figure),
    }


def national_beside(nat: Mapping[str, Any]) -> dict[str, Any]:
    """A national figure beside a municipality's: its value, how it was computed
    and from how many municipalities."""
    return {"value": nat["value"], "method": nat["method"], "municipalities": nat["municipalities"]}


def latest_summary(
    latest: Mapping[str, Mapping[str, Any]],
) -> dict[str, dict[str, Any] | None]:
    """Every indicator's latest figure (from ``latest_figures``) as the API
    shows it, with its year, source and series; None where there is none."""
    return {
        indicator: None if (figure := latest.get(indicator)) is None else shown_figure(figure)
        for indicator in INDICATORS
    }


def indicator_table(
    municipal: Mapping[str, Any] | None,
    national: Mapping[tuple[str, int, str | None], Mapping[str, Any]],
) -> list[dict[str, Any]]:
    latest = latest_figures(municipal["figures"]) if municipal else {}
    rows = []
    for indicator in INDICATORS:
        figure = latest.get(indicator)
        year = figure["year"] if figure else None
        series = series_of(figure) if figure else None
        # Beside the municipality's figure: the national one counted the same way.
        nat = national.get((indicator, year, series)) if year is not None else None
        rows.append(
            {
                "indicator": indicator,
                "municipality": None if figure is None else shown_figure(figure),
                "national": None
                if nat is None
                else national_beside(nat)
                | {"year": nat["year"], "source": NATIONAL_SOURCE, "series": nat["series"]},
            }
        )
    return rows


def institution_facts(row: Mapping[str, Any], municipality_name: str | None) -> dict[str, Any]:
    """What a search hit and an institution's document both show of it: the
    register's facts and its municipality."""
    register = row["register"]
    return {
        "institution_number": row["number"],
        "name": row["name"],
        "kind": row["kind"],
        "ownership": row["ownership"],
        "municipality": {"code": row["municipality_code"], "name": municipality_name},
        "address": register["address"],
        "location": register["location"],
        "accepts_0_2": row["accepts_0_2"],
        "accepts_3_5": row["accepts_3_5"],
    }


def institution_document(
    row: Mapping[str, Any],
    municipal: Mapping[str, Any] | None,
    national: Mapping[tuple[str, int, str | None], Mapping[str, Any]],
) -> dict[str, Any]:
    register = row["register"]
    document = institution_facts(row, municipal["name"] if municipal else None)
    document.update(
        status=row["status"],
        capacity=register.get("capacity"),
        register_contact=register.get("contact"),
        register={
            "source": register["register_source"],
            "dataset_version": register["dataset_version"],
        },
        profile=row.get("profile"),
        figures=indicator_table(municipal, national),
    )
    return document


def open_data_record(
    row: Mapping[str, Any],
    names: Mapping[int, str],
    latest: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """One institution as the open-data export shows it. The figures are its
    municipality's (``latest``), and are named so."""
    code = row["municipality_code"]
    address = row["register"]["address"]
    return {
        "number": row["number"],
        "name": row["name"],
        "kind": row["kind"],
        "ownership": row["ownership"],
        "municipality_code": code,
        "municipality_name": names.get(code) or MUNICIPALITIES.get(code),
        "address": address["street"],
        "postcode": row["postcode"],
        "city": address["city"],
        "lat": row["lat"],
        "lon": row["lon"],
        "accepts_0_2": row["accepts_0_2"],
        "accepts_3_5": row["accepts_3_5"],
        "municipality_figures": latest_summary(latest),
    }
