"""The one interface every order source implements, and the shape of what it brings.

A connector turns its source's API into ``IncomingOrder`` values and back:

- ``pull(cursor)`` yields ``Batch``es of new or changed orders since ``cursor``; each batch carries
  the cursor to resume from once its orders are stored (the importer commits both together, so a
  crash never skips an order and never advances past one);
- ``fetch(remote_id)`` reads one order now (``None``: the source no longer has it);
- ``report(order)`` tells the source what became of an order at the register (fiscalized, settled
  without a receipt because its total is zero, or rejected), idempotently: it may be called again
  after a crash.

A second marketplace (Ozon's FBS postings, Yandex Market's orders) is one new module that maps its
API to these types; the importer, the order model, settling and the local API stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from agent.terminal_text import printable
from common.money import MAX_AMOUNT

# what the register keeps of outside text: no control characters, bounded lengths
NAME_MAX = 128
CODE_MAX = 64
CONTACT_MAX = 64
MAX_LINES = 500
MAX_QUANTITY = Decimal("99999.999")
MAX_MINOR = MAX_AMOUNT  # what the register holds: an order over it can never be fiscalized


def clean(value: object, limit: int) -> str:
    """Outside text as the register may keep and print it: plain, single-line, bounded. The one
    rule of ``agent.terminal_text`` (control, bidi and zero-width characters, line separators):
    a rule of its own here kept "\u202e" (right-to-left override) and "\u2028" in stored names."""
    return printable(value or "", one_line=True).strip()[:limit]


@dataclass(frozen=True)
class OrderLine:
    sku: str | None  # the seller's product code on the marketplace (the register's product code)
    name: str
    quantity: Decimal
    price: int  # minor units per unit

    def as_json(self) -> dict:
        return {"sku": self.sku, "name": self.name, "quantity": f"{self.quantity:.3f}", "price": self.price}


@dataclass(frozen=True)
class IncomingOrder:
    remote_id: str
    state: str  # ready | cancelled | fiscalized | settled | rejected (the last three: decided elsewhere)
    currency: str
    total: int  # minor units
    lines: tuple[OrderLine, ...]
    paid: bool = False
    buyer: dict = field(default_factory=dict)  # name, email, phone
    marketplace: str = ""
    revision: str | None = None  # the source's version of the order (Allegro's optimistic lock)


@dataclass(frozen=True)
class Batch:
    orders: list[IncomingOrder]
    cursor: str | None  # where to resume once these orders are stored
    gone: tuple[str, ...] = ()  # remote ids the source no longer has (merged purchases)


class Connector(Protocol):
    source: str  # "backoffice", "allegro", ...
    account: int  # the marketplace account's id; 0 for the back-office relay
    account_ref: str | None  # the account's own id at the source (a seller id), for documents' links

    def pull(self, cursor: str | None) -> Iterator[Batch]: ...

    def fetch(self, remote_id: str) -> IncomingOrder | None: ...

    def report(self, remote_id: str, status: str, receipt_uuid: str | None, reason: str | None,
               revision: str | None) -> None: ...  # fmt: skip
