"""Catalog, employees and orders as change feeds: cursors, tombstones, 410 after compaction."""

from __future__ import annotations

from agent.pin_hash import verify_pin
from sim.backoffice import catalog, feeds, orders


def read_all(client, path: str, since: str | None = None, limit: int = 7) -> tuple[list[dict], str, int]:
    """Every item after ``since``, page by page; returns items, the final cursor and the page count."""
    items, pages = [], 0
    while True:
        params = {"limit": limit} | ({"since": since} if since else {})
        answer = client.get(path, params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        since, pages = body["next"], pages + 1
        if not body["more"]:
            return items, since, pages


def test_the_catalog_pages_through_groups_then_products(office, token):
    with office.client(token) as client:
        items, _cursor, pages = read_all(client, "/api/v1/catalog")
    assert pages == 8  # 11 groups + 40 products in pages of 7
    groups = [i for i in items if i["type"] == "group"]
    products = [i for i in items if i["type"] == "product"]
    assert len(groups) == 11 and len(products) == 40
    assert items.index(groups[-1]) < items.index(products[0])  # groups came first: parents before use
    milk = next(p for p in products if p["code"] == "100001")
    assert milk == {
        "type": "product",
        "id": "prd-000001",
        "code": "100001",
        "name": "Молоко 3,2% 1 л",
        "price": 8990,
        "unit": "pcs",
        "tax": "vat10",
        "payment_object": "commodity",
        "weighted": False,
        "marked": True,
        "marking_group": "milk",
        "group_id": "grp-dairy",
        "barcodes": ["4600000000015"],
        "deleted": False,
    }
    marked = {p["name"]: p["marking_group"] for p in products if p["marked"]}
    assert marked["Вода питьевая 1,5 л"] == "water" and "Хлеб Бородинский 400 г" not in marked
    assert all(p["barcodes"] for p in products if p["marked"])  # a code's GTIN must match one
    weighted = [p for p in products if p["weighted"]]
    assert weighted and all(p["unit"] == "kg" for p in weighted)
    assert {p["tax"] for p in products} >= {"vat20", "vat10", "vat0", "none"}
    for product in products:
        for barcode in product["barcodes"]:
            digits = [int(d) for d in barcode]
            assert len(digits) == 13 and sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def test_a_cursor_returns_only_later_changes_with_tombstones(office, token):
    with office.client(token) as client:
        _items, cursor, _pages = read_all(client, "/api/v1/catalog", limit=1000)
        assert client.get("/api/v1/catalog", params={"since": cursor}).json() == {
            "items": [],
            "next": cursor,
            "more": False,
            "remaining": 0,
        }
        with office.engine.begin() as conn:
            catalog.upsert_product(conn, code="100002", name="Кефир 2,5% 900 г", price=7990, tax="vat10")
            catalog.delete_product(conn, "100003")
            catalog.upsert_product(conn, code="999001", name="Новый товар", price=100)
        items, cursor, _pages = read_all(client, "/api/v1/catalog", since=cursor)
        assert [(i["id"], i["deleted"]) for i in items] == [
            ("prd-000002", False),
            ("prd-000003", True),
            (items[2]["id"], False),
        ]
        assert items[0]["name"] == "Кефир 2,5% 900 г" and items[1] == {
            "type": "product",
            "id": "prd-000003",
            "deleted": True,
        }
        with office.engine.begin() as conn:  # re-created with the same code: the same id comes back
            catalog.upsert_product(conn, code="100003", name="Сметана 15% 300 г", price=8990, tax="vat10")
        items, _cursor, _pages = read_all(client, "/api/v1/catalog", since=cursor)
        assert [(i["id"], i["deleted"], i["name"]) for i in items] == [
            ("prd-000003", False, "Сметана 15% 300 г")
        ]


def test_compaction_expires_older_cursors_but_not_a_full_read(office, token):
    with office.client(token) as client:
        _items, old_cursor, _pages = read_all(client, "/api/v1/catalog", limit=1000)
        with office.engine.begin() as conn:
            catalog.delete_product(conn, "100004")
            assert feeds.compact(conn) == 1
        expired = client.get("/api/v1/catalog", params={"since": old_cursor})
        assert expired.status_code == 410 and expired.json()["error"]["code"] == "cursor_expired"
        items, cursor, _pages = read_all(client, "/api/v1/catalog", limit=1000)
        assert len(items) == 11 + 39 and not any(i["deleted"] for i in items)
        assert client.get("/api/v1/catalog", params={"since": cursor}).status_code == 200


def test_cursors_of_another_database_or_garbage_are_refused(office, token):
    with office.client(token) as client:
        assert client.get("/api/v1/catalog", params={"since": "1.5"}).status_code == 410
        assert client.get("/api/v1/catalog", params={"since": "99999999999.5"}).status_code == 410
        assert client.get("/api/v1/catalog", params={"since": "latest"}).status_code == 422
        assert client.get("/api/v1/catalog", params={"limit": 1001}).status_code == 422


def test_employees_carry_roles_inn_and_pin_hashes_never_pins(office, token):
    with office.client(token) as client:
        items, cursor, _pages = read_all(client, "/api/v1/employees")
        assert [(e["name"], e["role"]) for e in items] == [
            ("Иванова Анна", "administrator"),
            ("Петров Сергей", "cashier"),
        ]
        assert verify_pin("1111", items[0]["pin_hash"]) and verify_pin("2222", items[1]["pin_hash"])
        assert all(len(e["inn"]) == 12 and "pin" not in e for e in items)
        with office.engine.begin() as conn:
            catalog.delete_employee(conn, "emp-002")
        items, _cursor, _pages = read_all(client, "/api/v1/employees", since=cursor)
        assert items == [{"type": "employee", "id": "emp-002", "deleted": True}]


def test_orders_are_relayed_and_take_the_registers_outcome(office, token):
    with office.client(token) as client:
        items, cursor, _pages = read_all(client, "/api/v1/orders")
        assert len(items) == 3 and {o["status"] for o in items} == {"new"}
        order = items[0]
        assert order["currency"] == "RUB" and order["buyer"]["name"] and order["lines"]
        assert order["total"] == sum(
            int(line["price"] * int(line["quantity"].split(".")[0])) for line in order["lines"]
        )
        path = f"/api/v1/orders/{order['id']}/status"
        done = client.post(
            path, json={"status": "fiscalized", "receipt_uuid": "7c3d9f52-4a61-4c7e-9e0b-1d2f3a4b5c6d"}
        )
        assert done.status_code == 200 and done.json()["status"] == "fiscalized"
        again = client.post(
            path, json={"status": "fiscalized", "receipt_uuid": "7c3d9f52-4a61-4c7e-9e0b-1d2f3a4b5c6d"}
        )
        assert again.status_code == 200
        refused = client.post(path, json={"status": "rejected", "reason": "нет в наличии"})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "order_status_conflict"
        assert (
            client.post(f"/api/v1/orders/{items[1]['id']}/status", json={"status": "fiscalized"}).status_code
            == 422
        )
        assert client.post("/api/v1/orders/ord-nope/status", json={"status": "rejected"}).status_code == 404
        with office.engine.begin() as conn:
            new_id = orders.add_order(
                conn,
                lines=[{"code": "100001", "name": "Молоко", "quantity": "1.5", "price": 8990}],
                currency="PLN",
            )
        changed, _cursor, _pages = read_all(client, "/api/v1/orders", since=cursor)
        assert [(o["id"], o["status"]) for o in changed] == [(order["id"], "fiscalized"), (new_id, "new")]
        assert changed[1]["lines"][0]["quantity"] == "1.500" and changed[1]["total"] == 13485


def test_a_page_says_how_many_changes_remain(office, token):
    with office.client(token) as client:
        first = client.get("/api/v1/catalog", params={"limit": 5}).json()
        total = len(read_all(client, "/api/v1/catalog", limit=1000)[0])
        assert first["more"] and first["remaining"] == total - 5
