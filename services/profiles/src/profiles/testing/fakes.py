"""The profiles service's repositories in memory, for unit tests of its use
cases and handlers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagkit.testing.fakes import FakeUnitOfWork
from profiles.domain.institutions import RegisteredInstitution
from profiles.domain.profile import Profile, ProfileChange
from profiles.service_layer.repositories import (
    ChangeRepository,
    InstitutionRepository,
    ProfileRepository,
)


class FakeInstitutions(InstitutionRepository):
    def __init__(self) -> None:
        self.rows: dict[str, RegisteredInstitution] = {}

    def get(self, number: str) -> RegisteredInstitution | None:
        return self.rows.get(number)

    def save(self, institution: RegisteredInstitution) -> None:
        self.rows[institution.number] = institution

    def in_municipality(self, code: int) -> list[RegisteredInstitution]:
        return sorted(
            (i for i in self.rows.values() if i.municipality_code == code), key=lambda i: i.number
        )


class FakeProfiles(ProfileRepository):
    def __init__(self, institutions: Callable[[], FakeInstitutions]) -> None:
        self.rows: dict[str, Profile] = {}
        # The unit of work's institutions as they are now (a rollback replaces them).
        self._institutions = institutions

    def with_institution(self, number: str) -> tuple[RegisteredInstitution, Profile | None] | None:
        institution = self._institutions().get(number)
        return None if institution is None else (institution, self.rows.get(number))

    def get(self, number: str) -> Profile | None:
        return self.rows.get(number)

    def add(self, profile: Profile) -> None:
        if profile.number in self.rows:
            raise KeyError(profile.number)
        self.rows[profile.number] = profile

    def save(self, profile: Profile, expected_version: int) -> bool:
        stored = self.rows.get(profile.number)
        if (stored.version if stored else 0) != expected_version:
            return False
        self.rows[profile.number] = profile
        return True

    def many(self, numbers: list[str]) -> dict[str, Profile]:
        return {n: self.rows[n] for n in numbers if n in self.rows}


class FakeChanges(ChangeRepository):
    def __init__(self) -> None:
        self.rows: list[tuple[ProfileChange, dict[str, Any]]] = []

    def add(self, change: ProfileChange, content: Mapping[str, Any]) -> None:
        if any(c.number == change.number and c.version == change.version for c, _ in self.rows):
            raise KeyError((change.number, change.version))
        self.rows.append((change, dict(content)))

    def for_institution(
        self, number: str, limit: int, before_version: int | None = None
    ) -> list[ProfileChange]:
        found = [
            c
            for c, _ in self.rows
            if c.number == number and (before_version is None or c.version < before_version)
        ]
        return sorted(found, key=lambda c: -c.version)[:limit]


class FakeProfilesUnitOfWork(FakeUnitOfWork):
    REPOSITORIES = ("institutions", "profiles", "changes")
    institutions: FakeInstitutions
    profiles: FakeProfiles
    changes: FakeChanges

    def __init__(self) -> None:
        super().__init__()
        self.institutions = FakeInstitutions()
        self.profiles = FakeProfiles(lambda: self.institutions)
        self.changes = FakeChanges()
