"""The store's background check: SQLite's quick_check on a connection of its own, its result kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from agent.store import DATABASE_NAME, open_store
from agent.store.health import check_periodically, quick_check

PAGE = 4096


def _store_with_rows(path: Path) -> Path:
    store = open_store(path)
    with store.write() as session:
        connection = session.connection()
        connection.exec_driver_sql("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT)")
        connection.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
            "INSERT INTO filler (text) SELECT printf('%0500d', i) FROM n"
        )
    store.close()
    return path / DATABASE_NAME


def test_a_sound_store_passes(tmp_path: Path):
    path = _store_with_rows(tmp_path / "state #1 ?%")  # a URI's special characters in the path
    moment = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    result = quick_check(path, clock=lambda: moment)
    assert result.ok is True and result.problem is None and result.checked_at == moment


def test_a_damaged_page_fails_with_sqlites_complaint(tmp_path: Path):
    path = _store_with_rows(tmp_path)
    pages = path.stat().st_size // PAGE
    with path.open("r+b") as handle:  # garbage over the second half of the file's pages
        for page in range(pages // 2, pages):
            handle.seek(page * PAGE)
            handle.write(b"\xa5" * PAGE)
    result = quick_check(path)
    assert result.ok is False
    assert result.problem


def test_a_file_that_is_no_database_fails(tmp_path: Path):
    path = tmp_path / DATABASE_NAME
    path.write_bytes(b"not a database at all" * 400)
    result = quick_check(path)
    assert result.ok is False and "not a database" in result.problem


def test_a_store_that_has_gone_fails_and_is_not_created_again(tmp_path: Path):
    path = tmp_path / "a dir with spaces" / DATABASE_NAME
    path.parent.mkdir()
    result = quick_check(path)
    assert result.ok is False and result.problem
    assert not path.exists()


def test_the_daemon_checks_at_once_then_every_period(tmp_path: Path):
    path = _store_with_rows(tmp_path)
    results = []

    async def run() -> None:
        task = asyncio.create_task(check_periodically(path, results.append, period=0.05))
        while len(results) < 3:
            await asyncio.sleep(0.01)
        task.cancel()

    asyncio.run(asyncio.wait_for(run(), 10))
    assert [result.ok for result in results[:3]] == [True, True, True]
    assert results[0].checked_at <= results[1].checked_at <= results[2].checked_at
