"""The technician's CLI flows from a shell, through a real daemon, KKT emulator and back office:
exchange settings, the deletion question, local products, rejecting an order, unpairing, a broken config."""

from __future__ import annotations

import pytest

from tests.conftest import run_kassa
from tests.flows.conftest import paired_stack

RU = {"LANG": "ru_RU.UTF-8"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with paired_stack(tmp_path_factory.mktemp("technician"), products=5, employees=1) as stack:
        yield stack


def kassa(daemon, *args, lang=None, **kwargs):
    env = dict(daemon.env, **(RU if lang == "ru" else {}))
    return run_kassa(*args, env=env, **kwargs)


def test_sync_settings_print_and_change(stack):
    daemon, _bo, client = stack
    shown = kassa(daemon, "sync", "settings")
    assert shown.returncode == 0, shown.stderr
    assert "Products: never" in shown.stdout and "Product sync: on" in shown.stdout
    changed = kassa(daemon, "sync", "settings", "--products", "15m", "--orders", "1h", lang="ru")
    assert changed.returncode == 0, changed.stderr
    assert "Сохранено." in changed.stdout and "Товары: каждые 15 минут" in changed.stdout
    assert "Заказы: каждый 1 час" in changed.stdout
    settings = client.get("/v1/sync/settings")
    assert settings["products"] == 900 and settings["orders"] == 3600
    bad = kassa(daemon, "sync", "settings", "--employees", "7m")
    assert bad.returncode == 2 and "--employees" in bad.stderr and "Traceback" not in bad.stderr
    refused = kassa(daemon, "sync", "settings", "--employees", "7")  # seconds, not on the vendor's list
    assert refused.returncode == 1 and "employees" in refused.stderr
    kassa(daemon, "sync", "settings", "--products", "never", "--orders", "never")
    assert client.get("/v1/sync/settings")["products"] == "never"


def test_local_product_and_the_deletion_question(stack):
    daemon, _bo, client = stack
    refused = kassa(
        daemon, "products", "add", "--code", "OWN-1", "--name", "Пирожок", "--price", "5000", lang="ru"
    )
    assert refused.returncode == 1
    assert "синхронизация товаров включена" in refused.stderr and "удалятся" in refused.stderr

    assert kassa(daemon, "sync", "settings", "--product-sync", "off").returncode == 0
    added = kassa(daemon, "products", "add", "--code", "OWN-1", "--name", "Пирожок", "--price", "5000")
    assert added.returncode == 0, added.stderr
    assert "OWN-1" in added.stdout and "50.00" in added.stdout
    listed = kassa(daemon, "products", "--search", "Пирожок")
    assert "OWN-1" in listed.stdout and "local" in listed.stdout

    on = kassa(daemon, "sync", "settings", "--product-sync", "on")
    assert on.returncode == 0, on.stderr
    assert "1 product added at this register will be deleted" in on.stdout and "OWN-1" in on.stdout
    status = kassa(daemon, "status", "--check", lang="ru")
    assert status.returncode == 1
    assert "ожидает подтверждения удаления: 1 товар, добавленный на кассе" in status.stdout
    assert "kassa sync keep" in status.stdout

    kept = kassa(daemon, "sync", "keep")
    assert kept.returncode == 0 and "Product sync is off again" in kept.stdout
    assert client.get("/v1/sync/settings")["product_sync"] is False
    assert client.get("/v1/products", params={"q": "OWN-1"})["items"]

    kassa(daemon, "sync", "settings", "--product-sync", "on")
    confirmed = kassa(daemon, "sync", "confirm")
    assert confirmed.returncode == 0 and "1 added at this register" in confirmed.stdout
    assert not client.get("/v1/products", params={"q": "OWN-1"})["items"]
    after = kassa(daemon, "status", "--check").stdout
    assert "Question" not in after and "waiting for a confirmation" not in after
    nothing = kassa(daemon, "sync", "confirm")
    assert nothing.returncode == 1 and "not waiting for a confirmation" in nothing.stderr


def test_reject_an_order(stack):
    daemon, bo, client = stack
    product = bo.products()[0]
    bo.add_order(lines=[{"code": product["code"], "name": product["name"], "quantity": "1", "price": 100}])
    assert kassa(daemon, "sync", "--stream", "orders", "--wait").returncode == 0
    order = client.get("/v1/orders")["items"][0]
    result = kassa(daemon, "orders", "reject", str(order["id"]), "--reason", "нет в наличии", lang="ru")
    assert result.returncode == 0, result.stderr
    assert f"Заказ {order['id']} отклонён." in result.stdout
    assert client.get("/v1/orders")["items"][0]["status"] == "rejected"
    listed = kassa(daemon, "orders", lang="ru")
    assert "отклонён" in listed.stdout and "rejected" not in listed.stdout
    missing = kassa(daemon, "orders", "reject", "99999")
    assert missing.returncode == 1 and "no order 99999" in missing.stderr


def test_unpair_asks_and_keeps_the_address(stack):
    daemon, bo, client = stack
    declined = kassa(daemon, "unpair", input="n\n")
    assert declined.returncode == 1 and "kassa unpair --yes" in declined.stderr
    assert "Unpair this register from" in declined.stdout and bo.url in declined.stdout
    assert client.get("/v1/status")["paired"] is True
    assert kassa(daemon, "unpair", input="y\n").returncode == 0
    status = client.get("/v1/status")
    assert status["paired"] is False and status["backoffice_url"] == bo.url
    assert f"kassa pair CODE (back office {bo.url})" in kassa(daemon, "status").stdout
    again = kassa(daemon, "pair", bo.code(), lang="ru")  # no --backoffice: the kept address
    assert again.returncode == 0, again.stderr
    assert "Организация: ООО «Ромашка» (ИНН 7701234560)" in again.stdout and "Магазин: " in again.stdout
    assert "Настройки обмена" in again.stdout and "Синхронизация товаров: вкл" in again.stdout
    assert kassa(daemon, "unpair", "--yes").returncode == 0
    assert kassa(daemon, "pair", bo.code()).returncode == 0


def test_status_with_a_broken_config_names_the_file(clean_env, tmp_path):
    config = tmp_path / "agent.toml"
    config.write_text("[printer]\nbaud = 'fast'\n")
    result = run_kassa("status", env=dict(clean_env, KASSA_CONFIG=str(config), **RU))
    assert result.returncode == 78
    lines = result.stderr.strip().splitlines()
    assert str(config) in lines[0] and "baud" in lines[0]
    assert "не запустится, пока не исправлена конфигурация" in lines[1]
    assert "systemctl start" not in result.stderr


def test_a_zero_total_sale_is_refused_in_words(stack):
    daemon, _bo, _client = stack
    result = kassa(daemon, "sale", "--item", "Подарок=0", "--pay", "cash", lang="ru", timeout=120)
    assert result.returncode != 0
    assert "сумма чека равна нулю" in result.stderr and "0x8E" in result.stderr
    assert "lines" not in result.stderr and "Traceback" not in result.stderr
