"""`kassa sale` argument forms: CODE[xQTY], NAME=KOPECKS[xQTY], KIND[:KOPECKS]."""

from __future__ import annotations

import click
import pytest

from agent.cli.sale_cmd import parse_item, parse_line, parse_payment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4607001", {"code": "4607001", "quantity": "1"}),
        ("4607001x2", {"code": "4607001", "quantity": "2"}),
        ("BOX-XL", {"code": "BOX-XL", "quantity": "1"}),
        ("box-xlx1.5", {"code": "box-xl", "quantity": "1.5"}),
        ("CHEESEx0,250", {"code": "CHEESE", "quantity": "0.250"}),
    ],
)
def test_line(text, expected):
    assert parse_line(text) == expected


def test_item_and_payment():
    assert parse_item("Пакет=500") == {"name": "Пакет", "price": 500, "quantity": "1"}
    assert parse_item("Кофе = 15000x3") == {"name": "Кофе", "price": 15000, "quantity": "3"}
    assert parse_payment("card") == {"kind": "card"}
    assert parse_payment("cash:50000") == {"kind": "cash", "amount": 50000}


@pytest.mark.parametrize("text", ["Пакет", "=500", "Пакет=5.00"])
def test_bad_item(text):
    with pytest.raises(click.BadParameter):
        parse_item(text)


def test_bad_payment():
    with pytest.raises(click.BadParameter):
        parse_payment("cash:lots")


def test_sale_without_a_daemon_says_so(clean_env):
    from tests.conftest import run_kassa, uid

    result = run_kassa("sale", "--item", "Пакет=500", "--uuid", uid("u-1"), env=clean_env)
    assert result.returncode == 3
    assert "daemon is not running" in result.stderr and "Traceback" not in result.stderr


def test_sale_with_nothing_to_sell_is_a_usage_error(clean_env):
    from tests.conftest import run_kassa

    result = run_kassa("sale", env=clean_env)
    assert result.returncode == 2 and "nothing to sell" in result.stderr
