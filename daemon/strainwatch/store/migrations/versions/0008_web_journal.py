"""web journal: acknowledged alerts, pain notes logged about a run

Revision ID: 0008
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=64), nullable=True))
    op.create_table(
        "pain_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.String(length=32), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_pain_notes_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_pain_notes_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_notes")),
    )
    op.create_index(op.f("ix_pain_notes_athlete_id"), "pain_notes", ["athlete_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pain_notes_athlete_id"), table_name="pain_notes")
    op.drop_table("pain_notes")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
