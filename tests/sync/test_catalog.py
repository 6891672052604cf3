"""Products and groups: delta by cursor, tombstones, 410 resync, product sync ON/OFF and the guard."""

from __future__ import annotations

from sqlmodel import select

from agent.store.models import Product, ProductGroup, SyncCursor
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
