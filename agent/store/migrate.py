"""Alembic, driven from code: the daemon upgrades the schema at start, tests check for drift."""

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


def autogenerate(message: str, rev_id: str) -> None:
    """Write a new revision holding the difference between the models and the schema at head."""
    import tempfile

    from agent.store import Store

    with tempfile.TemporaryDirectory() as scratch:
        store = Store(Path(scratch) / "scratch.db")
        if head_revision() is not None:
            upgrade(store)
        command.revision(alembic_config(store), message=message, autogenerate=True, rev_id=rev_id)
        store.close()


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Write a migration for the current models (developers).")
    parser.add_argument("message")
    parser.add_argument("--rev-id", required=True, help="e.g. 0002")
    args = parser.parse_args()
    autogenerate(args.message, args.rev_id)
