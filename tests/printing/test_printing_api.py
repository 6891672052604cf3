"""Receipt copies and the test page through the daemon, on the virtual ESC/POS printer."""

from __future__ import annotations

import contextlib
import re
import uuid
from datetime import datetime
from decimal import Decimal

import pytest

from agent.client import DaemonError
from agent.store import DATABASE_NAME, Store
from agent.store.models import Barcode, Product
from common.money import format_money
from drivers.escpos.layout import format_quantity
from drivers.fiscal_register import mark_sign
from sim.kkt.marks import issue
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.escpos import escpos_emulator
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.journal.e2e import MILK_GTIN, add_marked_milk, wait_ready


def printer_config(printer) -> str:
    return f'\n[receipt_printer]\nport = "{printer.link}"\nprofile = "escpos-emulator"\n'


def test_a_copy_of_a_sale_carries_its_fiscal_attributes_and_qr(tmp_path):
    with (
        kkt_emulator(tmp_path) as kkt,
        escpos_emulator(tmp_path) as printer,
        running_daemon(tmp_path, config=kkt_config(kkt) + printer_config(printer)) as daemon,
    ):
        wait_ready(daemon)
        client = daemon.client()
        sale = client.post(
            "/v1/receipts",
            json={
                "uuid": str(uuid.uuid4()),
                "lines": [{"name": "Хлеб «Бородинский»", "price": 4550, "quantity": "2", "tax": "vat10"}],
                "payments": [{"kind": "cash", "amount": 10000}],
            },
        )
        answer = client.post(f"/v1/receipts/{sale['id']}/copy")
        assert answer["printed"] is True

        text = printer.wait_receipts(1)[0]
        assert "КОПИЯ" in text
        assert "Хлеб «Бородинский»" in text or 'Хлеб "Бородинский"' in text
        assert "91.00" in text
        assert "НДС 10%" in text and "8.27" in text  # 9100 × 10 / 110, rounded half up
        assert f"{sale['fd']}" in text and sale["fiscal_sign"] in text
        assert f"&i={sale['fd']}&fp={sale['fiscal_sign']}&n=1" in text  # the tax authority's QR

        with pytest.raises(DaemonError) as missing:
            client.post("/v1/receipts/999999/copy")
        assert missing.value.code == "receipt_not_found"

        client.post("/v1/devices/test", json={"device": "receipt_printer"})
        assert "ПРОВЕРКА ПЕЧАТИ" in printer.wait_receipts(2)[1]


def test_without_a_receipt_printer_printing_says_so(tmp_path):
    with kkt_emulator(tmp_path) as kkt, running_daemon(tmp_path, config=kkt_config(kkt)) as daemon:
        with pytest.raises(DaemonError) as error:
            daemon.client().post("/v1/devices/test", json={"device": "receipt_printer"})
        assert error.value.status == 503
        assert "receipt printer" in error.value.message
        with pytest.raises(DaemonError) as missing:  # no such receipt: never a copy, printer or not
            daemon.client().post("/v1/receipts/999999/copy")
        assert missing.value.code == "receipt_not_found" and not missing.value.retryable


def test_a_copy_of_a_correction_carries_its_basis_and_the_corrected_operation_in_its_qr(tmp_path):
    with (
        kkt_emulator(tmp_path) as kkt,
        escpos_emulator(tmp_path) as printer,
        running_daemon(tmp_path, config=kkt_config(kkt) + printer_config(printer)) as daemon,
    ):
        wait_ready(daemon)
        client = daemon.client()
        made = client.post(
            "/v1/corrections",
            json={
                "uuid": str(uuid.uuid4()),
                "sign": "return",
                "reason": "возврат при неработающей кассе",
                "document_date": "2026-11-20",
                "document_number": "12-34/5",
                "lines": [{"name": "Молоко", "price": 8990, "tax": "vat10"}],
                "payments": [{"kind": "card", "amount": 8990}],
            },
        )
        assert client.post(f"/v1/receipts/{made['id']}/copy")["printed"] is True

        text = printer.wait_receipts(1)[0]
        assert "КАССОВЫЙ ЧЕК КОРРЕКЦИИ · ВОЗВРАТ ПРИХОДА" in text and "КОПИЯ" in text
        assert "Тип коррекции" in text and "по предписанию" in text  # tag 1173
        assert "Дата расчёта" in text and "20.11.2026" in text  # tag 1178
        assert "Предписание №" in text and "12-34/5" in text  # tag 1179
        assert "возврат при неработающей кассе" in text and "89.90" in text
        assert f"&i={made['fd']}&fp={made['fiscal_sign']}&n=2" in text  # 1054 of the corrected settlement


