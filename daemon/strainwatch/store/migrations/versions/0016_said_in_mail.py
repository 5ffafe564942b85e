"""said in mail: which runs left out of running load the digest has named, and the runs'
distances an alert was raised on (so a withdrawal can say "the 21.7 km run was 9.1 km")

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch_op:
        batch_op.add_column(
            sa.Column("not_counted_told", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.add_column(sa.Column("basis", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.drop_column("basis")
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_column("not_counted_told")
