"""activity corrections: what import left out of each activity, and why (files read again);
the runner's own corrections (activity_overrides)

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
    op.create_table(
        "activity_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("running", sa.Boolean(), nullable=True),
        sa.Column("crop_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("crop_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_activity_overrides_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_overrides")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_activity_overrides_source_external_id")),
    )
    op.create_index(
        op.f("ix_activity_overrides_athlete_id"), "activity_overrides", ["athlete_id"], unique=False
    )
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.add_column(sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False))
    # every imported file is read once more, so the runs stored before cleaning existed are
    # cleaned too (the next pass reports them as updated)
    op.execute("UPDATE imported_files SET mtime_ns = 0, sha256 = 'recheck' WHERE status = 'imported'")


def downgrade() -> None:
    with op.batch_alter_table("alerts") as batch_op:
        batch_op.drop_column("withdrawn")
    op.drop_index(op.f("ix_activity_overrides_athlete_id"), table_name="activity_overrides")
    op.drop_table("activity_overrides")
    with op.batch_alter_table("activities") as batch_op:
        batch_op.drop_column("corrections")
