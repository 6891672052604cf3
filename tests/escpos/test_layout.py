"""The receipt layout: columns per profile, money without floats, Cyrillic and what replaces the rest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from drivers.escpos.layout import (
    PaymentLine,
    PrintedReceipt,
    QrCode,
    ReceiptItem,
    ReceiptLayout,
    TaxLine,
    format_quantity,
)
from drivers.escpos.text import Transliterator, strip_controls
from drivers.profile import load_directory

PROFILES = {name: p for name, p in load_directory()[0].items() if p.protocol == "escpos"}


def receipt(**changes) -> PrintedReceipt:
    fields = dict(
        header=["ООО «Ромашка»"],
        items=[
            ReceiptItem(
                "Сыр «Российский» — 45% очень длинное название товара", Decimal("0.350"), 89900, 31465
            )
        ],
        total=31465,
        taxes=[TaxLine("НДС 20%", 5244)],
        payments=[PaymentLine("Картой", 31465)],
        fiscal=[("ФН", "9960440300123456")],
        footer=["Спасибо!"],
        qr="t=1&s=314.65",
    )
    fields.update(changes)
    return PrintedReceipt(**fields)


def test_quantities_are_decimals_never_floats():
    assert format_quantity(Decimal("2.000")) == "2"
    assert format_quantity(Decimal("1.2345")) == "1.235"
    assert format_quantity(Decimal("0.5")) == "0.500"
    with pytest.raises(TypeError):
        format_quantity(1.5)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_line_fits_the_columns_of_the_profile(name):
    profile = PROFILES[name]
    layout = ReceiptLayout(profile)
    lines = layout.render(receipt())
    text = [line for line in lines if isinstance(line, str)]
    assert max(len(line) for line in text) <= profile.media.columns["a"]
    assert any(isinstance(line, QrCode) for line in lines)
    assert lines[0].strip() == 'ООО "Ромашка"'
    total = next(line for line in text if line.startswith("TOTAL"))
    assert total.endswith("=314.65") and len(total) == profile.media.columns["a"]
    for line in text:
        line.encode(profile.encoding.codec)  # everything is printable in the code page


def test_58mm_has_32_columns_and_80mm_48():
    assert PROFILES["xprinter-xp-58"].media.columns["a"] == 32
    assert PROFILES["generic-80mm"].media.columns["a"] == 48
    assert ReceiptLayout(PROFILES["xprinter-xp-58"]).pair("ИТОГ", "=1.00") == ["ИТОГ" + " " * 23 + "=1.00"]


def test_transliteration_per_profile():
    text = Transliterator(PROFILES["generic-80mm"].encoding)
    assert text.printable("Цена 100 ₽ «акция» — до 31.12…") == 'Цена 100 руб. "акция" - до 31.12...'
    assert text.printable("Ёж №5 crème") == "Ёж №5 creme"
    assert text.substituted == set()


def test_unencodable_characters_get_a_visible_substitute_and_are_reported_never_a_question_mark():
    profile = PROFILES["xprinter-xp-58"]
    layout = ReceiptLayout(profile)
    lines = layout.wrap("Снеговик ☃ и 漢 символ")
    assert lines == ["Снеговик ■ и ■ символ"]
    assert "?" not in "".join(lines)
    assert layout.substituted == {"☃", "漢"}
    assert profile.encoding.substitute == "■"


def test_control_characters_from_outside_are_stripped():
    assert strip_controls("Хлеб\x1b@\x1dV\x00\x07\x10\x04\x01 белый\u202e\u200b\r\n") == "Хлеб@V белый"
    layout = ReceiptLayout(PROFILES["generic-80mm"])
    lines = layout.render(
        receipt(items=[ReceiptItem("Bad\x1bp\x00\x19\xfaname", Decimal(1), 100, 100)], qr=None)
    )
    assert "Badpuname" in lines  # ESC, NUL and EM gone; "ú" is not in CP866: its base letter
    assert not any(ch < " " for line in lines for ch in line)


def test_long_words_are_broken_and_amounts_kept_right():
    layout = ReceiptLayout(PROFILES["xprinter-xp-58"])
    assert layout.wrap("А" * 40) == ["А" * 32, "А" * 8]
    assert layout.pair("Очень длинное наименование позиции", "=1.00") == [
        "Очень длинное наименование",
        "позиции                    =1.00",
    ]


def test_change_and_labels_are_translated_by_the_caller():
    layout = ReceiptLayout(PROFILES["generic-80mm"], translate={"TOTAL": "ИТОГ", "CHANGE": "СДАЧА"}.get)
    lines = layout.render(receipt(payments=[PaymentLine("Наличными", 50000, 18535)], qr=None))
    assert any(line.startswith("ИТОГ") and line.endswith("=314.65") for line in lines)
    assert any(line.startswith("СДАЧА") and line.endswith("=185.35") for line in lines)


@example(left="Кассир", right="Иванова Мария Петровна-Сидорова " * 4, indent=0, profile="xprinter-xp-58")
@given(
    left=st.text(max_size=300),
    right=st.text(alphabet=st.characters(codec="utf-8"), min_size=20, max_size=300),
    indent=st.integers(min_value=0, max_value=4),
    profile=st.sampled_from(["xprinter-xp-58", "generic-80mm"]),
)
@settings(max_examples=200, deadline=None)
def test_a_pair_from_outside_never_runs_past_the_paper(left, right, indent, profile):
    """A cashier's name of 128 characters, a correction's reason: wrapped, never wider than the paper."""
    layout = ReceiptLayout(PROFILES[profile])
    lines = layout.pair(left, right, indent)
    assert all(len(line) <= layout.width for line in lines), lines
