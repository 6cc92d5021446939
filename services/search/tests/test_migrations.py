"""The migration that gave profiles their languages, organic share and open
places fills them for the rows already there, from the profile each holds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from dagkit.db import make_engine
from dagkit.migrations import alembic_config
from search.adapters.orm import profiles
from search.testing.events import SERVICE_ROOT, profile_event, profile_events

# The profiles table as revision 0003 left it.
PROFILES_0003 = sa.table(
    "profiles",
    sa.column("number", sa.String()),
    sa.column("profile", sa.JSON()),
    sa.column("opens_latest", sa.String()),
    sa.column("closes_earliest", sa.String()),
    sa.column("meal_offered", sa.Boolean()),
    sa.column("meal_kind", sa.String()),
    sa.column("diets", sa.JSON()),
    sa.column("tags", sa.JSON()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def stored_0003(data: dict[str, Any]) -> dict[str, Any]:
    meal = data["meal_scheme"]
    return {
        "number": data["institution_number"],
        "profile": data,
        "opens_latest": None,
        "closes_earliest": None,
        "meal_offered": None if meal is None else meal["offered"],
        "meal_kind": None if meal is None else meal["kind"],
        "diets": [] if meal is None else meal["diets"],
        "tags": data["tags"],
        "updated_at": datetime(2026, 11, 1, tzinfo=UTC),
    }


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'search.sqlite3'}"
    url: str = request.getfixturevalue("pg_database")
    return url


def test_existing_profiles_get_the_new_columns_from_what_they_hold(database_url: str) -> None:
    config = alembic_config(SERVICE_ROOT, database_url)
    command.upgrade(config, "0003")
    old = profile_event("A00001", tags=["udeliv"]).data  # older than the new fields
    new = {e.subject: e.data for e in profile_events()}["G10433"]
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(PROFILES_0003), [stored_0003(old), stored_0003(new)])
        command.upgrade(config, "head")
        with engine.connect() as conn:
            rows = {
                row.number: row
                for row in conn.execute(
                    sa.select(
                        profiles.c.number,
                        profiles.c.languages,
                        profiles.c.organic_share_pct,
                        profiles.c.open_places,
                        profiles.c.tags,
                    )
                )
            }
        assert (rows["A00001"].languages, rows["A00001"].organic_share_pct) == ([], None)
        assert rows["A00001"].open_places == []
        assert rows["A00001"].tags == ["udeliv"]
        assert rows["G10433"].languages == ["en", "ar"]
        assert rows["G10433"].organic_share_pct == 60
        assert rows["G10433"].open_places == new["open_places"]
        # A row written without the columns (as by code older than them) is valid.
        with engine.begin() as conn:
            conn.execute(
                sa.insert(PROFILES_0003), [stored_0003(old | {"institution_number": "B00002"})]
            )
            languages, places = conn.execute(
                sa.select(profiles.c.languages, profiles.c.open_places).where(
                    profiles.c.number == "B00002"
                )
            ).one()
        assert (languages, places) == ([], [])
        # And back down and up again.
        command.downgrade(config, "0003")
        command.upgrade(config, "head")
        with engine.connect() as conn:
            share = conn.execute(
                sa.select(profiles.c.organic_share_pct).where(profiles.c.number == "G10433")
            ).scalar_one()
        assert share == 60
    finally:
        engine.dispose()
