"""Alembic, driven from code: the daemon upgrades the schema at start, tests check for drift.

A store already at the newest revision is left alone without loading Alembic (a third of a
second and megabytes the daemon would keep for nothing); the newest revision is read from the
migration files themselves. A new migration is written with ``python -m agent.store.new_migration``
(it needs a store; this module must not import one: the store imports it)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from agent.store.uri import file_uri

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r'^revision: str = "([^"]+)"$', re.MULTILINE)
_DOWN = re.compile(r'^down_revision: str \| None = (?:"([^"]+)"|None)$', re.MULTILINE)


def alembic_config(store=None):
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    # the options are configparser values: a "%" in a path must be doubled
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if store is not None:
        config.attributes["engine"] = store._writer  # migrations/env.py runs on the store's own engine
    return config


def upgrade(store, revision: str = "head") -> None:
    if revision == "head" and _stored_revision(store) == newest_file_revision() is not None:
        return
    from alembic import command

    command.upgrade(alembic_config(store), revision)


def newest_file_revision() -> str | None:
    """The one revision no migration file builds on; None when the files do not say plainly."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(store) -> str | None:
    if not store.path.exists():
        return None
    try:
        with sqlite3.connect(file_uri(store.path, "ro"), uri=True, timeout=5) as db:
            rows = db.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return None
    return rows[0][0] if len(rows) == 1 else None


def current_revision(store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
