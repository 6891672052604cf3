"""taxation systems: a product's own and the one each receipt was made under

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_system", sa.String(), nullable=True))
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_system", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.drop_column("tax_system")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("tax_system")
