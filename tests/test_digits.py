"""Digits from outside are ASCII 0-9: "²" and other scripts' digits pass ``isdigit`` and ``\\d``."""

from __future__ import annotations

import re

import pytest

from agent import pin_hash
from agent.sync.records import Refused, check_employee
from common.digits import is_digits
from common.inn import valid_inn
from tests.conftest import REPO

HOSTILE = ("²", "١٢", "१२३", "１２")  # superscript, Arabic-Indic, Devanagari, full-width


@pytest.mark.parametrize("text", (*HOSTILE, "", "1a", " 1"))
def test_only_ascii_digits_are_digits(text):
    assert not is_digits(text)
    assert is_digits("0123456789")


def test_a_pin_hash_with_a_superscript_cost_is_refused_not_raised():
    good = pin_hash.hash_pin("1234", salt=b"0" * 16)
    assert pin_hash.acceptable(good)
    assert not pin_hash.acceptable(good.replace("$16384$", "$²$", 1).replace("$8$", "$²$", 1))
    assert not pin_hash.acceptable("scrypt$²$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==")


def test_an_employee_inn_in_other_digits_is_refused_at_intake():
    employee = {"id": "e1", "name": "Анна", "pin_hash": pin_hash.hash_pin("1234"), "inn": "١" * 12}
    with pytest.raises(Refused):
        check_employee(employee)
    assert not valid_inn("７７０７０８３８９３")


def test_no_check_in_kassa_takes_unicode_digits():
    """The rule's one place is common/digits.py: no bare isdigit, no \\d in a pattern elsewhere."""
    found = []
    for folder in ("agent", "drivers", "common", "tui", "sim"):
        for path in (REPO / folder).rglob("*.py"):
            if path.name == "digits.py" and path.parent.name == "common":
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if ".isdigit()" in line or re.search(r"\\d", line):
                    found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert found == []
