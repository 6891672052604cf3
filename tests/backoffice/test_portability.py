"""The schema and feed queries stay portable: they compile for PostgreSQL, not only SQLite.

PostgreSQL itself cannot run here; this catches SQLite-only types and SQL before a deployment does.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel import SQLModel

from sim.backoffice import tables as t


def test_every_table_and_index_compiles_for_postgresql():
    dialect = postgresql.dialect()
    for table in t.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=dialect))
        assert ddl.startswith(f"\nCREATE TABLE {table.name}")
        for index in table.indexes:
            assert "CREATE INDEX" in str(CreateIndex(index).compile(dialect=dialect))


def test_the_back_office_tables_stay_out_of_the_agents_metadata():
    assert not {name for name in SQLModel.metadata.tables if name.startswith("bo_")}
    assert all(name.startswith("bo_") for name in t.metadata.tables)
