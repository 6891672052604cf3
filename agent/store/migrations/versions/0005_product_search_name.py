"""product search by name prefix: the case-folded name, indexed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_name", sa.String(), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_product_search_name"), ["search_name"], unique=False)
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, name FROM product")).all()
    if rows:
        connection.execute(
            sa.text("UPDATE product SET search_name = :key WHERE id = :id"),
            [{"id": row.id, "key": row.name.casefold()} for row in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_search_name"))
        batch_op.drop_column("search_name")
