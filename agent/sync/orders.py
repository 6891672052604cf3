"""Marketplace orders relayed by the back office, and telling it what became of each.

An order arrives ``waiting`` (or ``unsupported`` when its currency is not the register's: it is shown
with the reason and never fiscalized). Once the cashier fiscalizes or rejects it, the outcome is
reported back on the next run until the back office has acknowledged it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, select

from agent.backoffice import BackofficeClient, errors
from agent.i18n import N_
from agent.store import Store
from agent.store.models import MarketplaceOrder, SyncCursor

STREAM = "orders"
SOURCE = "backoffice"
CURRENCY_REASON = N_(
    "the order is in {currency} but the register sells in {shop_currency}: it cannot be fiscalized here"
)
LOCAL_FINAL = {"fiscalized", "rejected"}


def pull(
    store: Store,
    client: BackofficeClient,
    clock: Callable[[], datetime],
    shop_currency: str,
    *,
    limit: int = 500,
) -> int:
    moved = _report_outcomes(store, client, clock)
    with store.read() as session:
        row = session.get(SyncCursor, STREAM)
        since = row.cursor if row else None
    try:
        return moved + _pull(store, client, clock, shop_currency, since, limit)
    except errors.CursorExpired:  # 410: the back office compacted its feed; read it all again
        return moved + _pull(store, client, clock, shop_currency, None, limit)


def _pull(store: Store, client: BackofficeClient, clock, shop_currency: str, since, limit: int) -> int:
    moved = 0
    for page in client.pages("orders", since, limit):
        with store.write() as session:
            for item in page.items:
                apply_order(session, item, shop_currency, clock())
            since = page.next if page.next is not None else since
            cursor = session.get(SyncCursor, STREAM) or SyncCursor(stream=STREAM)
            cursor.cursor = since
            cursor.updated_at = clock()
            session.add(cursor)
        moved += len(page.items)
    return moved


def apply_order(session: Session, item: dict, shop_currency: str, now: datetime) -> None:
    remote_id = str(item["id"])
    order = session.exec(
        select(MarketplaceOrder).where(
            MarketplaceOrder.source == SOURCE, MarketplaceOrder.remote_id == remote_id
        )
    ).first()
    currency = str(item.get("currency") or shop_currency).upper()
    remote_status = str(item.get("status") or "new")
    if order is None:
        order = MarketplaceOrder(
            source=SOURCE, remote_id=remote_id, status="waiting", currency=currency, total=0
        )
    order.marketplace = str(item.get("marketplace") or "")
    order.currency = currency
    order.total = int(item.get("total") or 0)
    order.buyer = dict(item.get("buyer") or {})
    order.lines = list(item.get("lines") or [])
    order.updated_at = now
    if order.status not in LOCAL_FINAL:
        if remote_status == "cancelled":
            order.status, order.reason = "cancelled", "cancelled by the marketplace"
        elif remote_status in LOCAL_FINAL:
            order.status, order.status_reported = remote_status, True
        elif currency != shop_currency:
            order.status = "unsupported"
            order.reason = CURRENCY_REASON.format(currency=currency, shop_currency=shop_currency)
        else:
            order.status, order.reason = "waiting", None
    session.add(order)


def _unreported_query():
    return select(MarketplaceOrder).where(
        MarketplaceOrder.source == SOURCE,
        MarketplaceOrder.status.in_(LOCAL_FINAL),
        MarketplaceOrder.status_reported.is_(False),
    )


def unreported(session: Session) -> bool:
    return session.exec(_unreported_query().limit(1)).first() is not None


def _report_outcomes(store: Store, client: BackofficeClient, clock: Callable[[], datetime]) -> int:
    with store.read() as session:
        todo = session.exec(_unreported_query()).all()
    for order in todo:
        client.order_status(order.remote_id, order.status, order.receipt_uuid, order.reason)
        with store.write() as session:
            row = session.get(MarketplaceOrder, order.id)
            row.status_reported = True
            row.updated_at = clock()
            session.add(row)
    return len(todo)
