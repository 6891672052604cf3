"""marketplace accounts; orders keyed by source, account and external id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 15:23:15.886808
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite reflects the unnamed unique constraint of 0001 without a name: name it to drop it
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    op.create_table(
        "marketplace_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("marketplace", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("seller", sa.String(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=True),
        sa.Column("auto_fiscalize", sa.Boolean(), nullable=False),
        sa.Column("payment_kind", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("connected_at", sa.DateTime(), nullable=False),
        sa.Column("last_import_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("next_import_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("marketplace_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_marketplace_account_seller"), ["seller"], unique=False)
    with op.batch_alter_table("marketplace_order", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("account", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("paid", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("revision", sa.String(), nullable=True))
        batch_op.drop_constraint("uq_marketplace_order_source", type_="unique")
        batch_op.create_unique_constraint(
            "uq_marketplace_order_source_account", ["source", "account", "remote_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("marketplace_order", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint("uq_marketplace_order_source_account", type_="unique")
        batch_op.create_unique_constraint("uq_marketplace_order_source", ["source", "remote_id"])
        batch_op.drop_column("revision")
        batch_op.drop_column("paid")
        batch_op.drop_column("account")
    op.drop_table("marketplace_account")
