"""Profiles: the languages spoken, the meal scheme's organic share and the
open places per age group, as columns a search filters on.

Existing rows get the columns from the profile they already hold (a profile
of an event older than these fields reports none of them), through the same
function the consumer writes them with.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = ("languages", "organic_share_pct", "open_places")


def upgrade() -> None:
    op.add_column(
        "profiles",
        sa.Column("languages", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    op.add_column("profiles", sa.Column("organic_share_pct", sa.Integer(), nullable=True))
    op.add_column(
        "profiles",
        sa.Column("open_places", sa.JSON(), server_default=sa.text("'[]'"), nullable=False),
    )
    from search.service_layer.handlers import profile_row

    profiles = sa.table(
        "profiles",
        sa.column("number", sa.String()),
        sa.column("profile", sa.JSON()),
        sa.column("languages", sa.JSON()),
        sa.column("organic_share_pct", sa.Integer()),
        sa.column("open_places", sa.JSON()),
    )
    bind = op.get_bind()
    now = datetime.now(UTC)
    filled = []
    for number, profile in bind.execute(sa.select(profiles.c.number, profiles.c.profile)):
        row = profile_row(profile, now)
        filled.append({"key": number, **{name: row[name] for name in NEW_COLUMNS}})
    if filled:
        # One statement for every row; the columns set are the keys of the rows.
        bind.execute(profiles.update().where(profiles.c.number == sa.bindparam("key")), filled)


def downgrade() -> None:
    for name in reversed(NEW_COLUMNS):
        op.drop_column("profiles", name)
