"""The register's institutions as profiles knows them, the current profiles
and the history of every accepted change.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "institutions",
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("accepts_0_2", sa.Boolean(), nullable=False),
        sa.Column("accepts_3_5", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_institutions")),
    )
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_institutions_municipality_code"), ["municipality_code"], unique=False
        )
    op.create_table(
        "profiles",
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.Column("sections_saved_at", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_profiles")),
    )
    op.create_table(
        "profile_changes",
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("number", "version", name=op.f("pk_profile_changes")),
    )


def downgrade() -> None:
    op.drop_table("profile_changes")
    op.drop_table("profiles")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institutions_municipality_code"))
    op.drop_table("institutions")
