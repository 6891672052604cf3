"""A B2B sale (buyer's name and INN) as a user makes it: the daemon's API and CLI over a real pty to
the KKT emulator, an FFD 1.2 FN, which takes the buyer only as STLV 1256 (1227 and 1228, the INN
fixed-size 12: an organization's 10 digits right-padded with two spaces)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_kassa, uid
from tests.journal.e2e import agreement, journal_rows, register_and_daemon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with register_and_daemon(tmp_path_factory.mktemp("buyer")) as (kkt, daemon):
        yield kkt, daemon


@pytest.fixture
def client(world):
    _kkt, daemon = world
    with daemon.client(timeout=120) as client:
        yield client


@pytest.fixture(autouse=True)
def journals_agree(world):
    yield
    kkt, daemon = world
    assert agreement(kkt, daemon) == []
    assert journal_rows(daemon, status="pending") == []


def fn_tags(kkt, fd: int) -> dict:
    return next(doc for doc in kkt.journal() if doc["fd"] == fd)["tags"]


def test_an_organization_buyer_is_fiscalized_in_1256_with_its_inn_padded(world, client):
    kkt, _daemon = world
    sold = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("buyer-org"),
            "lines": [{"code": "BREAD"}],
            "buyer_name": "ООО «Ромашка»",
            "buyer_inn": "7707083893",
            "buyer_contact": "buyer@example.com",
        },
    )
    assert sold["status"] == "fiscalized" and sold["buyer"] == {"name": 'ООО "Ромашка"', "inn": "7707083893"}
    tags = fn_tags(kkt, sold["fd"])
    assert json.loads(tags["1256"]) == {"1227": 'ООО "Ромашка"', "1228": "7707083893  "}
    assert tags["1008"] == "buyer@example.com"
    back = client.post(f"/v1/receipts/{sold['id']}/return", json={"uuid": uid("buyer-org-back")})
    assert back["status"] == "fiscalized"
    assert json.loads(fn_tags(kkt, back["fd"])["1256"]) == {"1227": 'ООО "Ромашка"', "1228": "7707083893  "}


def test_a_person_buyer_is_fiscalized_in_1256_with_its_12_digits(world, client):
    kkt, daemon = world
    sold = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("buyer-person"),
            "lines": [{"code": "MILK"}],
            "buyer_name": "ИП Петров",
            "buyer_inn": "500100732259",
        },
    )
    assert sold["status"] == "fiscalized"
    assert json.loads(fn_tags(kkt, sold["fd"])["1256"]) == {"1227": "ИП Петров", "1228": "500100732259"}
    cli = run_kassa(
        "sale", "--line", "BREAD", "--buyer-name", "ИП Сидоров", "--buyer-inn", "500100732259", "--json",
        env=daemon.env,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    tags = fn_tags(kkt, json.loads(cli.stdout)["fd"])
    assert json.loads(tags["1256"]) == {"1227": "ИП Сидоров", "1228": "500100732259"}
