"""The register's tables, in the shop's words.

Money is integer kopecks, quantities are Decimal with three places (stored as integer
thousandths), times are aware UTC. Changing a table means regenerating the migration
(`python -m agent.store.migrations`); a test fails while models and migrations disagree.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from agent.store.types import Quantity, UTCDateTime, utcnow


def _when(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


def _json(**kwargs: Any) -> Any:
    return Field(sa_type=JSON, **kwargs)


class Setting(SQLModel, table=True):
    """Operator-changed settings that live with the register (sync intervals, product sync, ...)."""

    key: str = Field(primary_key=True)
    value: Any = _json()
    updated_at: datetime = _when(default_factory=utcnow)


class Pairing(SQLModel, table=True):
    """The one back office this register is paired with. The token lives in a 0600 file beside the store."""

    id: int = Field(default=1, primary_key=True)
    backoffice_url: str
    register_id: str
    organization_name: str
    organization_inn: str
    store_name: str
    store: dict = _json(default_factory=dict)
    kkt_serial: str
    fn_serial: str
    paired_at: datetime = _when(default_factory=utcnow)
    needs_repair: bool = Field(default=False, description="the back office answered 401: pair again")


class ProductGroup(SQLModel, table=True):
    __tablename__ = "product_group"

    id: int | None = Field(default=None, primary_key=True)
    remote_id: str | None = Field(default=None, unique=True, index=True)
    name: str
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("product_group.id", ondelete="SET NULL"))
    )
    origin: str = Field(default="backoffice", description="backoffice | local")
    pending_delete: bool = Field(
        default=False, description="gone from the back office; deleted after the sync"
    )
    updated_at: datetime = _when(default_factory=utcnow)


# the catalog's first sync writes into an empty catalog without this index and builds it once at
# the end (agent.sync.catalog); a store opened after a run killed half-way builds it then
SEARCH_INDEX = "ix_product_search_name"
BUILD_SEARCH_INDEX = f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON product (search_name)"


def search_key(name: str) -> str:
    """What a product search compares with: the name case-folded (SQLite folds only ASCII)."""
    return name.casefold()


class Product(SQLModel, table=True):
    # each sync run's end counts the flagged and the local products: partial indexes hold only those
    # rows (none, mostly), so the counts do not scan the catalog (agent.sync.deletions)
    __table_args__ = (
        Index("ix_product_pending_delete", "id", sqlite_where=text("pending_delete IS 1")),
        Index("ix_product_local", "id", sqlite_where=text("origin = 'local'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    remote_id: str | None = Field(default=None, unique=True, index=True)
    code: str = Field(unique=True, index=True, description="the SKU; marketplace orders match on it")
    name: str
    search_name: str = Field(
        default="",
        index=True,
        description="search_key(name), kept by the writers: a prefix is a range scan, and the list's order",
    )
    price: int = Field(ge=0, description="kopecks")
    unit: str = Field(default="pcs", description="measure code from data (pcs, kg, l, ...)")
    tax: str = Field(description="tax rate code from data, e.g. vat20, vat10, vat0, none")
    payment_object: str = Field(default="commodity", description="payment-object type code from data")
    tax_system: str | None = Field(
        default=None, description="tag 1055 when not the shop's (e.g. patent goods beside УСН ones)"
    )
    weighted: bool = False
    marked: bool = Field(default=False, description="sold only with a marking code per unit (Честный ЗНАК)")
    marking_group: str | None = Field(
        default=None,
        description="the marked product's group (common.marking.GROUPS): milk, water, ...",
    )
    group_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("product_group.id", ondelete="SET NULL"), index=True),
    )
    origin: str = Field(default="backoffice", description="backoffice | local")
    pending_delete: bool = Field(
        default=False, description="gone from the back office; deleted after the sync (or its confirmation)"
    )
    updated_at: datetime = _when(default_factory=utcnow)


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _keep_search_name(_mapper, _connection, product: Product) -> None:
    product.search_name = search_key(product.name)


class Barcode(SQLModel, table=True):
    code: str = Field(primary_key=True)
    product_id: int = Field(
        sa_column=Column(Integer, ForeignKey("product.id", ondelete="CASCADE"), index=True)
    )


class Employee(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    remote_id: str | None = Field(default=None, unique=True, index=True)
    name: str
    role: str = Field(description="cashier | administrator")
    inn: str | None = Field(default=None, description="tag 1203")
    pin_hash: str = Field(description="scrypt$N$r$p$salt$hash from the back office; never a PIN")
    failed_pins: int = 0
    locked_until: datetime | None = _when(default=None)
    updated_at: datetime = _when(default_factory=utcnow)


class FiscalDocument(SQLModel, table=True):
    """The journal: one row per fiscal operation, written `pending` before the register hears of it."""

    __tablename__ = "fiscal_document"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(unique=True, index=True, description="the client's idempotency key")
    type: str = Field(
        index=True, description="sale | return | correction | shift_open | shift_close | cash_in | cash_out"
    )
    status: str = Field(index=True, description="pending | fiscalized | failed")
    request_hash: str = Field(
        description="hash of the request; a reused uuid with another request is refused"
    )
    kkt_serial: str | None = Field(default=None, description="the register that fiscalized it")
    registration_number: str | None = Field(default=None, description="tag 1037: the register's РН ККТ")
    fn_serial: str | None = None
    expected_fd: int | None = Field(default=None, description="the FD number the FN should give it")
    fd: int | None = None
    fiscal_sign: str | None = None
    shift: int | None = None
    number_in_shift: int | None = Field(default=None, description="tag 1042: a receipt's number in its shift")
    fiscalized_at: datetime | None = _when(default=None)
    created_at: datetime = _when(default_factory=utcnow)
    total: int = Field(default=0, description="kopecks")
    cashier_name: str | None = None
    cashier_inn: str | None = None
    buyer_contact: str | None = Field(default=None, description="tag 1008: phone or e-mail")
    buyer_name: str | None = Field(default=None, description="tag 1227: a B2B buyer, as the FN stores it")
    buyer_inn: str | None = Field(default=None, description="tag 1228: the B2B buyer's INN")
    tax_system: str | None = Field(default=None, description="tag 1055 the receipt was made under")
    original_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("fiscal_document.id"), index=True)
    )
    order_id: int | None = Field(default=None, description="the marketplace order this receipt fiscalized")
    order_link: dict | None = _json(
        default=None, description="the order it settles as uploaded (source, account, external id)"
    )
    correction: dict | None = _json(
        default=None, description="a correction receipt's type, sign, date, number (1173/1174) and reason"
    )
    error_code: str | None = None
    error_message: str | None = None


class ReceiptLine(SQLModel, table=True):
    __tablename__ = "receipt_line"
    __table_args__ = (UniqueConstraint("document_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("fiscal_document.id", ondelete="CASCADE"), index=True)
    )
    position: int
    product_code: str | None = None
    name: str
    quantity: Decimal = Field(sa_type=Quantity)
    price: int = Field(description="kopecks per unit")
    discount: int = Field(default=0, description="kopecks off this line, receipt discounts included")
    amount: int = Field(description="kopecks: round(quantity * price) - discount")
    unit: str = "pcs"
    tax: str
    payment_object: str = "commodity"
    vat: int | None = Field(default=None, description="kopecks of VAT in the amount as the FN counts it")


class FnPosition(SQLModel, table=True):
    """What the FN got for a line: one position at the discounted unit price, or two when no
    price fits the line's sum (``drivers.fiscal_register.positions_of``)."""

    __tablename__ = "fn_position"
    __table_args__ = (UniqueConstraint("document_id", "line_position", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("fiscal_document.id", ondelete="CASCADE"), index=True)
    )
    line_position: int = Field(description="the receipt line it belongs to")
    number: int = Field(description="1 or 2 within the line")
    name: str = Field(description="the name exactly as the FN stored it")
    quantity: Decimal = Field(sa_type=Quantity)
    price: int = Field(description="kopecks per unit as sent")
    amount: int = Field(description="kopecks as sent")
    vat: int | None = Field(default=None, description="kopecks of VAT as the FN counts it")


