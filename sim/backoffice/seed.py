"""Demo data for the reference back office: a small Russian shop, reproducible from a seed.

Groups, products with valid EAN-13 barcodes, weighted goods sold by the kilogram, marked dairy
and water (Честный ЗНАК: their barcodes are the GTINs of their marking codes), several tax rates,
prices in kopecks; an administrator and cashiers with known PINs; marketplace orders to relay
(none of marked goods, whose codes an order from afar does not carry). Rows go in with bulk
inserts, so a catalog of 100,000 products takes seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from agent.pin_hash import hash_pin
from sim.backoffice import tables as t
from sim.backoffice.clock import utcnow
from sim.backoffice.database import allocate_seq, get_state, new_epoch, set_state
from sim.backoffice.orders import line_amount

DEFAULT_SEED = 20261123
CHUNK = 5000

# id, name, parent id
GROUPS = [
    ("grp-dairy", "Молочные продукты", None),
    ("grp-bread", "Хлеб и выпечка", None),
    ("grp-produce", "Овощи и фрукты", None),
    ("grp-drinks", "Напитки", None),
    ("grp-juice", "Соки и нектары", "grp-drinks"),
    ("grp-grocery", "Бакалея", None),
    ("grp-cereals", "Крупы", "grp-grocery"),
    ("grp-meat", "Мясо и птица", None),
    ("grp-sweets", "Кондитерские изделия", None),
    ("grp-household", "Бытовая химия", None),
    ("grp-other", "Прочее", None),
]

# group, name, price in kopecks, unit, tax, weighted
PRODUCTS = [
    ("grp-dairy", "Молоко 3,2% 1 л", 8990, "pcs", "vat10", False),
    ("grp-dairy", "Кефир 1% 900 г", 7490, "pcs", "vat10", False),
    ("grp-dairy", "Сметана 20% 300 г", 9990, "pcs", "vat10", False),
    ("grp-dairy", "Творог 5% 200 г", 11990, "pcs", "vat10", False),
    ("grp-dairy", "Масло сливочное 82,5% 180 г", 18990, "pcs", "vat10", False),
    ("grp-dairy", "Сыр Российский", 69900, "kg", "vat10", True),
    ("grp-bread", "Хлеб Бородинский 400 г", 5490, "pcs", "vat10", False),
    ("grp-bread", "Батон нарезной 350 г", 4590, "pcs", "vat10", False),
    ("grp-bread", "Булочка с маком 100 г", 3290, "pcs", "vat10", False),
    ("grp-produce", "Картофель", 3990, "kg", "vat10", True),
    ("grp-produce", "Огурцы", 18990, "kg", "vat10", True),
    ("grp-produce", "Помидоры", 24990, "kg", "vat10", True),
    ("grp-produce", "Яблоки Гренни Смит", 15990, "kg", "vat10", True),
    ("grp-produce", "Бананы", 12990, "kg", "vat10", True),
    ("grp-drinks", "Вода питьевая 1,5 л", 4990, "pcs", "vat20", False),
    ("grp-drinks", "Квас хлебный 1,5 л", 10990, "pcs", "vat20", False),
    ("grp-drinks", "Чай чёрный 100 пак.", 25990, "pcs", "vat20", False),
    ("grp-juice", "Сок яблочный 1 л", 12990, "pcs", "vat20", False),
    ("grp-juice", "Нектар вишнёвый 1 л", 11490, "pcs", "vat20", False),
    ("grp-grocery", "Сахар-песок 1 кг", 8990, "pcs", "vat10", False),
    ("grp-grocery", "Мука пшеничная 2 кг", 10990, "pcs", "vat10", False),
    ("grp-grocery", "Масло подсолнечное 1 л", 13990, "pcs", "vat10", False),
    ("grp-cereals", "Гречка ядрица 900 г", 9990, "pcs", "vat10", False),
    ("grp-cereals", "Рис круглозёрный 900 г", 8490, "pcs", "vat10", False),
    ("grp-meat", "Филе куриное", 42990, "kg", "vat10", True),
    ("grp-meat", "Фарш говяжий 400 г", 32990, "pcs", "vat10", False),
    ("grp-sweets", "Шоколад молочный 90 г", 8990, "pcs", "vat20", False),
    ("grp-sweets", "Печенье овсяное 300 г", 9490, "pcs", "vat20", False),
    ("grp-sweets", "Конфеты «Ромашка»", 59990, "kg", "vat20", True),
    ("grp-household", "Средство для мытья посуды 500 мл", 14990, "pcs", "vat20", False),
    ("grp-household", "Стиральный порошок 3 кг", 64990, "pcs", "vat20", False),
    ("grp-other", "Пакет-майка", 500, "pcs", "none", False),
    ("grp-other", "Открытка почтовая", 3500, "pcs", "vat0", False),
]

# marked goods (Честный ЗНАК) of the list above, by name: their product group
MARKED = {
    "Молоко 3,2% 1 л": "milk",
    "Кефир 1% 900 г": "milk",
    "Сметана 20% 300 г": "milk",
    "Творог 5% 200 г": "milk",
    "Масло сливочное 82,5% 180 г": "milk",
    "Вода питьевая 1,5 л": "water",
}

BRANDS = [
    "Домик в деревне",
    "Простоквашино",
    "Весёлый молочник",
    "Кубанская бурёнка",
    "Савушкин",
    "Аленка",
    "Красная цена",
    "Global Village",
    "Каждый день",
    "Фермерское",
    "Зелёная линия",
    "Русский продукт",
]

STAFF = [
    ("Иванова Анна", "administrator"),
    ("Петров Сергей", "cashier"),
    ("Смирнова Ольга", "cashier"),
    ("Кузнецов Дмитрий", "cashier"),
    ("Соколова Мария", "cashier"),
    ("Попов Алексей", "cashier"),
    ("Лебедева Екатерина", "cashier"),
    ("Козлов Андрей", "cashier"),
    ("Новикова Татьяна", "cashier"),
]
SURNAMES = ["Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Степанов", "Николаев"]
FIRST_NAMES = ["Иван", "Михаил", "Никита", "Артём", "Павел", "Роман", "Олег", "Максим", "Егор"]
BUYERS = [
    ("Сидоров Игорь", "+79161234567"),
    ("Орлова Наталья", "+79031112233"),
    ("Фёдоров Кирилл", "+79257654321"),
    ("Васильева Елена", "+79995550101"),
]
MARKETPLACES = ["ozon", "wildberries", "yandex_market"]


def ean13(twelve: str) -> str:
    """Append the EAN-13 check digit to twelve digits."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve))
    return twelve + str((10 - total % 10) % 10)


