"""Register text: any string in, valid code-page bytes of bounded length out, the same twice."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.profile import PROFILE_DIR, load_profile
from drivers.register_text import GS, TextField, safe_text
from drivers.shtrih.register import TEXT_FIELDS, ShtrihRegister

FIELDS = list(TEXT_FIELDS.values())


def allowed(byte: int, field: TextField) -> bool:
    return (byte >= 0x20 and byte != 0x7F) or (field.data and byte == 0x1D)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=400), field=st.sampled_from(FIELDS))
def test_any_text_becomes_bounded_code_page_bytes(text, field):
    safe = safe_text(text, field)
    raw = safe.encode(field.codec)  # never raises: everything left is in the code page
    assert len(raw) <= field.size
    assert all(allowed(byte, field) for byte in raw)
    assert safe_text(safe, field) == safe  # what the journal keeps goes out unchanged


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(st.characters(codec="cp1251") | st.sampled_from("\x1d\u00a0\u2028\u200b€№é🍊"), max_size=80),
    field=st.sampled_from(FIELDS),
)
def test_a_text_taken_whole_is_what_each_character_would_give(text, field):
    """Text the code page holds as it is skips the per-character pass: the result is the same."""
    import unicodedata

    from drivers.register_text import _one

    slow = "".join(_one(char, field) for char in unicodedata.normalize("NFC", text))
    assert safe_text(text, field) == safe_text(slow, field)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Хлеб\x1b[31m «Бородинский»\x00 ночь", "Хлеб[31m «Бородинский» ночь"),
        ("Сок 🍊 апельсин", "Сок апельсин"),
        ("Crème brûlée", "Creme brulee"),
        ("Подарок 500 ₽", "Подарок 500 руб."),
        ("строка\nвторая\tтретья", "строка вторая третья"),
    ],
)
def test_what_a_name_becomes(text, expected):
    assert safe_text(text, TEXT_FIELDS["item_name"]) == expected


def test_names_are_cut_to_the_field_in_bytes():
    assert len(safe_text("Я" * 300, TEXT_FIELDS["item_name"]).encode("cp1251")) == 128
    assert len(safe_text("Я" * 300, TEXT_FIELDS["classic_item_name"]).encode("cp1251")) == 40
    assert safe_text("Иванова Анна " * 10, TEXT_FIELDS[1021]).encode("cp866") == ("Иванова Анна " * 10)[
        :64
    ].rstrip().encode("cp866")


def test_a_marking_code_keeps_its_group_separators():
    code = f"0104600439931256215Nk5sX{GS}91ee11{GS}92testtesttest"
    assert safe_text(code, TEXT_FIELDS[2000]) == code
    assert safe_text(code + "\x1b\x00", TEXT_FIELDS[2000]) == code


def test_the_driver_uses_the_code_page_of_each_field():
    register = ShtrihRegister(
        None, load_profile(PROFILE_DIR / "shtrih-m-01f.toml"), operator_password=30, admin_password=30
    )
    assert register.fit_text("item_name", "№ 5 — «Ёлка»") == "№ 5 — «Ёлка»"  # CP1251 has them
    assert register.fit_text(1227, "№ 5 — «Ёлка»") == '№ 5 - "Ёлка"'  # CP866 has not
    assert register.fit_text(1021, "Пётр\x07") == "Пётр"
    classic = ShtrihRegister(
        None, load_profile(PROFILE_DIR / "shtrih-m-ptk.toml"), operator_password=30, admin_password=30
    )
    assert len(classic.fit_text("item_name", "x" * 100)) == 40
