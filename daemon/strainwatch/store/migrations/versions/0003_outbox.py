"""outbox and notification state

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.String(length=32), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_outbox_alert_id_alerts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["athlete_id"], ["athletes.id"], name=op.f("fk_outbox_athlete_id_athletes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next", ["status", "next_attempt_at"], unique=False)

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mailed_severity", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_digest_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_digest_id_outbox"), "outbox", ["digest_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_alerts_resolved_digest_id_outbox"),
            "outbox",
            ["resolved_digest_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("athletes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_digest_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("athletes", schema=None) as batch_op:
        batch_op.drop_column("last_digest_on")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_alerts_resolved_digest_id_outbox"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_alerts_digest_id_outbox"), type_="foreignkey")
        batch_op.drop_column("resolved_digest_id")
        batch_op.drop_column("digest_id")
        batch_op.drop_column("mailed_severity")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next")

    op.drop_table("outbox")
