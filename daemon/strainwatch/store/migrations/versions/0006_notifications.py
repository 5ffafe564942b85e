"""outbox: a rendered notification per channel and recipient instead of RFC 5322 bytes

The mail of existing rows is parsed once into the new columns, so rows still pending or
parked stay deliverable with the same Message-ID; the old `message` column is kept (unused)
so that a downgrade loses nothing.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import Parser
from email.policy import default
from email.utils import parseaddr

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def _part(message: EmailMessage, kind: str) -> str:
    body = message.get_body((kind,))
    return str(body.get_content()) if body is not None else ""


def upgrade() -> None:
    op.add_column(
        "outbox", sa.Column("channel", sa.String(length=16), server_default="email", nullable=False)
    )
    op.add_column(
        "outbox", sa.Column("idempotency_key", sa.String(length=200), server_default="", nullable=False)
    )
    op.add_column("outbox", sa.Column("recipient_name", sa.Text(), server_default="", nullable=False))
    op.add_column("outbox", sa.Column("body_text", sa.Text(), server_default="", nullable=False))
    op.add_column("outbox", sa.Column("body_html", sa.Text(), server_default="", nullable=False))
    op.add_column("outbox", sa.Column("severity", sa.String(length=8), nullable=True))
    op.add_column("outbox", sa.Column("alert_keys", JSONType, server_default="[]", nullable=False))
    names = (
        "message_id",
        "message",
        "idempotency_key",
        "recipient",
        "recipient_name",
        "body_text",
        "body_html",
    )
    outbox = sa.table("outbox", sa.column("id", sa.Integer), *(sa.column(name, sa.Text) for name in names))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(outbox.c.id, outbox.c.message_id, outbox.c.recipient, outbox.c.message)
    )
    for row_id, message_id, to, raw in rows.all():
        # the old rows' only key; `recipient` held the whole To header, now the address
        values = {"idempotency_key": message_id, "recipient": parseaddr(to)[1] or to}
        if raw:
            message = Parser(_class=EmailMessage, policy=default).parsestr(raw)
            values |= {
                "recipient_name": parseaddr(str(message["To"] or to))[0],
                "body_text": _part(message, "plain"),
                "body_html": _part(message, "html"),
            }
        connection.execute(sa.update(outbox).where(outbox.c.id == row_id).values(**values))
    op.create_index(
        "ux_outbox_channel_recipient_key", "outbox", ["channel", "recipient", "idempotency_key"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_outbox_channel_recipient_key", table_name="outbox")
    for column in (
        "alert_keys",
        "severity",
        "body_html",
        "body_text",
        "recipient_name",
        "idempotency_key",
        "channel",
    ):
        op.drop_column("outbox", column)
