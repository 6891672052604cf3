"""The store: durable pragmas, write locks taken at BEGIN, exact types, migrations that match the models."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel, select

from agent.store import DATABASE_NAME, Store, open_store
from agent.store.migrate import current_revision, head_revision, newest_file_revision
from agent.store.models import FiscalDocument, Product, ReceiptLine


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(tmp_path)
    yield store
    store.close()


def test_pragmas_are_durable(store: Store):
    assert store.pragma("journal_mode") == "wal"
    assert store.pragma("synchronous") == 2  # FULL
    assert store.pragma("foreign_keys") == 1
    assert store.pragma("busy_timeout") >= 1000


def test_database_file_is_private(store: Store):
    assert store.path.stat().st_mode & 0o777 == 0o600


def test_migration_from_empty_reaches_head(tmp_path: Path):
    store = open_store(tmp_path)
    assert current_revision(store) == head_revision()
    tables = {
        row[0] for row in sqlite3.connect(tmp_path / DATABASE_NAME).execute("select name from sqlite_master")
    }
    assert {"fiscal_document", "receipt_line", "outbox", "product", "employee", "sync_cursor"} <= tables
    store.close()
    open_store(tmp_path).close()  # a second start migrates nothing and fails nothing


def test_models_and_migrations_agree(store: Store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_a_sync_runs_closing_counts_read_their_partial_indexes(store: Store):
    """The flagged and local products are counted at the end of every catalog run: through the
    indexes that hold only those rows, never a scan of the catalog."""
    from sqlalchemy.dialects import sqlite

    from agent.sync.deletions import FLAGGED, LOCAL

    with store.write() as session:
        for number in range(50):
            session.add(Product(code=f"P{number}", name=f"Товар {number}", price=100, tax="vat20"))
    with store.read() as session:
        connection = session.connection()
        for statement, index in ((FLAGGED, "ix_product_pending_delete"), (LOCAL, "ix_product_local")):
            compiled = statement.compile(dialect=sqlite.dialect())
            plan = connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())
            ).all()
            assert [row[-1] for row in plan] == [f"SCAN product USING INDEX {index}"]


def test_write_takes_the_lock_at_begin(store: Store):
    """A second writer waits at BEGIN instead of failing half-way through its transaction."""
    other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    entered = threading.Event()
    release = threading.Event()

    def hold_write_lock():
        with store.write():
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold_write_lock)
    holder.start()
    assert entered.wait(5)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN")  # readers are never blocked (WAL)
    other.execute("SELECT count(*) FROM product").fetchone()
    other.execute("COMMIT")
    release.set()
    holder.join()
    other.execute("BEGIN IMMEDIATE")
    other.execute("COMMIT")


def test_quantities_are_exact_and_times_are_utc(store: Store):
    moscow = timezone(timedelta(hours=3))
    with store.write() as session:
        document = FiscalDocument(
            uuid="u1",
            type="sale",
            status="pending",
            request_hash="h",
            created_at=datetime(2026, 1, 1, 12, tzinfo=moscow),
        )
        session.add(document)
        session.flush()
        session.add(
            ReceiptLine(
                document_id=document.id,
                position=1,
                name="Сыр",
                quantity=Decimal("0.375"),
                price=89990,
                amount=33746,
                tax="vat10",
            )
        )
    with store.read() as session:
        line = session.exec(select(ReceiptLine)).one()
        assert line.quantity == Decimal("0.375")
        assert isinstance(line.quantity, Decimal)
        document = session.exec(select(FiscalDocument)).one()
        assert document.created_at == datetime(2026, 1, 1, 9, tzinfo=UTC)
        assert document.created_at.tzinfo is UTC


def test_refuses_what_would_lose_precision(store: Store):
    with pytest.raises(Exception, match="three decimal places"), store.write() as session:
        session.add(
            ReceiptLine(
                document_id=1, position=1, name="x", quantity=Decimal("0.0005"), price=1, amount=0, tax="none"
            )
        )
    with pytest.raises(Exception, match="naive datetime"), store.write() as session:
        session.add(Product(code="1", name="x", price=1, tax="none", updated_at=datetime(2026, 1, 1)))


def test_a_failed_write_leaves_nothing(store: Store):
    with pytest.raises(RuntimeError), store.write() as session:
        session.add(Product(code="p1", name="Хлеб", price=5000, tax="vat10"))
        session.flush()
        raise RuntimeError("crash before commit")
    with store.read() as session:
        assert session.exec(select(Product)).all() == []


def test_a_products_search_name_follows_its_name_and_an_old_store_gets_it_filled(tmp_path: Path):
    old = Store(tmp_path / DATABASE_NAME)
    from agent.store.migrate import upgrade

    upgrade(old, "0004")
    with sqlite3.connect(old.path) as db:
        db.execute(
            "INSERT INTO product (code, name, price, unit, tax, payment_object, weighted, origin,"
            " pending_delete, updated_at) VALUES ('M', 'МОЛОКО Домик', 1, 'pcs', 'none', 'commodity', 0,"
            " 'local', 0, '2026-01-01 00:00:00')"
        )
    old.close()
    store = open_store(tmp_path)
    try:
        with store.write() as session:
            session.add(Product(code="K", name="Кефир ЁЖИК", price=1, tax="none"))
        with store.write() as session:
            milk = session.exec(select(Product).where(Product.code == "M")).one()
            assert milk.search_name == "молоко домик"
            milk.name = "Молоко ВЕСЁЛОЕ"
        with store.read() as session:
            names = dict(session.exec(select(Product.code, Product.search_name)).all())
        assert names == {"M": "молоко весёлое", "K": "кефир ёжик"}
    finally:
        store.close()


def test_a_store_at_head_opens_without_alembic(tmp_path: Path):
    assert newest_file_revision() == head_revision()
    open_store(tmp_path).close()
    probe = (
        "import sys; from agent.store import open_store; open_store(sys.argv[1]).close();"
        " print(any(name.split('.')[0] == 'alembic' for name in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_a_state_directory_with_url_characters_holds_the_store(tmp_path: Path):
    """ "?", "#" and "%" in the state directory's path: the store is the file in it, nowhere else."""
    state = tmp_path / "state #1 ?x=1 %41"
    store = open_store(state)
    try:
        assert Path(store.engine.url.database) == state / DATABASE_NAME
        with store.write() as session:
            session.add(Product(code="1", name="Хлеб", price=5000, tax="vat20"))
        with store.read() as session:
            assert session.exec(select(Product.name)).all() == ["Хлеб"]
    finally:
        store.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == [state.name]
    assert (state / DATABASE_NAME).stat().st_size > 0
