"""marked goods: a product's marking flag and group

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 18:42:23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marked", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("marking_group", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("marking_group")
        batch_op.drop_column("marked")
