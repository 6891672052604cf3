"""an order keeps its account's own id at the source, so the receipt that settles it links to it

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("marketplace_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_ref", sa.String(), nullable=True))
    op.execute(
        "UPDATE marketplace_order SET account_ref = (SELECT seller FROM marketplace_account"
        " WHERE marketplace_account.id = marketplace_order.account) WHERE account != 0"
    )


def downgrade() -> None:
    with op.batch_alter_table("marketplace_order", schema=None) as batch_op:
        batch_op.drop_column("account_ref")
