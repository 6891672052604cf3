"""A line as FN positions the register itself agrees with, and item names it prints.

A classic line (0x80/0x82) carries no sum: the register computes round-half-up(quantity x price)
for each position, so the positions of a discounted line must come to its amount exactly by that
rule. FF46 carries the sum, which the register takes within a kopeck of its own computation. The
property is checked against the emulator's rules (``sim.kkt``), not the driver's: whatever the
journal plans for a line is what the register stores, and the stored sums add up to the line.

An item name beginning with "//" goes to the OFD but is not printed on the receipt (the vendor's
JavaPOS driver, FSPrintRecItem.java), so the driver never sends one.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drivers.fiscal_register as fiscal_register
from agent.i18n import translations
from agent.journal.cart import PricedLine, round_kopecks
from agent.journal.codes import FiscalCodes
from agent.journal.errors import InvalidReceipt
from agent.journal.register import with_positions
from drivers.fiscal_register import (
    MAX_AMOUNT,
    NoExactPositions,
    Payments,
    ReceiptItem,
    ReceiptKind,
    positions_of,
)
from drivers.profile import PROFILE_DIR, load_profile
from drivers.shtrih import open_register
from drivers.shtrih.register import ShtrihRegister
from sim.kkt import wire
from sim.kkt.device import Device
from tests.fixtures.kkt import kkt_emulator
from tests.kkt.test_golden import DeviceLink

CLASSIC, FF46 = "shtrih-m-ptk", "shtrih-m-01f"
# 1.002 kg at 2.50 with a kopeck of the receipt's discount: 250 kopecks, no unit price gives it
WEIGHED = ReceiptItem(name="Орехи", quantity=Decimal("1.002"), price=250, amount=250, tax="vat20", unit="kg")


def profile_named(name: str):
    return load_profile(PROFILE_DIR / f"{name}.toml")


def stored(items: list[dict]) -> list[tuple[str, int, int]]:
    return [(item["quantity"], item["price"], item["amount"]) for item in items]


def planned(positions) -> list[tuple[str, int, int]]:
    return [(str(p.quantity), p.price, p.amount) for p in positions]


@pytest.fixture
def emulator(tmp_path):
    with kkt_emulator(tmp_path) as emu:
        yield emu


@pytest.fixture
def classic(emulator):
    device = open_register(str(emulator.link), profile_named(CLASSIC))
    try:
        yield device
    finally:
        device.close()


def test_a_discounted_weighed_line_goes_as_positions_the_register_sums_to_its_amount(classic, emulator):
    classic.open_shift()
    classic.open_receipt(ReceiptKind.SALE)
    classic.add_item(WEIGHED)
    classic.close_receipt(Payments({"cash": 250}), total=250)
    (doc,) = emulator.receipts()
    assert doc["total"] == 250
    assert stored(doc["items"]) == planned(positions_of(WEIGHED, 0))
    for quantity, price, amount in stored(doc["items"]):
        assert wire.half_up(Decimal(quantity) * price) == amount
    assert sum(Decimal(quantity) for quantity, _, _ in stored(doc["items"])) == WEIGHED.quantity


def test_a_line_no_positions_give_exactly_is_refused_before_any_line_goes_out(tmp_path, monkeypatch):
    monkeypatch.setattr(fiscal_register, "SPLIT_REACH", 0)  # no real cart is known to lack a split
    link = DeviceLink(Device(tmp_path / "state.json"))
    register = ShtrihRegister(link, profile_named(CLASSIC), operator_password=30, admin_password=30)
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    with pytest.raises(NoExactPositions) as refused:
        register.add_item(WEIGHED)
    assert refused.value.status == 422
    russian = refused.value.render(translations("ru").gettext)
    assert "Орехи" in russian and "Измените скидку или количество" in russian
    assert not link.sent_for(0x80)
    line = PricedLine(name="Орехи", quantity=WEIGHED.quantity, price=250, tax="vat20", amount=250)
    with pytest.raises(InvalidReceipt) as invalid:  # the journal refuses it before opening a receipt
        with_positions([line], 0)
    assert invalid.value.status == 422 and invalid.value.details == {"field": "lines[0]"}
    assert "измените скидку или количество" in invalid.value.render(translations("ru").gettext)


@pytest.fixture(scope="module", params=[CLASSIC, FF46])
def in_process(request, tmp_path_factory):
    """The emulated device in-process behind the driver, its shift open."""
    profile = profile_named(request.param)
    link = DeviceLink(Device(tmp_path_factory.mktemp("positions") / "state.json"))
    register = ShtrihRegister(link, profile, operator_password=30, admin_password=30)
    register.open_shift()
    return register, link.device, FiscalCodes.from_profile(profile).sum_tolerance


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    thousandths=st.one_of(st.integers(1, 5_000), st.integers(1, 99_999_999)),
    price=st.one_of(st.integers(1, 1_000), st.integers(1, 10_000_000)),
    discount=st.integers(0, 5_000),
)
def test_the_positions_the_journal_records_are_what_the_register_stores(
    in_process, thousandths, price, discount
):
    register, device, tolerance = in_process
    quantity = Decimal(thousandths).scaleb(-3)
    gross = round_kopecks(quantity * price)
    amount = max(gross - discount, 1)
    if gross > MAX_AMOUNT or amount > gross:
        return
    line = PricedLine(name="Товар", quantity=quantity, price=price, tax="vat20", unit="kg", amount=amount)
    (recorded,) = with_positions([line], tolerance)
    positions = recorded.fn_positions
    assert sum(p.amount for p in positions) == amount
    assert sum(p.quantity for p in positions) == quantity
    register.open_receipt(ReceiptKind.SALE)
    try:
        for position in positions:  # as ``print_receipt`` sends them
            register.add_item(position)
        items = device.state.receipt.items
        assert stored(items) == planned(positions)
        for quantity_text, item_price, item_amount in stored(items):  # the emulator's own rule
            computed = wire.half_up(Decimal(quantity_text) * item_price)
            assert abs(computed - item_amount) <= tolerance
    finally:
        register.cancel_receipt()


@pytest.mark.parametrize("profile", [CLASSIC, FF46])
def test_an_item_name_is_never_sent_beginning_with_two_slashes(tmp_path, profile):
    register = ShtrihRegister(
        DeviceLink(Device(tmp_path / "state.json")),
        profile_named(profile),
        operator_password=30,
        admin_password=30,
    )
    assert register.fit_text("item_name", "//Подарочная карта") == "Подарочная карта"
    assert register.fit_text("item_name", " // //Карта") == "Карта"
    assert register.fit_text("item_name", "/Карта") == "/Карта"  # one slash is printed
    assert register.fit_text("item_name", "Карта 1//2") == "Карта 1//2"
    assert register.fit_text("item_name", "// /") == "-"  # slashes alone still name the position
    assert register.fit_text(1227, "//ООО Ромашка") == "//ООО Ромашка"  # only item names


def test_a_two_slash_name_reaches_the_classic_register_as_a_printed_name(classic, emulator):
    classic.open_shift()
    classic.open_receipt(ReceiptKind.SALE)
    classic.add_item(
        ReceiptItem(name="//Подарочная карта", quantity=Decimal(1), price=100000, amount=100000, tax="vat20")
    )
    classic.close_receipt(Payments({"cash": 100000}), total=100000)
    (doc,) = emulator.receipts()
    assert [item["name"] for item in doc["items"]] == ["Подарочная карта"]