def test_a_copy_is_in_russian_and_its_time_is_the_fns_whatever_the_shops_zone(tmp_path):
    """The paper's labels are Russian (ИТОГ, СДАЧА, not TOTAL, CHANGE), and its date and its QR code's
    t= are the FN's tag 1012 (the register's clock, Moscow here), not the shop's or this machine's zone:
    the tax service finds a receipt by the QR's time as the FN stored it."""
    config = '\n[shop]\ntimezone = "Asia/Yekaterinburg"\n'
    with (
        kkt_emulator(tmp_path) as kkt,
        escpos_emulator(tmp_path) as printer,
        running_daemon(tmp_path, config=kkt_config(kkt) + printer_config(printer) + config) as daemon,
    ):
        wait_ready(daemon)
        client = daemon.client()
        sale = client.post(
            "/v1/receipts",
            json={
                "uuid": str(uuid.uuid4()),
                "lines": [{"name": "Хлеб", "price": 4550, "tax": "vat10"}],
                "payments": [{"kind": "cash", "amount": 5000}],
            },
        )
        client.post(f"/v1/receipts/{sale['id']}/copy")
        text = printer.wait_receipts(1)[0]
        fn = next(doc for doc in kkt.journal() if doc["fd"] == sale["fd"])

    moment = datetime.fromisoformat(fn["datetime"])  # the register's local time, as the FN holds it
    assert f"{moment:%d.%m.%Y %H:%M}" in text
    assert f"t={moment:%Y%m%dT%H%M}&s=45.50&" in text
    assert "ИТОГ" in text and "СДАЧА" in text and "=4.50" in text
    assert "TOTAL" not in text and "CHANGE" not in text


def fn_line(item: dict) -> str:
    """A position as the copy prints it: quantity, measure, the FN's price (tag 1079), its sum (1043)."""
    quantity = format_quantity(Decimal(item["quantity"]))
    unit = {"0": "шт", "11": "кг"}[item["tags"]["2108"]]
    return f"{quantity} {unit} x {format_money(item['price'])}"