def personal_inn(rng: random.Random) -> str:
    """A 12-digit INN of a person with valid check digits (tag 1203)."""
    digits = [7, 7] + [rng.randrange(10) for _ in range(8)]
    for weights in ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)):
        digits.append(sum(w * d for w, d in zip(weights, digits, strict=False)) % 11 % 10)
    return "".join(map(str, digits))


@dataclass
class SeedResult:
    groups: int = 0
    products: int = 0
    employees: list[tuple[str, str, str]] = field(default_factory=list)  # name, role, PIN
    orders: int = 0


def has_demo_data(conn: Connection) -> bool:
    return any(
        conn.execute(select(table.c.id).limit(1)).first() is not None
        for table in (t.product_group, t.product, t.employee, t.marketplace_order)
    )


def reset(conn: Connection) -> None:
    """Drop catalog, staff and orders; start a new generation so every register resyncs fully."""
    for table in (t.product_group, t.product, t.employee, t.marketplace_order):
        conn.execute(delete(table))
    set_state(conn, "epoch", new_epoch())
    set_state(conn, "horizon", get_state(conn, "seq"))


def set_organization(conn: Connection, *, name=None, inn=None, store_name=None, store_address=None) -> None:
    org = {key: value for key, value in (("name", name), ("inn", inn)) if value}
    if org:
        conn.execute(update(t.organization).values(**org))
    shop = {key: value for key, value in (("name", store_name), ("address", store_address)) if value}
    if shop:
        conn.execute(update(t.store).values(**shop))


def _bulk(conn: Connection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start : start + CHUNK])


