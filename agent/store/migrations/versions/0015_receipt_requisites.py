"""a receipt's number in its shift (tag 1042) and the register's registration number (1037)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number_in_shift", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("registration_number", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fiscal_document", schema=None) as batch_op:
        batch_op.drop_column("registration_number")
        batch_op.drop_column("number_in_shift")