class ReceiptMark(SQLModel, table=True):
    """One marked unit of a receipt line: its code as the FN got it and the FN's check of it
    (FFD 1.2 tags 2003, 2106, 2109), written with the pending row, before the register closes."""

    __tablename__ = "receipt_mark"
    __table_args__ = (UniqueConstraint("document_id", "line_position", "unit"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("fiscal_document.id", ondelete="CASCADE"), index=True)
    )
    line_position: int = Field(description="the receipt line it belongs to")
    unit: int = Field(description="1.. within the line: the FN position it is bound to")
    code: str = Field(description="the marking code as sent, GS as \\x1d")
    identity: str = Field(index=True, description="01 + GTIN + 21 + serial: the unit, whatever its tail")
    plan: str = Field(description="drivers.fiscal_register.MarkPlan (tag 2003)")
    verdict: str = Field(description="drivers.fiscal_register.MarkVerdict, what the cashier was told")
    result: int = Field(description="tag 2106 as the FN writes it")
    local: str = Field(description="the FN's own check: valid | invalid | not_checked")
    online: str = Field(description="the national system's answer (tag 2109) or not_checked")
    permit: str | None = Field(
        default=None, description="tag 1265 of the permissive mode's online check (UUID=...&Time=...)"
    )


class ReceiptPayment(SQLModel, table=True):
    __tablename__ = "receipt_payment"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(Integer, ForeignKey("fiscal_document.id", ondelete="CASCADE"), index=True)
    )
    kind: str = Field(description="cash | card")
    amount: int = Field(description="kopecks tendered; cash may exceed the total")
    change: int = Field(default=0, description="kopecks given back")


