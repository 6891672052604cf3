"""Products and groups: delta by cursor, tombstones, 410 resync, product sync ON/OFF and the guard."""

from __future__ import annotations

from sqlmodel import select

from agent.backoffice import errors
from agent.store import open_store
from agent.store.models import SEARCH_INDEX, Product, ProductGroup, SyncCursor
from agent.sync import catalog
from tests.sync.harness import office, register
from tests.sync.helpers import add_local_product, office_products, register_products


def test_first_sync_mirrors_the_catalog_with_groups_and_barcodes(paired, bo):
    result = paired.engine.run("products")
    assert result.ok and result.moved > 20
    assert register_products(paired.store) == office_products(bo)
    with paired.store.read() as session:
        assert session.exec(select(ProductGroup)).all()
        assert session.get(SyncCursor, "products").cursor


def test_delta_applies_changes_and_tombstones(paired, bo):
    paired.engine.run("products")
    first = bo.products()[0]
    bo.upsert_product(
        product_id=first["id"], code=first["code"], name="Новое имя", price=12345, barcodes=["4600000000001"]
    )
    bo.delete_product(bo.products()[1]["code"])
    bo.upsert_product(code="NEW-1", name="Новинка", price=100)
    result = paired.engine.run("products")
    assert result.ok and result.moved == 3
    assert register_products(paired.store) == office_products(bo)


def test_cursor_expired_means_a_full_resync(paired, bo):
    paired.engine.run("products")
    bo.delete_product(bo.products()[0]["code"])
    bo.upsert_product(code="NEW-2", name="Ещё новинка", price=200)
    assert bo.compact() >= 1  # the tombstone is forgotten: the old cursor answers 410
    result = paired.engine.run("products")
    assert result.ok and result.details["resynced"] is True
    assert register_products(paired.store) == office_products(bo)


def test_product_sync_on_deletes_local_products_only_after_confirmation(tmp_path):
    with office(tmp_path, products=10, employees=0) as bo, register(tmp_path) as reg:
        service = _service(reg)
        reg.pair(bo)
        service.update_settings({"product_sync": False})
        add_local_product(reg.store, "LOCAL-1")
        reg.engine.run("products")
        assert "LOCAL-1" in _codes(reg.store)  # OFF: local products stay local
        assert service.settings()["confirmation"] is None
        settings = service.update_settings({"product_sync": True})  # ON: asks first
        assert settings["product_sync"] is True
        assert settings["confirmation"]["local_products"]["count"] == 1
        assert settings["confirmation"]["local_products"]["sample"][0]["code"] == "LOCAL-1"
        reg.engine.run("products")
        assert "LOCAL-1" in _codes(reg.store)  # not deleted without the operator's yes
        outcome = service.confirm(accept=True)
        assert outcome["deleted"]["local_products"] == 1
        assert register_products(reg.store) == office_products(bo)


def test_declining_the_question_turns_product_sync_back_off(tmp_path):
    with office(tmp_path, products=5, employees=0) as bo, register(tmp_path) as reg:
        service = _service(reg)
        reg.pair(bo)
        service.update_settings({"product_sync": False})
        add_local_product(reg.store, "LOCAL-2")
        service.update_settings({"product_sync": True})
        service.confirm(accept=False)
        assert service.settings()["product_sync"] is False
        assert "LOCAL-2" in _codes(reg.store)
        # ON with the confirmation given up front deletes at once
        service.update_settings({"product_sync": True, "confirm": True})
        assert "LOCAL-2" not in _codes(reg.store)


def test_mass_delete_waits_for_confirmation(tmp_path):
    with office(tmp_path, products=10, employees=0) as bo, register(tmp_path) as reg:
        service = _service(reg)
        reg.pair(bo)
        reg.engine.run("products")
        for product in bo.products()[:6]:  # 60% of the catalog, over the 50% guard
            bo.delete_product(product["code"])
        result = reg.engine.run("products")
        assert result.ok and result.details["deleted"] == 0
        assert result.details["confirmation"]["mass_delete"]["count"] == 6
        assert len(_codes(reg.store)) == 10  # nothing deleted yet
        service.confirm(accept=True)
        assert register_products(reg.store) == office_products(bo)


