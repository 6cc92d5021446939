"""What an accepted file changes, compared with what is current.

Events carry an aggregate's whole state, so a change is the new state of one
institution or one municipality's statistics, with the kind of event it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from dagtilbud_contracts.vocabulary import NORMERING_INDICATORS, normering_series_for_year
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
        # Per municipality, so a clerk sees where a file adds, changes and
        # closes before it runs.
        per: dict[int, dict[str, int]] = {}
        labels = {"registered": "added", "updated": "changed", "closed": "closed"}
        for change in self.changes:
            counts = per.setdefault(
                change.payload["municipality_code"], {"added": 0, "changed": 0, "closed": 0}
            )
            counts[labels[change.event]] += 1
        out["by_municipality"] = [
            {"municipality_code": code, **counts} for code, counts in sorted(per.items())
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
    # Figures the file withdraws (DST's missing marker ``..`` where the portal
    # holds a figure): they leave the current statistics and the events.
    removed: list[tuple[int, str, int]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def municipalities(self) -> set[int]:
        return {f.municipality_code for f in self.changed} | {key[0] for key in self.removed}

    def summary(self, sample_size: int = DEFAULT_SAMPLE_SIZE) -> dict[str, Any]:
        return {
            "changed_figures": len(self.changed),
            "removed_figures": len(self.removed),
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
            "removed_samples": [
                {"municipality_code": code, "indicator": indicator, "year": year}
                for code, indicator, year in self.removed[:sample_size]
            ],
            "by_municipality": self._by_municipality(),
        }

    def _by_municipality(self) -> list[dict[str, Any]]:
        """Per municipality: how many figures change and go, and of which years."""
        per: dict[int, dict[str, Any]] = {}

        def entry(code: int) -> dict[str, Any]:
            return per.setdefault(code, {"changed": 0, "removed": 0, "years": set()})

        for figure in self.changed:
            found = entry(figure.municipality_code)
            found["changed"] += 1
            found["years"].add(figure.year)
        for code, _, year in self.removed:
            found = entry(code)
            found["removed"] += 1
            found["years"].add(year)
        return [
            {
                "municipality_code": code,
                "changed": found["changed"],
                "removed": found["removed"],
                "years": sorted(found["years"]),
            }
            for code, found in sorted(per.items())
        ]


def left_without_figures(
    current: Mapping[tuple[int, str, int], object], diff: StatisticsDiff
) -> set[int]:
    """Municipalities whose every figure the file withdraws (their event would
    have no figures, which the statistics contract does not allow)."""
    removed = set(diff.removed)
    kept = {key[0] for key in current if key not in removed}
    kept |= {f.municipality_code for f in diff.changed}
    return {code for code, _, _ in removed} - kept


def statistics_diff(
    current: Mapping[tuple[int, str, int], tuple[float | None, str]], figures: Iterable[Figure]
) -> StatisticsDiff:
    """A statistics file updates the figures it holds and leaves the others.

    A missing value (``..``) is no figure: one the portal holds is withdrawn,
    one it does not hold stays absent. Missing is never stored as a value."""
    diff = StatisticsDiff()
    for figure in figures:
        if figure.value is None:
            if figure.key in current:
                diff.removed.append(figure.key)
            else:
                diff.unchanged += 1
        elif current.get(figure.key) == (figure.value, figure.source):
            diff.unchanged += 1
        else:
            diff.changed.append(figure)
    return diff


# DST's normering tables say how they were counted; every other source follows
# the ministry's split (the old count to 2022, the new one from 2023).
SERIES_OF_SOURCE = {"DST BOERN3": "opgoerelse_til_2022", "DST BOERN8": "opgoerelse_fra_2023"}


def normering_series(indicator: str, year: int, source: str) -> str | None:
    """The series a figure belongs to: how a normering was counted (figures of
    two series are never compared or averaged); None for other indicators."""
    if indicator not in NORMERING_INDICATORS:
        return None
    return SERIES_OF_SOURCE.get(source) or normering_series_for_year(year)


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
            {
                "indicator": indicator,
                "year": year,
                "value": value,
                "source": source,
                "series": normering_series(indicator, year, source),
            }
            for indicator, year, value, source in sorted(figures, key=lambda f: (f[0], f[1]))
        ],
        "dataset_version": dataset_version,
    }


@dataclass(frozen=True)
class ClosureCheck:
    """What a register import would close, and whether it may do so without the
    uploader confirming the exact number.

    A register file is complete by design, so a truncated or wrongly filtered
    file is valid and closes everything it lacks. Closing more than
    ``limit_pct`` of the active institutions, or leaving a municipality with
    none, therefore needs ``confirmed`` to equal ``closing``; a confirmation
    with any other number is refused too, as the file is not the one checked.
    """

    closing: int
    active_before: int
    limit_pct: float
    emptied: frozenset[int]  # municipalities left without an active institution
    # municipality code -> the closed institutions there, (number, name) by number
    by_municipality: Mapping[int, tuple[tuple[str, str], ...]]
    confirmed: int | None = None

    @property
    def share_pct(self) -> float:
        return 100.0 * self.closing / self.active_before if self.active_before else 0.0

    @property
    def too_many(self) -> bool:
        # Exact: no rounding decides a refusal at the limit.
        return Fraction(self.closing * 100) > Fraction(self.limit_pct) * self.active_before

    @property
    def needs_confirmation(self) -> bool:
        return self.too_many or bool(self.emptied)

    @property
    def refusal(self) -> str | None:
        """None when the import may go ahead; else the problem code."""
        if self.confirmed is not None:
            return None if self.confirmed == self.closing else "closure_count_mismatch"
        return "mass_closure" if self.needs_confirmation else None


def check_closures(
    current: Mapping[str, CurrentInstitution],
    diff: RegisterDiff,
    *,
    limit_pct: float,
    confirmed: int | None,
) -> ClosureCheck:
    before: dict[int, int] = {}
    for known in current.values():
        if known.status == "active":
            code = int(known.payload["municipality_code"])
            before[code] = before.get(code, 0) + 1
    after = dict(before)
    closed: dict[int, list[tuple[str, str]]] = {}
    for change in diff.changes:
        was = current.get(change.number)
        if was is not None and was.status == "active":
            code = int(was.payload["municipality_code"])
            after[code] -= 1
        if change.payload["status"] == "active":
            code = int(change.payload["municipality_code"])
            after[code] = after.get(code, 0) + 1
        if change.event == "closed":
            code = int(change.payload["municipality_code"])
            closed.setdefault(code, []).append((change.number, str(change.payload["name"])))
    emptied = frozenset(code for code, n in before.items() if n > 0 and after[code] == 0)
    return ClosureCheck(
        closing=sum(len(v) for v in closed.values()),
        active_before=sum(before.values()),
        limit_pct=limit_pct,
        emptied=emptied,
        by_municipality={
            code: tuple(sorted(closed.get(code, []))) for code in sorted(set(closed) | emptied)
        },
        confirmed=confirmed,
    )


def no_closures(confirmed: int | None, limit_pct: float) -> ClosureCheck:
    """A statistics file closes nothing; a confirmation must then say 0."""
    return ClosureCheck(0, 0, limit_pct, frozenset(), {}, confirmed)
