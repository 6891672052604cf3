"""The driver against the emulator over a real pty."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drivers.fiscal_register import ReceiptItem
from drivers.profile import PROFILE_DIR, load_profile
from drivers.shtrih import open_register
from tests.fixtures.kkt import kkt_emulator


@pytest.fixture
def emulator(tmp_path):
    with kkt_emulator(tmp_path) as emu:
        yield emu


@pytest.fixture
def profile():
    return load_profile(PROFILE_DIR / "shtrih-m-01f.toml")


@pytest.fixture
def register(emulator, profile):
    device = open_register(str(emulator.link), profile)
    try:
        yield device
    finally:
        device.close()


def item(number: int, price: int = 10000, quantity: str = "1.000", tax: str = "vat20") -> ReceiptItem:
    qty = Decimal(quantity)
    return ReceiptItem(name=f"Товар №{number}", quantity=qty, price=price, amount=int(qty * price), tax=tax)
