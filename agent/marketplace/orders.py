"""Storing what connectors bring, one row per (source, account, external id), and reporting outcomes.

An order arrives ``waiting`` (or ``unsupported`` when it is in another currency than the register's,
or could not be read: shown with the reason, never fiscalized). Lines keep the marketplace's SKU and
the register's product ``code``, set only when a product with exactly that code exists (or when the
cashier picks one): a line is never matched by guessing. Once the cashier fiscalizes or rejects an
order, the outcome goes back to its source on the next run until the source has taken it.

A fiscal register prints no receipt with a zero total, so a waiting order whose lines come to zero
is ``settled`` without a receipt (the exchange setting's default, reported to the source as such)
or held for the cashier, who settles or rejects it.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, select

from agent.i18n import N_, translate
from agent.marketplace.connector import Connector, IncomingOrder
from agent.store import Store
from agent.store.models import FiscalDocument, MarketplaceOrder, Product, SyncCursor
from agent.store.types import utcnow
from agent.sync import settings as sync_settings

CURRENCY_REASON = N_(
    "the order is in {currency} but the register sells in {shop_currency}: it cannot be fiscalized here"
)
CANCELLED_REASON = N_("cancelled on the marketplace")
MERGED_REASON = N_("the marketplace merged this purchase into another order")
UNREADABLE_REASON = N_("the marketplace sent an order the register cannot read")
ZERO_TOTAL_SETTLED = N_(
    "zero total: settled without a receipt (a fiscal register prints no zero-total receipt)"
)
ZERO_TOTAL_HELD = N_(
    "zero total: a fiscal register prints no receipt for it; fiscalizing settles it without a receipt, "
    "or reject it"
)
LOCAL_FINAL = {"fiscalized", "settled", "rejected"}
ORDER_NAMESPACE = uuidlib.UUID("6f1c2a52-3d0e-4c55-9a51-6b8f4f3f0a11")
ORDER_UUIDS = 4  # the order's own uuid, then the next ones should another document hold it


@dataclass
class ImportRun:
    stored: int = 0
    gone: int = 0
    reported: int = 0

    @property
    def moved(self) -> int:
        return self.stored + self.gone + self.reported


def cursor_key(source: str, account: int) -> str:
    """The ``sync_cursor`` row of a source: the relay keeps the orders stream's own row."""
    return "orders" if source == "backoffice" else f"{source}:{account}"


def matched_code(session: Session, sku: str | None) -> str | None:
    if not sku:
        return None
    found = session.exec(
        select(Product.code).where(Product.code == sku, Product.pending_delete.is_(False))
    ).first()
    return found


def find(session: Session, source: str, account: int, remote_id: str) -> MarketplaceOrder | None:
    return session.exec(
        select(MarketplaceOrder).where(
            MarketplaceOrder.source == source,
            MarketplaceOrder.account == account,
            MarketplaceOrder.remote_id == remote_id,
        )
    ).first()


def store_order(
    session: Session,
    source: str,
    account: int,
    incoming: IncomingOrder,
    shop_currency: str,
    now: datetime,
    account_ref: str | None = None,
) -> MarketplaceOrder | None:
    """Insert or update one order; orders not yet ready on the marketplace are not stored."""
    order = find(session, source, account, incoming.remote_id)
    if order is None and incoming.state == "pending":
        return None
    if order is None:
        order = MarketplaceOrder(
            source=source,
            account=account,
            account_ref=account_ref,
            remote_id=incoming.remote_id,
            status="waiting",
            currency="",
            total=0,
        )
    if order.status in LOCAL_FINAL:  # settled here: the register's receipt is the truth now
        order.updated_at = now
        session.add(order)
        return order
    if incoming.state == "unreadable":
        order.status, order.reason = "unsupported", UNREADABLE_REASON
        order.updated_at = now
        session.add(order)
        return order
    order.marketplace = incoming.marketplace or order.marketplace
    order.currency = incoming.currency or shop_currency
    order.total = incoming.total
    order.paid = incoming.paid
    order.buyer = dict(incoming.buyer)
    order.revision = incoming.revision
    picked = {line.get("sku"): line.get("code") for line in order.lines or [] if line.get("picked")}
    lines = []
    for line in incoming.lines:
        item = line.as_json()
        if line.sku in picked:
            item.update(code=picked[line.sku], picked=True)
        else:
            item["code"] = matched_code(session, line.sku)
        lines.append(item)
    order.lines = lines
    order.updated_at = now
    if incoming.state == "cancelled":
        order.status, order.reason = "cancelled", CANCELLED_REASON
    elif incoming.state in LOCAL_FINAL:  # decided at the source (the back office): nothing to report
        order.status, order.status_reported = incoming.state, True
    elif order.currency != shop_currency:
        order.status = "unsupported"
        order.reason = CURRENCY_REASON.format(currency=order.currency, shop_currency=shop_currency)
    elif incoming.state == "ready":
        order.status, order.reason = "waiting", None
    session.add(order)
    return order


