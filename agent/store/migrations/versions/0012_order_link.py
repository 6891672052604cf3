"""the order a receipt settles, fixed on the document as it is uploaded

Documents written before keep no link, so a retried upload of one stays byte for byte what it was.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_link", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.drop_column("order_link")
