"""products listed by their search key: the name's own index goes

Every index on the name is kept up with each product written, in the name's order rather than the
catalog's, so each costs a catalog sync about as much as the rows themselves; ``search_name`` (the
case-folded name) already orders the list and answers the search.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 21:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index("ix_product_name")


def downgrade() -> None:
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.create_index("ix_product_name", ["name"], unique=False)