def _products(rng: random.Random, count: int, first_seq: int, now) -> list[dict]:
    rows = []
    for index in range(count):
        group, name, price, unit, tax, weighted = PRODUCTS[index % len(PRODUCTS)]
        marking_group = MARKED.get(name)
        variant = index // len(PRODUCTS)
        if variant:
            name = f"{name} «{BRANDS[(variant - 1) % len(BRANDS)]}»"
            if variant > len(BRANDS):
                name += f" арт. {variant}"
            price = max(100, price + rng.randrange(-20, 21) * 100) // 10 * 10
        code = str(100001 + index)
        rows.append(
            {
                "id": f"prd-{index + 1:06d}",
                "code": code,
                "name": name,
                "price": price,
                "unit": unit,
                "tax": tax,
                "payment_object": "commodity",
                "weighted": weighted,
                "marked": marking_group is not None,
                "marking_group": marking_group,
                "group_id": group,
                "barcodes": [] if weighted else [ean13(f"460{index + 1:09d}")],
                "seq": first_seq + index,
                "deleted": False,
                "updated_at": now,
            }
        )
    return rows


def _employees(rng: random.Random, count: int, first_seq: int, now) -> tuple[list[dict], list]:
    rows, people = [], []
    for index in range(count):
        if index < len(STAFF):
            name, role = STAFF[index]
            pin = str(index + 1) * 4
        else:
            name = f"{rng.choice(SURNAMES)} {rng.choice(FIRST_NAMES)}"
            role, pin = "cashier", f"{rng.randrange(10000):04d}"
        rows.append(
            {
                "id": f"emp-{index + 1:03d}",
                "name": name,
                "role": role,
                "inn": personal_inn(rng),
                "pin_hash": hash_pin(pin, salt=rng.randbytes(16)),
                "seq": first_seq + index,
                "deleted": False,
                "updated_at": now,
            }
        )
        people.append((name, role, pin))
    return rows, people


def _orders(rng: random.Random, count: int, products: list[dict], first_seq: int, now) -> list[dict]:
    # a marked product is sold with its codes, which an order from afar does not carry
    sellable = [p for p in products if not p["weighted"] and not p["marked"]] or products
    rows = []
    for index in range(count):
        lines = []
        for product in rng.sample(sellable, k=min(len(sellable), rng.randint(1, 3))):
            quantity = f"{rng.randint(1, 3)}.000"
            lines.append(
                {
                    "code": product["code"],
                    "name": product["name"],
                    "quantity": quantity,
                    "price": product["price"],
                }
            )
        buyer, phone = rng.choice(BUYERS)
        email = f"buyer{index + 1}@example.ru"
        created = now - timedelta(minutes=5 * (count - index))
        rows.append(
            {
                "id": f"ord-{index + 1:06d}",
                "marketplace": rng.choice(MARKETPLACES),
                "external_id": f"{rng.randrange(10**8):08d}-{index + 1:04d}",
                "status": "new",
                "currency": "RUB",
                "total": sum(line_amount(line) for line in lines),
                "buyer": {"name": buyer, "email": email, "phone": phone},
                "lines": lines,
                "created_at": created,
                "updated_at": created,
                "seq": first_seq + index,
            }
        )
    return rows


def seed(
    conn: Connection, *, products: int = 200, employees: int = 4, orders: int = 0, seed: int = DEFAULT_SEED
) -> SeedResult:
    """Fill an empty catalog in one transaction (the caller's); same seed, same data."""
    rng = random.Random(seed)
    now = utcnow()
    result = SeedResult()
    groups = [
        {"id": gid, "name": name, "parent_id": parent, "deleted": False, "updated_at": now}
        for gid, name, parent in GROUPS
    ]
    first = allocate_seq(conn, len(groups))
    for offset, row in enumerate(groups):
        row["seq"] = first + offset
    _bulk(conn, t.product_group, groups)
    result.groups = len(groups)
    product_rows = _products(rng, products, allocate_seq(conn, max(products, 1)), now)
    _bulk(conn, t.product, product_rows)
    result.products = len(product_rows)
    employee_rows, result.employees = _employees(rng, employees, allocate_seq(conn, max(employees, 1)), now)
    _bulk(conn, t.employee, employee_rows)
    if orders and product_rows:
        order_rows = _orders(rng, orders, product_rows[: len(PRODUCTS) * 3], allocate_seq(conn, orders), now)
        _bulk(conn, t.marketplace_order, order_rows)
        result.orders = len(order_rows)
    return result