def mark_gone(session: Session, source: str, account: int, remote_id: str, now: datetime) -> bool:
    order = find(session, source, account, remote_id)
    if order is None or order.status in LOCAL_FINAL:
        return False
    order.status, order.reason, order.updated_at = "cancelled", MERGED_REASON, now
    session.add(order)
    return True


def order_uuid(order: MarketplaceOrder) -> str:
    """The uuid of the sale that settles the order: the same for every attempt, from any path."""
    key = f"{order.source}:{order.remote_id}"
    if order.account:
        key = f"{order.source}:{order.account}:{order.remote_id}"
    return str(uuidlib.uuid5(ORDER_NAMESPACE, key))


def order_uuids(order: MarketplaceOrder) -> list[str]:
    """The uuids the order's sale may go under, in turn: ``order_uuid``, then the same key with a
    number. The next one is taken only when a document not made for the order holds the one before
    (written before the register refused a plain sale an order's uuid, or before the order came)."""
    first = order_uuid(order)
    return [first] + [str(uuidlib.uuid5(ORDER_NAMESPACE, f"{first}:{n}")) for n in range(1, ORDER_UUIDS)]


def made_for(doc: FiscalDocument, order: MarketplaceOrder) -> bool:
    """``doc`` is the order's own sale: only the order's fiscalize path sets a document's
    ``order_id`` (a plain sale may not name an order). Its lines are not compared with the order's:
    a buyer's change to the order between the receipt and its marking (a crash in between) must
    not make the order's receipt look like another's and the order be sold twice."""
    return doc.type == "sale" and doc.order_id == order.id


def _held(session: Session, order: MarketplaceOrder) -> list[tuple[str, FiscalDocument | None]]:
    """Each of ``order_uuids`` in turn, with the document that holds it (None when none does)."""
    uuids = order_uuids(order)
    docs = session.exec(select(FiscalDocument).where(FiscalDocument.uuid.in_(uuids))).all()
    by_uuid = {doc.uuid: doc for doc in docs}
    return [(uuid, by_uuid.get(uuid)) for uuid in uuids]


def sale_uuid(session: Session, order: MarketplaceOrder) -> str | None:
    """The uuid the order's sale goes under now: the first of ``order_uuids`` that no document
    holds or whose document was made for the order (so a retry, or the path after a crash, finds
    its own row again). None when documents of others hold them all."""
    return next((uuid for uuid, doc in _held(session, order) if doc is None or made_for(doc, order)), None)


def own_receipt(session: Session, order: MarketplaceOrder) -> FiscalDocument | None:
    """The order's fiscalized receipt, if it was made: a document under one of its uuids made for it."""
    return next(
        (
            doc
            for _uuid, doc in _held(session, order)
            if doc and doc.status == "fiscalized" and made_for(doc, order)
        ),
        None,
    )


def may_be_order_uuid(uuid: str) -> bool:
    """Every order's uuid is a version 5 uuid of ``ORDER_NAMESPACE``: another one is no order's, and
    a sale under it needs no look at the orders."""
    try:
        return uuidlib.UUID(uuid).version == 5
    except ValueError:
        return False


def order_of_uuid(session: Session, uuid: str) -> MarketplaceOrder | None:
    """The order not yet settled whose sale may go under ``uuid``: a plain sale never takes it."""
    open_orders = session.exec(
        select(MarketplaceOrder).where(MarketplaceOrder.status.not_in(LOCAL_FINAL))
    ).all()
    return next((order for order in open_orders if uuid in order_uuids(order)), None)


def zero_total(order: MarketplaceOrder) -> bool:
    """The order's receipt would have a zero total: every line's amount rounds to nothing."""
    lines = order.lines or []
    if order.total != 0 or not lines:
        return False
    try:
        amounts = [
            (Decimal(str(line.get("quantity") or "0")) * int(line.get("price") or 0)).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
            for line in lines
        ]
    except (ArithmeticError, TypeError, ValueError):
        return False
    return sum(amounts) == 0


def mark_settled(session: Session, order: MarketplaceOrder, now: datetime) -> MarketplaceOrder:
    """A zero-total order closed without a receipt; the source hears of it on the next run."""
    if order.status != "settled":
        order.status, order.receipt_uuid, order.reason = "settled", None, ZERO_TOTAL_SETTLED
        order.status_reported, order.updated_at = False, now
        session.add(order)
    return order


def settle_zero_totals(session: Session, source: str, account: int, now: datetime) -> int:
    """Settle the source's waiting zero-total orders without a receipt, unless the exchange
    settings hold them for the cashier."""
    if sync_settings.zero_total(session) != sync_settings.ZERO_TOTAL_SETTLE:
        return 0
    waiting = session.exec(
        select(MarketplaceOrder).where(
            MarketplaceOrder.source == source,
            MarketplaceOrder.account == account,
            MarketplaceOrder.status == "waiting",
            MarketplaceOrder.total == 0,
        )
    ).all()
    settled = [mark_settled(session, order, now) for order in waiting if zero_total(order)]
    return len(settled)


