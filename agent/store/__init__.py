"""The register's SQLite store: WAL, synchronous=FULL, BEGIN IMMEDIATE for every write.

A commit returns only after SQLite has fsynced the WAL, so a row written `pending` before
the first byte goes to the register survives a power cut. Writes take the lock when they
begin, not half-way through, so two writers never deadlock into SQLITE_BUSY mid-transaction.

Data that can be fetched again (a catalog page with the cursor after it; a fiscal result whose
FN document recovery finds again from its durable ``pending`` row) may be written with
``write(durable=False)``: its own connections, synchronous=NORMAL, so the commit does not wait
for an fsync. A power cut can then lose the last such commits whole, never half of one (the
WAL's frames are checksummed in order), and the next durable commit of any writer fsyncs the
WAL with them in it, so a sale's own durability never depends on what came before it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlmodel import Session, create_engine

from agent.store import models  # registers the tables
from agent.store.health import StoreCheck

DATABASE_NAME = "kassa.db"
BUSY_TIMEOUT_MS = 5000
# the page cache of write(durable=False)'s connection: a catalog page's inserts land all over the
# search index, and SQLite's default 2 MiB would spill dirty pages and read them back (a 100,000-
# product sync: a fifth less CPU); ``release()`` gives it back when the sync is over
REFETCHABLE_CACHE_KIB = 8192


class Store:
    """One SQLite file. Use ``write()`` for anything that changes rows, ``read()`` otherwise."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.health: StoreCheck | None = None  # the last quick_check (agent.store.health)
        if not self.path.exists():
            # the store holds PIN hashes and buyer contacts: readable by the daemon's user only
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        self.engine: Engine = _engine(self.path, synchronous="FULL")
        self._writer = self.engine.execution_options(kassa_write=True)
        # write(durable=False) has an engine of its own, so a connection with synchronous=NORMAL
        # never serves a durable write (it opens no connection until the first such write)
        self._refetchable = _engine(
            self.path, synchronous="NORMAL", cache_kib=REFETCHABLE_CACHE_KIB
        ).execution_options(kassa_write=True)

    @contextmanager
    def write(self, *, durable: bool = True) -> Iterator[Session]:
        """A write transaction (BEGIN IMMEDIATE), committed and fsynced on a clean exit.

        ``durable=False``: committed without waiting for the fsync (see the module's docstring);
        only for what can be fetched again, never for a journal row the FN cannot give back."""
        writer = self._writer if durable else self._refetchable
        with Session(writer, expire_on_commit=False) as session, session.begin():
            session.connection()  # BEGIN IMMEDIATE now, not at the first statement
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction: a consistent snapshot that never blocks the writer (WAL)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def release(self) -> None:
        """Close write(durable=False)'s connections and their page cache until the next such write."""
        self._refetchable.engine.dispose()

    def pragma(self, name: str):
        with self.engine.connect() as connection:
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

    def close(self) -> None:
        self.engine.dispose()
        self._refetchable.engine.dispose()


def _engine(path: Path, synchronous: str, cache_kib: int | None = None) -> Engine:
    # a URL object, not a string: a state directory's "?", "#" or "%" would be parsed as the URL's
    # query or escapes, and the store opened at another path
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )

    def on_connect(dbapi_connection, _record) -> None:
        # pysqlite's own transaction handling would BEGIN lazily and deferred; we issue BEGIN ourselves
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if cache_kib:
            cursor.execute(f"PRAGMA cache_size=-{cache_kib}")
        cursor.close()

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine


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
        with store.read() as session:  # a catalog sync killed before it built it again
            built = session.connection().exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (models.SEARCH_INDEX,)
            )
            missing = built.first() is None
        if missing:  # no write otherwise: opening a store never waits for another writer's lock
            with store.write() as session:
                session.connection().exec_driver_sql(models.BUILD_SEARCH_INDEX)
    return store
