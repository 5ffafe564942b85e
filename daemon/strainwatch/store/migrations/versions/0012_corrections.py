"""activity corrections: what import left out of each activity, and why; files read again

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch_op:
        batch_op.add_column(
            sa.Column("corrections", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True)
        )
    # every imported file is read once more, so the runs stored before cleaning existed are
    # cleaned too (the next pass reports them as updated)
    op.execute("UPDATE imported_files SET mtime_ns = 0, sha256 = 'recheck' WHERE status = 'imported'")


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_column("corrections")
