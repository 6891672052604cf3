"""marked units of a receipt line and their checks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 18:49:42
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "receipt_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("line_position", sa.Integer(), nullable=False),
        sa.Column("unit", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("identity", sa.String(), nullable=False),
        sa.Column("plan", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("result", sa.Integer(), nullable=False),
        sa.Column("local", sa.String(), nullable=False),
        sa.Column("online", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["fiscal_document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "line_position", "unit"),
    )
    with op.batch_alter_table("receipt_mark", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipt_mark_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_mark_identity"), ["identity"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("receipt_mark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_mark_identity"))
        batch_op.drop_index(batch_op.f("ix_receipt_mark_document_id"))

    op.drop_table("receipt_mark")
