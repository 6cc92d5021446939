"""The profiles service's repositories as its use cases see them; the SQL
repositories (adapters/repository.py) and the in-memory ones
(profiles.testing.fakes) only store what is said here."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any

from profiles.domain.institutions import RegisteredInstitution
from profiles.domain.profile import Profile, ProfileChange


class InstitutionRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, number: str) -> RegisteredInstitution | None: ...

    @abc.abstractmethod
    def save(self, institution: RegisteredInstitution) -> None:
        """Adds or overwrites the institution (same number)."""

    @abc.abstractmethod
    def in_municipality(self, code: int) -> list[RegisteredInstitution]:
        """Every institution of municipality ``code``, by number."""


class ProfileRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, number: str) -> Profile | None: ...

    @abc.abstractmethod
    def with_institution(self, number: str) -> tuple[RegisteredInstitution, Profile | None] | None:
        """The institution and its profile (None while it has no row), in one
        read; None for an institution the register never named."""

    @abc.abstractmethod
    def add(self, profile: Profile) -> None:
        """A new institution's profile (version 0)."""

    @abc.abstractmethod
    def save(self, profile: Profile, expected_version: int) -> bool:
        """Writes ``profile`` if the stored one is still ``expected_version``
        (0: none stored yet, or version 0); False when another edit got there
        first (nothing is written)."""

    @abc.abstractmethod
    def many(self, numbers: list[str]) -> dict[str, Profile]: ...


class ChangeRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, change: ProfileChange, content: Mapping[str, Any]) -> None: ...

    @abc.abstractmethod
    def for_institution(
        self, number: str, limit: int, before_version: int | None = None
    ) -> list[ProfileChange]:
        """The newest ``limit`` changes (older than ``before_version``), newest first."""