def test_a_copy_is_the_fns_receipt_positions_vat_and_requisites(tmp_path):
    """A tax inspector's reading of the copy beside the FN's archive: each position at the FN's own
    price (after the discount) and sum; each VAT rate's sum the FN's position VATs added up (two 1.00
    lines at 20 % are 0.17 each, not 20/120 of their sum); 0 % and no VAT as the sums settled
    (1104, 1105); and the seller's, cashier's and tax service's requisites."""
    with (
        kkt_emulator(tmp_path) as kkt,
        escpos_emulator(tmp_path) as printer,
        backoffice_server(tmp_path, products=0, employees=0) as bo,
        running_daemon(tmp_path, config=kkt_config(kkt) + printer_config(printer)) as daemon,
    ):
        wait_ready(daemon)
        client = daemon.client()
        client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
        sale = client.post(
            "/v1/receipts",
            json={
                "uuid": str(uuid.uuid4()),
                "cashier": {"name": "Иванова И.И.", "inn": "500100732259"},
                "lines": [
                    {"name": "Хлеб", "price": 4990, "quantity": "3", "tax": "vat10", "discount": 100},
                    {"name": "Сыр", "price": 89900, "quantity": "0.347", "tax": "vat20", "unit": "kg"},
                    {"name": "Спички", "price": 100, "quantity": "1", "tax": "vat20"},
                    {"name": "Спички", "price": 100, "quantity": "1", "tax": "vat20"},
                    {"name": "Спички", "price": 100, "quantity": "1", "tax": "vat20"},
                    {"name": "Вода", "price": 3333, "tax": "vat0"},
                    {"name": "Книга", "price": 50000, "tax": "none", "discount_percent": "5"},
                ],
                "payments": [{"kind": "card", "amount": 50000}, {"kind": "cash"}],
            },
        )
        client.post(f"/v1/receipts/{sale['id']}/copy")
        text = printer.wait_receipts(1)[0]
        fn = next(doc for doc in kkt.journal() if doc["fd"] == sale["fd"])

    for item in fn["items"]:
        assert f"{fn_line(item)}" in text and f"={format_money(item['amount'])}" in text, item
    settled: dict[int, int] = {}  # by FF46 tax byte: 1 20 %, 2 10 %, 4 0 %, 8 no VAT
    vat: dict[int, int] = {}
    for item in fn["items"]:
        settled[item["tax"]] = settled.get(item["tax"], 0) + item["amount"]
        vat[item["tax"]] = vat.get(item["tax"], 0) + (item["vat"] or 0)
    assert vat[1] != round(Decimal(settled[1]) * 20 / 120)  # the rate applied to the total would differ
    expected = (
        ("НДС 10%", vat[2]),
        ("НДС 20%", vat[1]),
        ("Сумма с НДС 0%", settled[4]),
        ("Сумма без НДС", settled[8]),
    )
    for label, amount in expected:
        assert re.search(rf"{label} +={re.escape(format_money(amount))}\n", text), (label, amount, text)
    assert re.search(rf"ИТОГ +={re.escape(format_money(fn['total']))}\n", text)
    for requisite in ("ИНН +7701234560", "Адрес расчётов", "Место расчётов", "СНО +УСН доход",
                      "Кассир +Иванова И.И.", "ИНН кассира +500100732259", "Сайт ФНС +www.nalog.gov.ru",
                      f"ФД +{fn['fd']}", f"ФП +{fn['fiscal_sign']}", f"Смена +{fn['shift']}"):  # fmt: skip
        assert re.search(requisite, text), requisite


SHOES_GTIN = "04690257528523"  # shoes: a code whose crypto tail the emulated FN checks itself


def add_marked_shoes(daemon) -> None:
    with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.write() as session:
        product = Product(
            code="SHOES-M", name="Кеды", price=499000, tax="vat20", marked=True, marking_group="shoes"
        )
        session.add(product)
        session.flush()
        session.add(Barcode(code=SHOES_GTIN[1:], product_id=product.id))


def test_a_copy_signs_each_marked_unit_with_its_check(tmp_path):
    """Tag 2106 on paper (FFD 1.2), as the FN holds each position's result: [М+] before a unit the
    FN and the national system both confirmed, [М] before one a check was not made for (milk's
    short code the FN cannot check itself; shoes sold while the national system did not answer)."""
    with (
        kkt_emulator(tmp_path) as kkt,
        escpos_emulator(tmp_path) as printer,
        running_daemon(tmp_path, config=kkt_config(kkt) + printer_config(printer)) as daemon,
    ):
        wait_ready(daemon)
        add_marked_milk(daemon)
        add_marked_shoes(daemon)
        client = daemon.client()

        def sell(lines: list[dict]) -> dict:
            body = {"uuid": str(uuid.uuid4()), "lines": lines, "payments": [{"kind": "card"}]}
            return client.post("/v1/receipts", json=body)

        shoes = {"code": "SHOES-M", "quantity": "1", "marks": [issue(SHOES_GTIN, "shoes")]}
        milk = {"code": "MILK-M", "quantity": "1", "marks": [issue(MILK_GTIN)]}
        made = [sell([shoes, milk])]
        kkt.fault("mark-offline")
        made.append(sell([{"code": "SHOES-M", "quantity": "1", "marks": [issue(SHOES_GTIN, "shoes")]}]))
        for sale in made:
            client.post(f"/v1/receipts/{sale['id']}/copy")
        copies = printer.wait_receipts(2)
        fn = {doc["fd"]: doc for doc in kkt.journal()}

    signs = [[mark_sign(item["mark"]["result"]) for item in fn[sale["fd"]]["items"]] for sale in made]
    assert signs == [["[М+]", "[М]"], ["[М]"]]
    assert "[М+] Кеды\n" in copies[0] and "[М] Молоко\n" in copies[0]
    assert "[М] Кеды\n" in copies[1]
