"""What profiles knows of an institution from the register: enough to say who
may edit it, which age groups it may report places for, and whether it is
still open."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DAGPLEJE = "dagpleje"


@dataclass(frozen=True)
class RegisteredInstitution:
    number: str
    name: str
    kind: str
    municipality_code: int
    accepts_0_2: bool
    accepts_3_5: bool
    closed: bool

    @classmethod
    def from_register(cls, data: Mapping[str, Any]) -> RegisteredInstitution:
        """From an ``ingest.institutions.v1`` payload."""
        return cls(
            number=str(data["institution_number"]),
            name=str(data["name"]),
            kind=str(data["kind"]),
            municipality_code=int(data["municipality_code"]),
            accepts_0_2=bool(data["accepts_0_2"]),
            accepts_3_5=bool(data["accepts_3_5"]),
            closed=data["status"] == "closed",
        )

    @property
    def is_dagpleje(self) -> bool:
        return self.kind == DAGPLEJE

    def accepts(self, age_group: str) -> bool:
        return self.accepts_0_2 if age_group == "0-2" else self.accepts_3_5
