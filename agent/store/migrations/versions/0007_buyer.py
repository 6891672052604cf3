"""a B2B buyer on a receipt: its name and INN (tags 1227/1228) beside the document

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer_name", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("buyer_inn", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.drop_column("buyer_inn")
        batch_op.drop_column("buyer_name")
