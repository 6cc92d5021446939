"""The read model: institutions, profiles, municipal and national figures.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
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
        sa.Column("name_folded", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ownership", sa.String(length=20), nullable=False),
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("postcode", sa.String(length=4), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("accepts_0_2", sa.Boolean(), nullable=False),
        sa.Column("accepts_3_5", sa.Boolean(), nullable=False),
        sa.Column("register", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_institutions")),
    )
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.create_index("ix_institutions_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_institutions_municipality_code"), ["municipality_code"], unique=False
        )

    op.create_table(
        "municipality_statistics",
        sa.Column("municipality_code", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("dataset_version", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("municipality_code", name=op.f("pk_municipality_statistics")),
    )
    op.create_table(
        "national_figures",
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("municipalities", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("indicator", "year", name=op.f("pk_national_figures")),
    )
    op.create_table(
        "profiles",
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("opens_latest", sa.String(length=5), nullable=True),
        sa.Column("closes_earliest", sa.String(length=5), nullable=True),
        sa.Column("meal_offered", sa.Boolean(), nullable=True),
        sa.Column("meal_kind", sa.String(length=40), nullable=True),
        sa.Column("diets", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_profiles")),
    )
    op.create_table(
        "read_model_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_model_state")),
    )


def downgrade() -> None:
    op.drop_table("read_model_state")
    op.drop_table("profiles")
    op.drop_table("national_figures")
    op.drop_table("municipality_statistics")
    with op.batch_alter_table("institutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_institutions_municipality_code"))
        batch_op.drop_index("ix_institutions_lat_lon")

    op.drop_table("institutions")