def test_a_small_deletion_needs_no_confirmation(paired, bo):
    paired.engine.run("products")
    bo.delete_product(bo.products()[0]["code"])
    result = paired.engine.run("products")
    assert result.details["deleted"] == 1 and "confirmation" not in result.details


def test_local_product_with_the_same_sku_is_adopted(tmp_path):
    with office(tmp_path, products=3, employees=0) as bo, register(tmp_path) as reg:
        code = bo.products()[0]["code"]
        add_local_product(reg.store, code, "Мой товар")
        reg.pair(bo)
        reg.engine.run("products")
        assert register_products(reg.store) == office_products(bo)
        with reg.store.read() as session:
            assert session.exec(select(Product).where(Product.origin == "local")).all() == []


def _codes(store) -> set[str]:
    with store.read() as session:
        return set(session.exec(select(Product.code)).all())


def _service(reg):
    from agent.sync.scheduler import Scheduler
    from agent.sync.service import SyncService

    return SyncService(reg.engine, Scheduler(reg.engine))


def _has_search_index(connection) -> bool:
    return bool(
        connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (SEARCH_INDEX,)
        ).first()
    )


def test_a_first_sync_builds_the_name_index_once_at_the_end(tmp_path, monkeypatch):
    seen = []
    save = catalog.cursor.save

    def saving(session, *args):
        seen.append(_has_search_index(session.connection()))
        return save(session, *args)

    monkeypatch.setattr(catalog.cursor, "save", saving)
    with office(tmp_path, products=25, employees=0) as bo, register(tmp_path, page_limit=10) as reg:
        reg.pair(bo)
        assert reg.engine.run("products").ok
        assert len(seen) >= 3 and not any(seen)  # no page kept it up
        with reg.store.read() as session:
            assert _has_search_index(session.connection())
            plan = session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM product WHERE search_name >= 'а' ORDER BY search_name"
            )
            assert SEARCH_INDEX in " ".join(str(row) for row in plan)
        seen.clear()
        bo.upsert_product(code="NEW-3", name="Новинка", price=100)
        assert reg.engine.run("products").ok  # a delta keeps it up as it writes
        assert seen == [True]
        assert register_products(reg.store) == office_products(bo)


def test_a_catalog_with_products_keeps_its_name_index_through_a_full_resync(paired, bo, monkeypatch):
    paired.engine.run("products")
    bo.upsert_product(code="NEW-4", name="Ещё", price=100)
    seen = []
    save = catalog.cursor.save
    monkeypatch.setattr(
        catalog.cursor, "save", lambda s, *a: (seen.append(_has_search_index(s.connection())), save(s, *a))[1]
    )
    with paired.store.write() as session:
        session.connection().exec_driver_sql("DELETE FROM sync_cursor")  # from the beginning again
    assert paired.engine.run("products").ok
    assert seen and all(seen)  # searches over a full catalog keep their index
    assert register_products(paired.store) == office_products(bo)


def test_a_failed_first_sync_still_ends_with_the_name_index(tmp_path, monkeypatch):
    with office(tmp_path, products=25, employees=0) as bo, register(tmp_path, page_limit=10) as reg:
        reg.pair(bo)
        pages = catalog.BackofficeClient.pages

        def two_then_gone(self, *args):
            for number, page in enumerate(pages(self, *args)):
                if number == 2:
                    raise errors.Unreachable(url=self.shown_url, detail="test")
                yield page

        monkeypatch.setattr(catalog.BackofficeClient, "pages", two_then_gone)
        assert not reg.engine.run("products").ok
        with reg.store.read() as session:
            assert _has_search_index(session.connection())
            assert session.exec(select(Product)).first() is not None


def test_a_store_opened_without_the_name_index_builds_it(tmp_path):
    """A daemon killed in a first sync, before the index was built again."""
    store = open_store(tmp_path)
    with store.write() as session:
        session.connection().exec_driver_sql(f"DROP INDEX {SEARCH_INDEX}")
    store.close()
    store = open_store(tmp_path)
    with store.read() as session:
        assert _has_search_index(session.connection())
    store.close()
