"""the permissive mode's online check on a marked unit (tag 1265)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 19:22:24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("receipt_mark", schema=None) as batch_op:
        batch_op.add_column(sa.Column("permit", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("receipt_mark", schema=None) as batch_op:
        batch_op.drop_column("permit")
