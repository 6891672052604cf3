"""`kassa backoffice seed|code|compact|order add` as an operator runs them."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from agent import sync_code
from agent.pin_hash import verify_pin
from sim.backoffice import tables as t
from sim.backoffice.database import database_url, open_database
from sim.backoffice.seed import seed
from tests.conftest import run_kassa


def catalog_rows(db) -> list[tuple]:
    engine = open_database(database_url(db))
    with engine.begin() as conn:
        rows = conn.execute(
            select(t.product.c.code, t.product.c.name, t.product.c.price, t.product.c.barcodes).order_by(
                t.product.c.id
            )
        ).all()
    engine.dispose()
    return [(*row[:3], tuple(row[3])) for row in rows]


def test_seed_is_reproducible_and_prints_the_pins(tmp_path, clean_env):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    result = run_kassa(
        "backoffice",
        "seed",
        "--db",
        str(first),
        "--products",
        "50",
        "--employees",
        "3",
        "--orders",
        "2",
        env=clean_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "Иванова Анна (administrator): PIN 1111" in result.stderr
    assert "PIN 2222" in result.stderr and "PIN 3333" in result.stderr
    run_kassa("backoffice", "seed", "--db", str(second), "--products", "50", env=clean_env)
    assert catalog_rows(first) == catalog_rows(second)


def test_seed_refuses_to_mix_and_resets_on_request(tmp_path, clean_env):
    db = str(tmp_path / "bo.db")
    assert run_kassa("backoffice", "seed", "--db", db, "--products", "5", env=clean_env).returncode == 0
    again = run_kassa("backoffice", "seed", "--db", db, "--products", "5", env=clean_env)
    assert again.returncode == 1 and "--reset" in again.stderr and "Traceback" not in again.stderr
    reset = run_kassa(
        "backoffice", "seed", "--db", db, "--products", "7", "--reset", "--inn", "7707083893", env=clean_env
    )
    assert reset.returncode == 0, reset.stderr
    assert len(catalog_rows(db)) == 7
    bad = run_kassa("backoffice", "seed", "--db", db, "--inn", "123", env=clean_env)
    assert bad.returncode == 2 and "123" in bad.stderr


def test_seed_messages_are_russian_in_a_russian_locale(tmp_path, clean_env):
    result = run_kassa(
        "backoffice",
        "seed",
        "--db",
        str(tmp_path / "bo.db"),
        "--products",
        "1",
        "--employees",
        "1",
        env=clean_env | {"LANG": "ru_RU.UTF-8"},
    )
    assert (
        "создано групп: 11, товаров: 1" in result.stderr
        and "Иванова Анна (administrator): PIN 1111" in result.stderr
    )


def test_a_hundred_thousand_products_seed_in_well_under_a_minute(tmp_path):
    engine = open_database(database_url(tmp_path / "big.db"))
    started = time.monotonic()
    with engine.begin() as conn:
        seed(conn, products=100_000, employees=1)
    elapsed = time.monotonic() - started
    with engine.begin() as conn:
        assert conn.execute(select(func.count()).select_from(t.product)).scalar_one() == 100_000
        codes = conn.execute(select(func.count(func.distinct(t.product.c.code)))).scalar_one()
    engine.dispose()
    assert codes == 100_000
    assert elapsed < 30, f"seeding took {elapsed:.1f} s"


def test_code_prints_one_valid_code_and_nothing_else(tmp_path, clean_env):
    result = run_kassa("backoffice", "code", "--db", str(tmp_path / "bo.db"), env=clean_env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and sync_code.is_valid(lines[0]) and lines[0][4] == "-"


def test_order_add_and_compact(tmp_path, clean_env):
    db = str(tmp_path / "bo.db")
    engine = open_database(database_url(db))
    with engine.begin() as conn:
        seed(conn, products=5, employees=0)
    added = run_kassa(
        "backoffice", "order", "add", "--db", db, "--line", "100001x2", "--line", "100002", env=clean_env
    )
    assert added.returncode == 0, added.stderr
    order_id = added.stdout.strip()
    with engine.begin() as conn:
        row = conn.execute(select(t.marketplace_order).where(t.marketplace_order.c.id == order_id)).one()
    engine.dispose()
    assert row.total == 2 * 8990 + 7490 and row.lines[0]["quantity"] == "2.000"
    unknown = run_kassa("backoffice", "order", "add", "--db", db, "--line", "555", env=clean_env)
    assert unknown.returncode == 2 and "555" in unknown.stderr
    compacted = run_kassa("backoffice", "compact", "--db", db, env=clean_env)
    assert compacted.returncode == 0 and "0" in compacted.stderr


def test_documents_of_an_empty_back_office_is_an_empty_array(tmp_path, clean_env):
    result = run_kassa("backoffice", "documents", "--db", str(tmp_path / "bo.db"), env=clean_env)
    assert result.returncode == 0 and json.loads(result.stdout) == []


def test_products_and_employees_change_from_the_shell(tmp_path, clean_env):
    db = str(tmp_path / "bo.db")
    made = run_kassa(
        "backoffice",
        "product",
        "set",
        "--db",
        db,
        "--code",
        "777",
        "--name",
        "Сыр Гауда",
        "--price",
        "89900",
        "--unit",
        "kg",
        "--tax",
        "vat10",
        "--weighted",
        env=clean_env,
    )
    assert made.returncode == 0, made.stderr
    assert catalog_rows(db) == [("777", "Сыр Гауда", 89900, ())]
    assert run_kassa("backoffice", "product", "delete", "--db", db, "777", env=clean_env).returncode == 0
    gone = run_kassa("backoffice", "product", "delete", "--db", db, "777", env=clean_env)
    assert gone.returncode == 2 and "777" in gone.stderr
    added = run_kassa(
        "backoffice", "employee", "add", "--db", db, "--name", "Орлова Вера", "--pin", "4321", env=clean_env
    )
    assert added.returncode == 0, added.stderr
    employee_id = added.stdout.strip()
    engine = open_database(database_url(db))
    with engine.begin() as conn:
        stored = conn.execute(
            select(t.employee.c.pin_hash).where(t.employee.c.id == employee_id)
        ).scalar_one()
    engine.dispose()
    assert verify_pin("4321", stored)
    short = run_kassa(
        "backoffice", "employee", "add", "--db", db, "--name", "X", "--pin", "12", env=clean_env
    )
    assert short.returncode == 2 and "PIN" in short.stderr
    removed = run_kassa("backoffice", "employee", "delete", "--db", db, employee_id, env=clean_env)
    assert removed.returncode == 0
