"""The INN's check digits (the tax service's algorithm) and where outside INNs are checked."""

from __future__ import annotations

import pytest

from agent.sync import records
from common.inn import valid_inn


@pytest.mark.parametrize("inn", ["7707083893", "7830002293", "500100732259"])
def test_real_inns_pass(inn):
    assert valid_inn(inn)


@pytest.mark.parametrize(
    "inn",
    ["7707083894", "500100732258", "500100732269", "0000000000", "000000000000", "77070838931", "",
     "770708389З", "７７０７０８３８９３", " 7707083893"],
)  # fmt: skip
def test_typos_and_other_shapes_fail(inn):
    assert not valid_inn(inn)


def test_every_single_digit_typo_of_an_organisation_inn_is_caught():
    inn = "7707083893"
    for position in range(10):
        for digit in "0123456789":
            changed = inn[:position] + digit + inn[position + 1 :]
            assert valid_inn(changed) == (changed == inn), changed


def test_an_order_record_with_a_wrong_buyer_inn_is_refused_with_the_field_named():
    line = {"code": "A", "name": "A", "quantity": "1", "price": 100}
    good = records.check_order({"lines": [line], "buyer": {"name": "ООО Ромашка", "inn": "7707083893"}})
    assert good["buyer"] == {"name": "ООО Ромашка", "inn": "7707083893"}
    with pytest.raises(records.Refused) as caught:
        records.check_order({"lines": [line], "buyer": {"name": "ООО Ромашка", "inn": "7707083894"}})
    assert caught.value.params["field"] == "buyer.inn"
    with pytest.raises(records.Refused) as caught:
        records.check_order({"lines": [line], "buyer": {"inn": "7707083893"}})
    assert caught.value.params["field"] == "buyer.name"
