"""Confirmed closure count on an import; stored files can be purged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_purged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("confirm_closures", sa.Integer(), nullable=True))
        batch_op.alter_column("stored_file_id", existing_type=sa.String(length=36), nullable=True)


def downgrade() -> None:
    # An import whose file was purged cannot point at a file again, and its
    # record (report, dataset version) must not be thrown away to make it fit.
    purged = op.get_bind().execute(
        sa.text("SELECT count(*) FROM imports WHERE stored_file_id IS NULL")
    )
    if purged.scalar_one():
        raise RuntimeError("imports whose files were purged cannot go back to revision 0002")
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.alter_column("stored_file_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column("confirm_closures")
        batch_op.drop_column("file_purged_at")
