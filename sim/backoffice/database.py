"""Opening the back office's database (SQLite file by default, any SQLAlchemy URL otherwise).

SQLite runs in WAL mode and every transaction starts with ``BEGIN IMMEDIATE``, so the server and a
CLI or test writing to the same file serialize instead of failing on lock upgrades. The schema is
created on open, and the default organization and store exist from the start, so ``serve`` and
``code`` work on an empty database.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, insert, inspect, select, update
from sqlalchemy.engine import Connection

from sim.backoffice import tables as t

DEFAULT_DB = "backoffice.db"
ORGANIZATION_NAME = "ООО «Ромашка»"
ORGANIZATION_INN = "7701234560"  # the KKT emulator's INN (sim/kkt/identity.py), so demos pair at once
STORE_ID = "store-1"
STORE_NAME = "Магазин у дома"
STORE_ADDRESS = "г. Москва, ул. Садовая, д. 5"


def database_url(db: str | Path | None = None, url: str | None = None) -> str:
    """The SQLAlchemy URL: ``url`` as given, else the SQLite file ``db`` (default ./backoffice.db)."""
    if url:
        return url
    return f"sqlite:///{Path(db or DEFAULT_DB).resolve()}"


def _sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_database(url: str) -> Engine:
    """An engine on ``url`` with the schema and the default organization in place."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        _sqlite_hooks(engine)
    t.metadata.create_all(engine)
    with engine.begin() as conn:
        _add_missing_columns(conn)
        ensure_defaults(conn)
    return engine


def _add_missing_columns(conn: Connection) -> None:
    """Columns added to a table since a database file was made (create_all adds only tables)."""
    for table in (t.product,):
        have = {column["name"] for column in inspect(conn).get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(conn.dialect)
                default = f" DEFAULT {column.server_default.arg}" if column.server_default is not None else ""
                null = "" if column.nullable or default else " NOT NULL"
                conn.exec_driver_sql(
                    f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}{default}{null}"
                )


def ensure_defaults(conn: Connection) -> None:
    """The counters, one organization and one store, when missing."""
    have = {row.key for row in conn.execute(select(t.state.c.key))}
    for key, value in (("seq", 0), ("horizon", 0), ("epoch", new_epoch())):
        if key not in have:
            conn.execute(insert(t.state).values(key=key, value=value))
    if conn.execute(select(t.organization.c.id)).first() is None:
        conn.execute(insert(t.organization).values(id=1, name=ORGANIZATION_NAME, inn=ORGANIZATION_INN))
    if conn.execute(select(t.store.c.id)).first() is None:
        conn.execute(insert(t.store).values(id=STORE_ID, name=STORE_NAME, address=STORE_ADDRESS))


def new_epoch() -> int:
    """A random id of one generation of the change sequence; cursors of another generation expire."""
    return secrets.randbelow(2**31 - 1) + 1


def get_state(conn: Connection, key: str) -> int:
    return conn.execute(select(t.state.c.value).where(t.state.c.key == key)).scalar_one()


def set_state(conn: Connection, key: str, value: int) -> None:
    conn.execute(update(t.state).where(t.state.c.key == key).values(value=value))


def allocate_seq(conn: Connection, count: int = 1) -> int:
    """Reserve ``count`` consecutive change numbers; returns the first.

    The counter row stays locked until the transaction ends, so changes commit in sequence order
    (a reader that sees number N also sees every change below N).
    """
    conn.execute(update(t.state).where(t.state.c.key == "seq").values(value=t.state.c.value + count))
    return get_state(conn, "seq") - count + 1