class OutboxItem(SQLModel, table=True):
    """A fiscalized document waiting for (or done with) its upload; the id is the upload order."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(sa_column=Column(Integer, ForeignKey("fiscal_document.id"), unique=True))
    status: str = Field(
        default="pending", index=True, description="pending | accepted | duplicate | conflict | rejected"
    )
    attempts: int = 0
    next_attempt_at: datetime | None = _when(default=None)
    last_error: str | None = None
    result_message: str | None = None
    created_at: datetime = _when(default_factory=utcnow)
    done_at: datetime | None = _when(default=None)


class SyncCursor(SQLModel, table=True):
    """Where each pulled stream stands; committed in the same transaction as the page it follows."""

    __tablename__ = "sync_cursor"

    stream: str = Field(primary_key=True, description="products | employees | orders")
    cursor: str | None = None
    updated_at: datetime = _when(default_factory=utcnow)


class SyncStatus(SQLModel, table=True):
    """What the operator sees per stream: last success, last error, next run, items moved."""

    __tablename__ = "sync_status"

    stream: str = Field(primary_key=True, description="receipts | products | employees | orders")
    last_success_at: datetime | None = _when(default=None)
    last_error: str | None = None
    last_error_at: datetime | None = _when(default=None)
    next_run_at: datetime | None = _when(default=None)
    items_moved: int = 0


class MarketplaceAccount(SQLModel, table=True):
    """A connected marketplace seller account. Its tokens live in a 0600 file beside the store."""

    __tablename__ = "marketplace_account"

    id: int | None = Field(default=None, primary_key=True)
    marketplace: str = Field(description="allegro, ...")
    name: str
    seller: str | None = Field(default=None, index=True, description="the seller's id on the marketplace")
    active: bool = Field(default=True, description="imports run and outcomes are reported")
    interval: int | None = Field(default=300, description="seconds between imports; None: never")
    auto_fiscalize: bool = Field(default=False, description="fiscalize paid orders as they arrive")
    payment_kind: str = Field(default="card", description="the payment kind used to settle its orders")
    state: str = Field(default="connected", description="connected | reconnect")
    reason: str | None = Field(default=None, description="why it must be connected again")
    token_expires_at: datetime | None = _when(default=None)
    connected_at: datetime = _when(default_factory=utcnow)
    last_import_at: datetime | None = _when(default=None)
    last_error: str | None = None
    next_import_at: datetime | None = _when(default=None)


class MarketplaceOrder(SQLModel, table=True):
    """An order relayed by the back office or fetched from a marketplace, waiting to be fiscalized.

    One row per (source, account, remote id): a repeated import updates it, never adds a second.
    """

    __tablename__ = "marketplace_order"
    __table_args__ = (UniqueConstraint("source", "account", "remote_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(description="backoffice | allegro | ...")
    account: int = Field(default=0, description="the marketplace account's id; 0 for the back-office relay")
    account_ref: str | None = Field(
        default=None,
        description="the account's own id at the source (Allegro's seller id); None for the relay",
    )
    remote_id: str
    marketplace: str = Field(default="", description="allegro, ... as the source names it")
    status: str = Field(
        index=True, description="waiting | fiscalized | settled | rejected | unsupported | cancelled"
    )
    currency: str
    total: int = Field(description="kopecks (minor units of the order's currency)")
    paid: bool = Field(default=False, description="the buyer has paid the marketplace in full")
    buyer: dict = _json(default_factory=dict)
    lines: list = _json(default_factory=list)
    reason: str | None = Field(default=None, description="why it cannot be fiscalized, for the cashier")
    receipt_uuid: str | None = None
    revision: str | None = Field(default=None, description="the source's version of the order")
    status_reported: bool = Field(default=False, description="the source has been told the outcome")
    received_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)
