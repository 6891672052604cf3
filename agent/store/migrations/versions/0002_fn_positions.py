"""FN positions beside each receipt line, and the VAT of lines and positions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fn_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("line_position", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("vat", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["fiscal_document.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "line_position", "number"),
    )
    with op.batch_alter_table("fn_position", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fn_position_document_id"), ["document_id"], unique=False)
    with op.batch_alter_table("receipt_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vat", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("receipt_line", schema=None) as batch_op:
        batch_op.drop_column("vat")
    with op.batch_alter_table("fn_position", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fn_position_document_id"))
    op.drop_table("fn_position")
