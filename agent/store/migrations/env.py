"""Alembic environment: batch mode (SQLite cannot ALTER most things), our engine and its pragmas."""

from alembic import context
from sqlmodel import SQLModel

import agent.store.models  # noqa: F401  (registers the tables)
from agent.store.types import Quantity, UTCDateTime

config = context.config
target_metadata = SQLModel.metadata


def render_item(kind, obj, autogen_context):
    """Render our column types as their storage type so a migration never imports agent code."""
    if kind == "type" and isinstance(obj, Quantity | UTCDateTime):
        return f"sa.{obj.impl.__class__.__name__}()"
    if kind == "type" and obj.__class__.__module__.startswith("sqlmodel"):
        return "sa.String()"
    return False


def run_migrations() -> None:
    engine = config.attributes["engine"]  # agent.store.migrate.alembic_config(store) passes it
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
