"""National figures per normering series: the method changed in 2023, and a
national figure never averages figures of two series.

The table is derived, so it is built again from the municipal figures already
in the read model.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("national_figures")
    op.create_table(
        "national_figures",
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=40), server_default="", nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("municipalities", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("indicator", "year", "series", name=op.f("pk_national_figures")),
    )
    # The service's own recomputation, so the figures are exactly what the
    # consumer would write.
    from search.service_layer.handlers import recompute_national

    recompute_national(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table("national_figures")
    op.create_table(
        "national_figures",
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("municipalities", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("indicator", "year", name=op.f("pk_national_figures")),
    )
