"""What an accepted file changes, compared with what is current.

Events carry an aggregate's whole state, so a change is the new state of one
institution or one municipality's statistics, with the kind of event it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest.domain.model import Figure, Institution

REGISTER_SOURCE = "STIL Dagtilbudsregisteret"
DEFAULT_SAMPLE_SIZE = 5


@dataclass(frozen=True)
class CurrentInstitution:
    status: str  # active | closed
    payload: dict[str, Any]
    aggregate_version: int


@dataclass(frozen=True)
class InstitutionChange:
    event: str  # registered | updated | closed
    number: str
    payload: dict[str, Any]


@dataclass
class RegisterDiff:
    changes: list[InstitutionChange] = field(default_factory=list)
    unchanged: int = 0
    inactive_unknown: int = 0  # inactive in the file and never published: nothing to say

    def count(self, event: str) -> int:
        return sum(1 for c in self.changes if c.event == event)

    def summary(self, sample_size: int = DEFAULT_SAMPLE_SIZE) -> dict[str, Any]:
        out: dict[str, Any] = {"unchanged": self.unchanged}
        for event, label in (("registered", "added"), ("updated", "changed"), ("closed", "closed")):
            matching = [c for c in self.changes if c.event == event]
            out[label] = len(matching)
            out[f"{label}_samples"] = [
                {"institution_number": c.number, "name": c.payload["name"]}
                for c in matching[:sample_size]
            ]
        return out


def institution_payload(
    institution: Institution, *, closed_on: date | None, dataset_version: str
) -> dict[str, Any]:
    """The institution's state in the shape of the contract's payload."""
    location = None
    if institution.lat is not None and institution.lon is not None:
        location = {"lat": institution.lat, "lon": institution.lon}
    contact = None
    if institution.phone or institution.email or institution.website:
        contact = {
            "phone": institution.phone,
            "email": institution.email,
            "website": institution.website,
        }
    return {
        "institution_number": institution.number,
        "name": institution.name,
        "kind": institution.kind,
        "ownership": institution.ownership,
        "municipality_code": institution.municipality_code,
        "address": {
            "street": institution.street,
            "postcode": institution.postcode,
            "city": institution.city,
        },
        "location": location,
        "accepts_0_2": institution.accepts_0_2,
        "accepts_3_5": institution.accepts_3_5,
        "capacity": institution.capacity,
        "status": "active" if closed_on is None else "closed",
        "register_source": REGISTER_SOURCE,
        "dataset_version": dataset_version,
        "opened_on": None,
        "closed_on": closed_on.isoformat() if closed_on else None,
        "contact": contact,
    }


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    # Which import produced a state is not itself a change of the state.
    return {k: v for k, v in a.items() if k != "dataset_version"} == {
        k: v for k, v in b.items() if k != "dataset_version"
    }


def register_diff(
    current: Mapping[str, CurrentInstitution],
    register: Iterable[Institution],
    *,
    today: date,
    dataset_version: str,
) -> RegisterDiff:
    """Compare a full register with the current one.

    The register is complete: an active institution that is missing from it
    has closed, and so has one the file marks inactive.
    """
    diff = RegisterDiff()
    seen: set[str] = set()
    for institution in register:
        seen.add(institution.number)
        known = current.get(institution.number)
        if not institution.active:
            if known is None:
                diff.inactive_unknown += 1
            elif known.status == "active":
                diff.changes.append(_closed(known, institution.number, today, dataset_version))
            else:
                diff.unchanged += 1
            continue
        payload = institution_payload(institution, closed_on=None, dataset_version=dataset_version)
        if known is None:
            diff.changes.append(InstitutionChange("registered", institution.number, payload))
        elif _same(known.payload, payload):
            diff.unchanged += 1
        else:
            diff.changes.append(InstitutionChange("updated", institution.number, payload))
    for number, known in current.items():
        if number not in seen and known.status == "active":
            diff.changes.append(_closed(known, number, today, dataset_version))
    return diff


def _closed(
    known: CurrentInstitution, number: str, today: date, dataset_version: str
) -> InstitutionChange:
    payload = {
        **known.payload,
        "status": "closed",
        "closed_on": today.isoformat(),
        "dataset_version": dataset_version,
    }
    return InstitutionChange("closed", number, payload)


@dataclass
class StatisticsDiff:
    changed: list[Figure] = field(default_factory=list)
    unchanged: int = 0

    @property
    def municipalities(self) -> set[int]:
        return {f.municipality_code for f in self.changed}

    def summary(self, sample_size: int = DEFAULT_SAMPLE_SIZE) -> dict[str, Any]:
        return {
            "changed_figures": len(self.changed),
            "unchanged_figures": self.unchanged,
            "municipalities": len(self.municipalities),
            "changed_samples": [
                {
                    "municipality_code": f.municipality_code,
                    "indicator": f.indicator,
                    "year": f.year,
                    "value": f.value,
                }
                for f in self.changed[:sample_size]
            ],
        }


def statistics_diff(
    current: Mapping[tuple[int, str, int], tuple[float | None, str]], figures: Iterable[Figure]
) -> StatisticsDiff:
    """A statistics file updates the figures it holds and leaves the others."""
    diff = StatisticsDiff()
    for figure in figures:
        if current.get(figure.key) == (figure.value, figure.source):
            diff.unchanged += 1
        else:
            diff.changed.append(figure)
    return diff


def statistics_payload(
    municipality_code: int,
    municipality_name: str,
    figures: Iterable[tuple[str, int, float | None, str]],
    dataset_version: str,
) -> dict[str, Any]:
    return {
        "municipality_code": municipality_code,
        "municipality_name": municipality_name,
        "figures": [
            {"indicator": indicator, "year": year, "value": value, "source": source}
            for indicator, year, value, source in sorted(figures, key=lambda f: (f[0], f[1]))
        ],
        "dataset_version": dataset_version,
    }
