"""A tax inspector's audit of one shop day: every fiscal document kassa made is the same in the FN's
archive (the emulator's), in kassa's journal, at the back office and on the paper copy.

The day goes as a shop's does, through a real daemon, the KKT emulator on a pty, the reference back
office and the virtual receipt printer: a shift opened by a cashier with an INN, cash in, a sale
with discounts, five VAT rates, a weighed line and change, a part return, a correction, cash out, an
X report and the Z report. Then each view is laid beside the FN's.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from common.money import format_money
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.escpos import escpos_emulator
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.journal.e2e import journal_rows
from tests.sync.harness import NEVER, wait_register_ready

REGISTRATION_NUMBER = "0000000001012345"  # the emulator's registration report (tag 1037)
CASHIER = {"name": "Иванова И.И.", "inn": "500100732259"}
FN_TYPES = {"sale": "receipt", "return": "return", "correction": "correction"}
TAX_BYTES = {"vat20": 1, "vat10": 2, "vat0": 4, "none": 8, "vat20_120": 16, "vat10_110": 32}  # the profile's
FN_TAX_SYSTEMS = {"usn_income": 2}  # tag 1055's bit, as the emulator is registered
VAT_LABELS = {
    "1102": "НДС 20%",
    "1103": "НДС 10%",
    "1104": "Сумма с НДС 0%",
    "1105": "Сумма без НДС",
    "1106": "НДС 20/120",
    "1107": "НДС 10/110",
}


def key() -> str:
    return str(uuid.uuid4())


def shop_day(client) -> dict[str, dict]:
    made = {}
    made["open"] = client.post("/v1/shift/open", json={"uuid": key(), "cashier": CASHIER})["document"]
    made["in"] = client.post("/v1/cash/in", json={"uuid": key(), "amount": 500000, "cashier": CASHIER})[
        "document"
    ]
    made["sale"] = client.post(
        "/v1/receipts",
        json={
            "uuid": key(),
            "cashier": CASHIER,
            "lines": [
                {"name": "Хлеб", "price": 4990, "quantity": "3", "tax": "vat10", "discount": 100},
                {"name": "Сыр весовой", "price": 89900, "quantity": "0.347", "tax": "vat20", "unit": "kg"},
                {"name": "Спички", "price": 100, "tax": "vat20"},
                {"name": "Вода", "price": 3333, "tax": "vat0"},
                {"name": "Книга", "price": 50000, "tax": "none"},
                {"name": "Аванс", "price": 12000, "tax": "vat20_120"},
                {"name": "Аванс", "price": 11000, "tax": "vat10_110"},
            ],
            "discount_percent": "5",
            "payments": [{"kind": "card", "amount": 50000}, {"kind": "cash", "amount": 200000}],
        },
    )
    made["return"] = client.post(
        f"/v1/receipts/{made['sale']['id']}/return",
        json={
            "uuid": key(),
            "cashier": CASHIER,
            "lines": [{"position": 1, "quantity": "1"}, {"position": 2}],
        },
    )
    made["correction"] = client.post(
        "/v1/corrections",
        json={
            "uuid": key(),
            "cashier": CASHIER,
            "sign": "sale",
            "reason": "чек не пробит",
            "document_date": "2026-01-20",
            "lines": [{"name": "Молоко", "price": 8990, "tax": "vat10"}],
            "payments": [{"kind": "cash", "amount": 8990}],
        },
    )
    made["out"] = client.post("/v1/cash/out", json={"uuid": key(), "amount": 10000, "cashier": CASHIER})[
        "document"
    ]
    client.post("/v1/reports/x", json={})
    made["close"] = client.post("/v1/shift/close", json={"uuid": key(), "cashier": CASHIER})["document"]
    return made


def uploaded(bo, client, count: int, timeout: float = 60) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client.post("/v1/sync", json={"streams": ["receipts"], "wait": True})
        docs = {doc["uuid"]: doc for doc in bo.documents()}
        if len(docs) >= count:
            return docs
        time.sleep(0.2)
    raise AssertionError(f"the back office has {len(docs)} documents, not {count}")


def fn_sums_of(lines: list[dict], payments: list[dict], total: int) -> dict[str, int]:
    """Tags 1020, 1031, 1081, 1102-1107 from kassa's own record of a receipt (journal or back office)."""
    sums = {"1020": total, "1031": 0, "1081": 0}
    for payment in payments:
        tag = "1031" if payment["kind"] == "cash" else "1081"
        sums[tag] += payment["amount"] - payment["change"]
    tags = {1: "1102", 2: "1103", 4: "1104", 8: "1105", 16: "1106", 32: "1107"}
    for line in lines:
        tag = tags[TAX_BYTES[line["tax"]]]
        settled = tag in ("1104", "1105")
        sums[tag] = sums.get(tag, 0) + (line["amount"] if settled else line["vat"])
    return sums


