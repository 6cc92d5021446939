"""The document parents see for one institution: register facts, the current
profile, and beside each indicator its municipality's latest figure and the
national figure for the same year, each with its year and source."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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
                "municipality": None
                if figure is None
                else {
                    "value": figure["value"],
                    "year": figure["year"],
                    "source": figure["source"],
                    "series": series,
                },
                "national": None
                if nat is None
                else {
                    "value": nat["value"],
                    "year": nat["year"],
                    "method": nat["method"],
                    "municipalities": nat["municipalities"],
                    "source": NATIONAL_SOURCE,
                    "series": nat["series"],
                },
            }
        )
    return rows


def institution_document(
    row: Mapping[str, Any],
    municipal: Mapping[str, Any] | None,
    national: Mapping[tuple[str, int, str | None], Mapping[str, Any]],
) -> dict[str, Any]:
    register = row["register"]
    return {
        "institution_number": row["number"],
        "name": row["name"],
        "kind": row["kind"],
        "ownership": row["ownership"],
        "status": row["status"],
        "municipality": {
            "code": row["municipality_code"],
            "name": municipal["name"] if municipal else None,
        },
        "address": register["address"],
        "location": register["location"],
        "accepts_0_2": row["accepts_0_2"],
        "accepts_3_5": row["accepts_3_5"],
        "capacity": register.get("capacity"),
        "register_contact": register.get("contact"),
        "register": {
            "source": register["register_source"],
            "dataset_version": register["dataset_version"],
        },
        "profile": row.get("profile"),
        "figures": indicator_table(municipal, national),
    }