def mark_fiscalized(session: Session, order: MarketplaceOrder, receipt_uuid: str) -> MarketplaceOrder:
    if order.status != "fiscalized":
        order.status, order.receipt_uuid, order.reason = "fiscalized", receipt_uuid, None
        order.status_reported, order.updated_at = False, utcnow()
        session.add(order)
    return order


def reconcile(session: Session, source: str, account: int) -> int:
    """Orders whose receipt is fiscalized but which still wait (a crash between the two writes):
    mark them. Only the order's own receipt counts (``own_receipt``): a document that merely holds
    the order's uuid, or names the order with other lines, settles nothing."""
    waiting = session.exec(
        select(MarketplaceOrder).where(
            MarketplaceOrder.source == source,
            MarketplaceOrder.account == account,
            MarketplaceOrder.status.not_in(LOCAL_FINAL),
        )
    ).all()
    fixed = 0
    for order in waiting:
        receipt = own_receipt(session, order)
        if receipt is not None:
            mark_fiscalized(session, order, receipt.uuid)
            fixed += 1
    return fixed


def match_waiting(session: Session, now: datetime) -> int:
    """Give each waiting order's lines without a product the product whose code is now their SKU;
    the number of orders changed. An order can arrive before the catalog brings its goods (a new
    register's first exchange runs both at once, a product can be added after the order): its
    lines are matched again whenever the catalog or the orders come in, by the same exact rule;
    a line the cashier picked keeps the pick."""
    changed = 0
    for order in session.exec(select(MarketplaceOrder).where(MarketplaceOrder.status == "waiting")).all():
        if not unmatched(order):
            continue
        lines = [dict(line) for line in order.lines or []]
        for line in lines:
            if not line.get("code") and not line.get("picked"):
                line["code"] = matched_code(session, line.get("sku"))
        if lines != order.lines:
            order.lines, order.updated_at = lines, now
            session.add(order)
            changed += 1
    return changed


def unmatched(order: MarketplaceOrder) -> list[int]:
    """Positions (1-based) of lines with no product of the register: the cashier must pick one."""
    return [index for index, line in enumerate(order.lines or [], start=1) if not line.get("code")]


def _unreported(source: str, account: int):
    return select(MarketplaceOrder).where(
        MarketplaceOrder.source == source,
        MarketplaceOrder.account == account,
        MarketplaceOrder.status.in_(LOCAL_FINAL),
        MarketplaceOrder.status_reported.is_(False),
    )


def unreported(session: Session, source: str, account: int) -> bool:
    return session.exec(_unreported(source, account).limit(1)).first() is not None


def report_outcomes(store: Store, connector: Connector, clock: Callable[[], datetime]) -> int:
    with store.read() as session:
        todo = session.exec(_unreported(connector.source, connector.account)).all()
    for order in todo:
        # a reason of the register's own (settled) is said in the register's language; a cashier's as typed
        reason = translate(order.reason, None) if order.status == "settled" and order.reason else order.reason
        connector.report(order.remote_id, order.status, order.receipt_uuid, reason, order.revision)
        with store.write() as session:
            row = session.get(MarketplaceOrder, order.id)
            row.status_reported, row.updated_at = True, clock()
            session.add(row)
    return len(todo)


def run_import(
    store: Store,
    connector: Connector,
    clock: Callable[[], datetime],
    shop_currency: str,
    *,
    on_batch: Callable[[int], None] = lambda count: None,
) -> ImportRun:
    """Report outcomes, then store each batch together with the cursor that follows it; zero-total
    orders are settled (per the exchange settings) before each report."""
    run = ImportRun()
    with store.write() as session:
        reconcile(session, connector.source, connector.account)
        match_waiting(session, clock())
        settle_zero_totals(session, connector.source, connector.account, clock())
    run.reported = report_outcomes(store, connector, clock)
    on_batch(run.reported)
    key = cursor_key(connector.source, connector.account)
    with store.read() as session:
        row = session.get(SyncCursor, key)
        cursor = row.cursor if row else None
    for batch in connector.pull(cursor):
        now = clock()
        with store.write() as session:
            for incoming in batch.orders:
                if store_order(
                    session, connector.source, connector.account, incoming, shop_currency, now,
                    getattr(connector, "account_ref", None),
                ):  # fmt: skip
                    run.stored += 1
            for remote_id in batch.gone:
                run.gone += mark_gone(session, connector.source, connector.account, remote_id, now)
            row = session.get(SyncCursor, key) or SyncCursor(stream=key)
            row.cursor, row.updated_at = batch.cursor, now
            session.add(row)
        on_batch(len(batch.orders) + len(batch.gone))
    with store.write() as session:
        settled = settle_zero_totals(session, connector.source, connector.account, clock())
    if settled:
        run.reported += report_outcomes(store, connector, clock)
    return run
