"""plan forecasts: what the runner was told of the rules' forecasts on the training plan, and
the plan's next 14 days as the last pass read them (for the web page)

Revision ID: 0015
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "plan_forecasts",
        sa.Column("athlete_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("capped", sa.Text(), nullable=False),
        sa.Column("numbers", JSONType, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("told_severity", sa.String(length=16), nullable=True),
        sa.Column("withdrawal_told", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_plan_forecasts_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", "key", name=op.f("pk_plan_forecasts")),
    )
    op.create_table(
        "plan_outlooks",
        sa.Column("athlete_id", sa.String(length=32), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("planned", JSONType, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_plan_outlooks_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", name=op.f("pk_plan_outlooks")),
    )


def downgrade() -> None:
    op.drop_table("plan_outlooks")
    op.drop_table("plan_forecasts")
