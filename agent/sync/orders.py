"""Marketplace orders relayed by the back office, and telling it what became of each.

An order arrives ``waiting`` (or ``unsupported`` when its currency is not the register's: it is shown
with the reason and never fiscalized). Once the cashier fiscalizes or rejects it, the outcome is
reported back on the next run until the back office has acknowledged it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from agent.backoffice import BackofficeClient, errors
from agent.i18n import N_
from agent.store.models import MarketplaceOrder, SyncStatus
from agent.sync import cursor, records
from agent.sync import settings as sync_settings
from agent.sync.stream import Attempt, IntervalStream

STREAM = "orders"
SOURCE = "backoffice"
CURRENCY_REASON = N_(
    "the order is in {currency} but the register sells in {shop_currency}: it cannot be fiscalized here"
)
LOCAL_FINAL = {"fiscalized", "rejected"}


class BackofficeOrderStream(IntervalStream):
    """Orders the back office relays down; the cashier's outcome of each goes back up."""

    name = STREAM
    label = N_("orders")
    interval = 60

    def __init__(self, options):
        self.page_limit = options.page_limit
        self.shop_currency = options.shop_currency

    def due(self, session: Session, now: datetime, row: SyncStatus | None) -> bool:
        if sync_settings.interval(session, self.name, self.interval) == sync_settings.NEVER:
            return False
        # the cashier's outcome goes back without waiting an interval
        return super().due(session, now, row) or unreported(session)

    def run(self, attempt: Attempt) -> None:
        client = attempt.backoffice()
        _report_outcomes(attempt, client)
        with attempt.store.read() as session:
            since = cursor.load(session, STREAM)
        try:
            self._pull(attempt, client, since)
        except errors.CursorExpired:  # 410: the back office compacted its feed; read it all again
            self._pull(attempt, client, None)

    def _pull(self, attempt: Attempt, client: BackofficeClient, since: str | None) -> None:
        for page in client.pages("orders", since, self.page_limit):
            now = attempt.clock()
            with attempt.store.write() as session:
                for index, item in enumerate(page.items):
                    try:
                        remote_id, _gone = records.deleted(item)
                        checked = records.check_order(item)
                    except records.Refused as refused:
                        attempt.skip(records.label(item, index), refused.reason, **refused.params)
                        continue
                    apply_order(session, remote_id, checked, self.shop_currency, now)
                since = page.next if page.next is not None else since
                cursor.save(session, STREAM, since, now)
            attempt.moved(len(page.items))
            attempt.page_read(page)


def apply_order(session: Session, remote_id: str, checked: dict, shop_currency: str, now: datetime) -> None:
    """Store an order ``records.check_order`` accepted; a finished outcome here is never undone."""
    order = session.exec(
        select(MarketplaceOrder).where(
            MarketplaceOrder.source == SOURCE, MarketplaceOrder.remote_id == remote_id
        )
    ).first()
    currency = checked["currency"] or shop_currency
    remote_status = checked["status"]
    if order is None:
        order = MarketplaceOrder(
            source=SOURCE, remote_id=remote_id, status="waiting", currency=currency, total=0
        )
    order.marketplace = checked["marketplace"]
    order.currency = currency
    order.total = checked["total"]
    order.buyer = checked["buyer"]
    order.lines = checked["lines"]
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


def _report_outcomes(attempt: Attempt, client: BackofficeClient) -> None:
    with attempt.store.read() as session:
        todo = session.exec(_unreported_query()).all()
    for order in todo:
        client.order_status(order.remote_id, order.status, order.receipt_uuid, order.reason)
        with attempt.store.write() as session:
            row = session.get(MarketplaceOrder, order.id)
            row.status_reported = True
            row.updated_at = attempt.clock()
            session.add(row)
        attempt.moved()
