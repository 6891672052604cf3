"""The register's SQLite store: WAL, synchronous=FULL, BEGIN IMMEDIATE for every write.

A commit returns only after SQLite has fsynced the WAL, so a row written `pending` before
the first byte goes to the register survives a power cut. Writes take the lock when they
begin, not half-way through, so two writers never deadlock into SQLITE_BUSY mid-transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from agent.store import models  # noqa: F401  (registers the tables)

DATABASE_NAME = "kassa.db"
BUSY_TIMEOUT_MS = 5000


class Store:
    """One SQLite file. Use ``write()`` for anything that changes rows, ``read()`` otherwise."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.exists():
            # the store holds PIN hashes and buyer contacts: readable by the daemon's user only
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self.engine: Engine = create_engine(
            f"sqlite:///{self.path}",
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(self.engine, "connect", _on_connect)
        event.listen(self.engine, "begin", _on_begin)
        self._writer = self.engine.execution_options(kassa_write=True)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE), committed and fsynced on a clean exit."""
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            session.connection()  # BEGIN IMMEDIATE now, not at the first statement
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction: a consistent snapshot that never blocks the writer (WAL)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def pragma(self, name: str):
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

    def close(self) -> None:
        self.engine.dispose()


def _on_connect(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling would BEGIN lazily and deferred; we issue BEGIN ourselves
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _on_begin(connection) -> None:
    immediate = connection.get_execution_options().get("kassa_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def open_store(state_dir: Path | str, migrate: bool = True) -> Store:
    """Open (creating if needed) the store in ``state_dir`` and bring its schema up to date."""
    from agent.store.migrate import upgrade

    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    store = Store(state_dir / DATABASE_NAME)
    if migrate:
        upgrade(store)
    return store
