"""Documents: accepted once, duplicates recognised for ever, conflicts kept, invalid ones rejected."""

from __future__ import annotations

import uuid

import httpx

from sim.backoffice.documents import received
from tests.fixtures.backoffice import backoffice_server, documents_json


def sale(**changes) -> dict:
    doc = {
        "uuid": str(uuid.uuid4()),
        "type": "sale",
        "created_at": "2026-11-23T12:00:00Z",
        "fiscalized_at": "2026-11-23T12:00:02Z",
        "kkt_serial": "0012345678",
        "fn_serial": "9960440300123456",
        "fd": 17,
        "fiscal_sign": "2901512376",
        "shift": 3,
        "total": 22470,
        "cashier": {"name": "Петров Сергей", "inn": "771164104519"},
        "buyer_contact": None,
        "lines": [
            {
                "code": "100001",
                "name": "Молоко 3,2% 1 л",
                "quantity": "2.000",
                "price": 8990,
                "discount": 0,
                "amount": 17980,
                "unit": "pcs",
                "tax": "vat10",
                "payment_object": "commodity",
            },
            {
                "code": "100010",
                "name": "Картофель",
                "quantity": "1.125",
                "price": 3990,
                "discount": 0,
                "amount": 4490,
                "unit": "kg",
                "tax": "vat10",
                "payment_object": "commodity",
            },
        ],
        "payments": [{"kind": "cash", "amount": 25000, "change": 2530}],
        "original_uuid": None,
        "order_id": None,
    }
    return doc | changes


def upload(client, *docs) -> list[dict]:
    answer = client.post("/api/v1/documents", json={"documents": list(docs)})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def test_accepted_then_duplicate_then_conflict(office, token):
    doc = sale()
    shift_open = {
        "uuid": str(uuid.uuid4()),
        "type": "shift_open",
        "created_at": "2026-11-23T08:00:00Z",
        "total": 0,
        "lines": [],
        "payments": [],
        "shift": 3,
    }
    with office.client(token) as client:
        assert [r["status"] for r in upload(client, shift_open, doc)] == ["accepted", "accepted"]
        reordered = dict(reversed(list(doc.items())))  # key order does not matter: the hash is canonical
        assert upload(client, reordered) == [{"uuid": doc["uuid"], "status": "duplicate", "message": None}]
        changed = upload(
            client,
            doc
            | {
                "total": 22480,
                "payments": [{"kind": "card", "amount": 22480}],
                "lines": [doc["lines"][0] | {"amount": 17990}, doc["lines"][1]],
            },
        )
        assert changed[0]["status"] == "conflict" and changed[0]["message"]
        assert upload(client, doc)[0]["status"] == "duplicate"  # the first one still stands
    with office.engine.begin() as conn:
        entries = received(conn)
    assert [(e["uuid"], e["status"]) for e in entries] == [
        (shift_open["uuid"], "accepted"),
        (doc["uuid"], "accepted"),
        (doc["uuid"], "conflict"),
    ]
    assert entries[1]["duplicates"] == 2 and entries[1]["document"] == doc


def test_invalid_documents_are_rejected_with_a_reason_and_not_remembered(office, token):
    good = sale()
    cases = {
        "uuid": sale(uuid="not-a-uuid"),
        "type": sale(type="refund"),
        "quantity": sale(lines=[good["lines"][0] | {"quantity": 2.0}, good["lines"][1]]),
        "add up": sale(total=100),
        "payments": sale(payments=[{"kind": "cash", "amount": 100, "change": 0}]),
        "at least one line": sale(lines=[], total=0, payments=[]),
        "order.external_id": sale(order={"source": "allegro", "account": "1", "external_id": ""}),
        "order must be an object": sale(order="29738e61"),
        "marks": sale(lines=[good["lines"][0] | {"marks": ["", 5]}, good["lines"][1]]),
    }
    with office.client(token) as client:
        results = upload(client, *cases.values(), "not an object")
        for (expected, _doc), result in zip(cases.items(), results, strict=False):
            assert result["status"] == "rejected" and expected in result["message"], result
        assert results[-1]["status"] == "rejected" and results[-1]["uuid"] is None
        fixed = sale(uuid=cases["add up"]["uuid"])
        assert upload(client, fixed)[0]["status"] == "accepted"


def test_a_batch_is_limited_and_validated_as_a_whole(office, token):
    with office.client(token) as client:
        too_many = client.post("/api/v1/documents", json={"documents": [{}] * 1001})
        assert too_many.status_code == 422
        assert client.post("/api/v1/documents", json={"docs": []}).status_code == 422


def test_kassa_backoffice_documents_lists_what_arrived(tmp_path):
    with backoffice_server(tmp_path, products=3, employees=1) as office:
        token = office.pair()
        doc = sale()
        answer = httpx.post(
            f"{office.url}/api/v1/documents",
            json={"documents": [doc, doc]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert [r["status"] for r in answer.json()["results"]] == ["accepted", "duplicate"]
        listed = documents_json(office)
        assert len(listed) == 1 and listed[0]["uuid"] == doc["uuid"] and listed[0]["status"] == "accepted"
        assert listed[0]["document"] == doc and listed[0]["duplicates"] == 1
        assert office.documents() == listed


def test_the_order_a_document_settles_is_kept_and_listed(office, token):
    link = {"source": "allegro", "account": "44106931", "external_id": "29738e61-7f6a-11e8-ac45-09db60ede9d6"}
    settling, plain = sale(order=link), sale()
    with office.client(token) as client:
        assert [r["status"] for r in upload(client, settling, plain)] == ["accepted", "accepted"]
        assert upload(client, settling)[0]["status"] == "duplicate"
    with office.engine.begin() as conn:
        assert [(e["uuid"], e["order"]) for e in received(conn)] == [
            (settling["uuid"], link),
            (plain["uuid"], None),
        ]
        assert [e["uuid"] for e in received(conn, order=link["external_id"])] == [settling["uuid"]]


def test_a_line_with_its_units_marking_codes_is_accepted_and_kept_as_sent(office, token):
    codes = ["0104607009780047215jX6ng\x1d93H2kk", "0104607009780047217kY2ab\x1d93H2kk"]
    doc = sale()
    doc["lines"][0]["marks"] = codes
    with office.client(token) as client:
        assert [r["status"] for r in upload(client, doc, doc)] == ["accepted", "duplicate"]
    with office.engine.begin() as conn:
        (kept,) = [e for e in received(conn) if e["uuid"] == doc["uuid"]]
    assert kept["document"]["lines"][0]["marks"] == codes and "marks" not in kept["document"]["lines"][1]