def test_a_shop_day_is_the_same_on_the_fn_in_the_journal_at_the_back_office_and_on_paper(tmp_path):
    with (
        kkt_emulator(tmp_path) as kkt,
        backoffice_server(tmp_path, products=0, employees=0) as bo,
        escpos_emulator(tmp_path) as printer,
        running_daemon(
            tmp_path,
            config=kkt_config(kkt)
            + '\n[shop]\ntimezone = "Asia/Yekaterinburg"\n'
            + f'[receipt_printer]\nport = "{printer.link}"\nprofile = "escpos-emulator"\n',
        ) as daemon,
    ):
        client = daemon.client()
        wait_register_ready(client)
        client.put("/v1/sync/settings", json=NEVER)
        client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
        made = shop_day(client)
        receipts = [made[name] for name in ("sale", "return", "correction")]
        for receipt in receipts:
            client.post(f"/v1/receipts/{receipt['id']}/copy")
        paper = printer.wait_receipts(len(receipts))
        office = uploaded(bo, client, len(made))
        fn = kkt.journal()
        journal = {row["uuid"]: row for row in journal_rows(daemon)}

    # the FN: every journal row is one FN document, nothing on the FN is unclaimed
    by_fd = {doc["fd"]: doc for doc in fn if doc["fd"] is not None}
    cash_moves = [doc for doc in fn if doc["fd"] is None]
    assert len(by_fd) == 5 and [doc["type"] for doc in cash_moves] == ["cash_in", "cash_out"]
    for name, made_doc in made.items():
        row = journal[made_doc["uuid"]]
        assert row["status"] == "fiscalized", row
        if name in ("in", "out"):
            moved = cash_moves[0 if name == "in" else 1]
            assert (moved["total"], moved["shift"]) == (row["total"], row["shift"])
            continue
        doc = by_fd.pop(row["fd"])
        assert doc["fiscal_sign"] == row["fiscal_sign"] and doc["shift"] == row["shift"]
        assert doc["type"] == FN_TYPES.get(row["type"], row["type"])
        assert doc["tags"]["1021"] == row["cashier_name"] == CASHIER["name"]
        assert doc["tags"]["1203"] == row["cashier_inn"] == CASHIER["inn"]
        fn_time = datetime.fromisoformat(doc["datetime"])
        journal_time = datetime.fromisoformat(row["fiscalized_at"]).replace(tzinfo=UTC)
        assert journal_time == fn_time.replace(second=0), (journal_time, fn_time)  # the FN keeps minutes
    assert by_fd == {}

    # each receipt, requisite by requisite
    for receipt, copy in zip(receipts, paper, strict=True):
        doc = next(d for d in fn if d["fd"] == receipt["fd"])
        row = journal[receipt["uuid"]]
        sent = office[receipt["uuid"]]["document"]
        assert doc["total"] == row["total"] == sent["total"] == receipt["total"]
        assert doc["tax_system"] == FN_TAX_SYSTEMS[row["tax_system"]] == FN_TAX_SYSTEMS[sent["tax_system"]]
        assert doc["number_in_shift"] == row["number_in_shift"] == sent["number_in_shift"]
        assert row["registration_number"] == sent["registration_number"] == REGISTRATION_NUMBER
        assert doc["operation"] == {"sale": 1, "return": 2, "correction": 1}[row["type"]]  # tag 1054
        positions = [p for line in sent["lines"] for p in line["fn_positions"]]
        assert [(i["name"], i["quantity"], i["price"], i["amount"], i["vat"]) for i in doc["items"]] == [
            (p["name"], p["quantity"], p["price"], p["amount"], p["vat"]) for p in positions
        ]
        assert doc["sums"] == fn_sums_of(sent["lines"], sent["payments"], sent["total"]), doc["sums"]
        for field, value in sent.items():  # the API's own answer
            if field != "lines":
                assert receipt[field] == value, field

        # the paper copy
        moment = datetime.fromisoformat(doc["datetime"])
        assert re.search(rf"ИТОГ +={re.escape(format_money(doc['total']))}\n", copy)
        for tag, label in VAT_LABELS.items():
            if tag in doc["sums"]:
                assert re.search(rf"{label} +={re.escape(format_money(doc['sums'][tag]))}\n", copy), label
        for item in doc["items"]:
            quantity = Decimal(item["quantity"])
            shown = str(int(quantity)) if quantity == int(quantity) else item["quantity"]
            assert re.search(rf"{shown} \w+ x {re.escape(format_money(item['price']))} +=", copy), item
        for label, value in (
            ("Кассир", CASHIER["name"]),
            ("ИНН кассира", CASHIER["inn"]),
            ("ИНН", "7701234560"),
            ("СНО", "УСН доход"),
            ("Дата", f"{moment:%d.%m.%Y %H:%M}"),
            ("Смена", str(doc["shift"])),
            ("Чек №", str(doc["number_in_shift"])),
            ("РН ККТ", REGISTRATION_NUMBER),
            ("ФН", "9960440300123456"),
            ("ФД", str(doc["fd"])),
            ("ФП", doc["fiscal_sign"]),
        ):
            assert re.search(rf"^{label} +{re.escape(value)}$", copy, re.MULTILINE), (label, value, copy)
        assert (
            f"t={moment:%Y%m%dT%H%M}&s={format_money(doc['total'])}&fn=9960440300123456"
            f"&i={doc['fd']}&fp={doc['fiscal_sign']}&n={doc['operation']}" in copy
        )
