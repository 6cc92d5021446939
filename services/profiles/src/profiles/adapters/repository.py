"""The profiles service's repositories on SQLAlchemy Core."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dagkit.db import insert_rows
from profiles.adapters.orm import institutions, profile_changes, profiles
from profiles.domain.institutions import RegisteredInstitution
from profiles.domain.profile import Profile, ProfileChange
from profiles.service_layer.repositories import (
    ChangeRepository,
    InstitutionRepository,
    ProfileRepository,
)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands times back without their offset; they were written in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _institution(row: RowMapping) -> RegisteredInstitution:
    return RegisteredInstitution(
        number=row["number"],
        name=row["name"],
        kind=row["kind"],
        municipality_code=row["municipality_code"],
        accepts_0_2=row["accepts_0_2"],
        accepts_3_5=row["accepts_3_5"],
        closed=row["closed"],
    )


class SqlInstitutionRepository(InstitutionRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, number: str) -> RegisteredInstitution | None:
        row = (
            self.session.execute(select(institutions).where(institutions.c.number == number))
            .mappings()
            .first()
        )
        return None if row is None else _institution(row)

    def save(self, institution: RegisteredInstitution) -> None:
        row = {
            "number": institution.number,
            "name": institution.name,
            "kind": institution.kind,
            "municipality_code": institution.municipality_code,
            "accepts_0_2": institution.accepts_0_2,
            "accepts_3_5": institution.accepts_3_5,
            "closed": institution.closed,
        }
        insert_rows(self.session, institutions, [row], upsert_on=["number"])

    def in_municipality(self, code: int) -> list[RegisteredInstitution]:
        rows = self.session.execute(
            select(institutions)
            .where(institutions.c.municipality_code == code)
            .order_by(institutions.c.number)
        ).mappings()
        return [_institution(row) for row in rows]


def _profile(row: RowMapping) -> Profile:
    saved = {
        section: datetime.fromisoformat(at)
        for section, at in (row["sections_saved_at"] or {}).items()
    }
    return Profile(
        number=row["number"],
        version=row["version"],
        content=row["content"],
        updated_at=_utc(row["updated_at"]),
        updated_by=row["updated_by"],
        sections_saved_at=saved,
    )


def _profile_row(profile: Profile) -> dict[str, Any]:
    return {
        "number": profile.number,
        "version": profile.version,
        "content": dict(profile.content),
        "updated_at": profile.updated_at,
        "updated_by": profile.updated_by,
        "sections_saved_at": {
            section: at.isoformat() for section, at in profile.sections_saved_at.items()
        },
    }


# Built once: an edit runs these on every request, and building a statement
# costs more than SQLAlchemy's cached compilation of it.
_PROFILE_BY_NUMBER = select(profiles).where(profiles.c.number == bindparam("key"))
_VIEW_BY_NUMBER = (
    select(
        institutions,
        *(c.label(f"p_{c.name}") for c in profiles.c),
    )
    .select_from(institutions.outerjoin(profiles, profiles.c.number == institutions.c.number))
    .where(institutions.c.number == bindparam("key"))
)
_SAVE_IF_CURRENT = (
    update(profiles)
    .where(profiles.c.number == bindparam("key"), profiles.c.version == bindparam("expected"))
    .values({c.name: bindparam(c.name) for c in profiles.c if c.name != "number"})
)


def _profile_of_view(row: RowMapping) -> Profile | None:
    if row["p_number"] is None:
        return None
    return _profile({c.name: row[f"p_{c.name}"] for c in profiles.c})  # type: ignore[arg-type]


class SqlProfileRepository(ProfileRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, number: str) -> Profile | None:
        row = self.session.execute(_PROFILE_BY_NUMBER, {"key": number}).mappings().first()
        return None if row is None else _profile(row)

    def with_institution(self, number: str) -> tuple[RegisteredInstitution, Profile | None] | None:
        row = self.session.execute(_VIEW_BY_NUMBER, {"key": number}).mappings().first()
        if row is None:
            return None
        return _institution(row), _profile_of_view(row)

    def add(self, profile: Profile) -> None:
        self.session.execute(insert(profiles), _profile_row(profile))

    def save(self, profile: Profile, expected_version: int) -> bool:
        row = _profile_row(profile)
        if expected_version == 0:
            return self._save_first(row)
        # Compare-and-set: the row is written only if no other edit moved it on
        # since it was read; PostgreSQL makes a concurrent writer of the same
        # row wait and then see the new version, so exactly one of them wins.
        row["key"] = row.pop("number")
        result = self.session.execute(_SAVE_IF_CURRENT, {**row, "expected": expected_version})
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _save_first(self, row: dict[str, Any]) -> bool:
        # The first report: the row may not exist yet (or exist at version 0);
        # of concurrent first reports, the insert or update of one wins and
        # the others find the version moved on.
        dialect = self.session.get_bind().dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = make(profiles).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=[profiles.c.number],
            set_={c: statement.excluded[c] for c in row if c != "number"},
            where=profiles.c.version == 0,
        )
        # RETURNING says whether a row was written (rowcount does not, for an upsert).
        written = self.session.execute(statement.returning(profiles.c.number)).first()
        return written is not None

    def many(self, numbers: list[str]) -> dict[str, Profile]:
        if not numbers:
            return {}
        rows = self.session.execute(
            select(profiles).where(profiles.c.number.in_(numbers))
        ).mappings()
        return {row["number"]: _profile(row) for row in rows}


def _change(row: RowMapping) -> ProfileChange:
    at = _utc(row["at"])
    assert at is not None
    return ProfileChange(
        number=row["number"],
        version=row["version"],
        at=at,
        account_id=row["account_id"],
        role=row["role"],
        fields=tuple(row["fields"]),
        correlation_id=row["correlation_id"],
    )


class SqlChangeRepository(ChangeRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, change: ProfileChange, content: Mapping[str, Any]) -> None:
        self.session.execute(
            insert(profile_changes),
            {
                "number": change.number,
                "version": change.version,
                "at": change.at,
                "account_id": change.account_id,
                "role": change.role,
                "fields": list(change.fields),
                "correlation_id": change.correlation_id,
                "content": dict(content),
            },
        )

    def for_institution(
        self, number: str, limit: int, before_version: int | None = None
    ) -> list[ProfileChange]:
        query = select(*(c for c in profile_changes.c if c.name != "content")).where(
            profile_changes.c.number == number
        )
        if before_version is not None:
            query = query.where(profile_changes.c.version < before_version)
        rows = self.session.execute(
            query.order_by(profile_changes.c.version.desc()).limit(limit)
        ).mappings()
        return [_change(row) for row in rows]
