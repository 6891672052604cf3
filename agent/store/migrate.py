"""Alembic, driven from code: the daemon upgrades the schema at start, tests check for drift.

A new migration is written with ``python -m agent.store.new_migration`` (it needs a store; this
module must not import one: the store imports it)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(store=None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    if store is not None:
        config.set_main_option("sqlalchemy.url", f"sqlite:///{store.path}")
        config.attributes["engine"] = store._writer
    return config


def upgrade(store, revision: str = "head") -> None:
    command.upgrade(alembic_config(store), revision)


def current_revision(store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
