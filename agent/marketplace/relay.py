"""The back office's relayed orders as a ``Connector`` (protocol v1: ``GET /api/v1/orders?since=``,
``POST /api/v1/orders/{id}/status``). Every record is checked as sync checks all back-office data
(``agent.sync.records``); a refused one is named through ``skip`` and the rest of the page is stored.
A 410 means the back office compacted its feed: read it all again; deduplication makes that harmless."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from decimal import Decimal

from agent.backoffice import BackofficeClient, errors
from agent.marketplace.connector import Batch, IncomingOrder, OrderLine
from agent.sync import records

log = logging.getLogger(__name__)

STATES = {
    "new": "ready",
    "cancelled": "cancelled",
    "fiscalized": "fiscalized",
    "settled": "settled",
    "rejected": "rejected",
}


def read_item(remote_id: str, checked: dict, shop_currency: str) -> IncomingOrder:
    """An order ``records.check_order`` accepted."""
    return IncomingOrder(
        remote_id=remote_id,
        state=STATES[checked["status"]],
        currency=checked["currency"] or shop_currency,
        total=checked["total"],
        lines=tuple(
            OrderLine(
                sku=line["code"],
                name=line["name"] or line["code"],
                quantity=Decimal(line["quantity"]),
                price=line["price"],
            )
            for line in checked["lines"]
        ),
        paid=False,
        buyer=checked["buyer"],
        marketplace=checked["marketplace"],
    )


class RelayConnector:
    source = "backoffice"
    account = 0
    account_ref = None

    def __init__(
        self,
        client: BackofficeClient,
        shop_currency: str,
        limit: int = 500,
        skip: Callable[..., None] = lambda record, reason, **params: None,
    ):
        self.client = client
        self.shop_currency = shop_currency
        self.limit = limit
        self.skip = skip

    def pull(self, cursor: str | None) -> Iterator[Batch]:
        try:
            yield from self._pages(cursor)
        except errors.CursorExpired:
            yield from self._pages(None)

    def _pages(self, since: str | None) -> Iterator[Batch]:
        for page in self.client.pages("orders", since, self.limit):
            orders = []
            for index, item in enumerate(page.items):
                try:
                    remote_id, _gone = records.deleted(item)
                    checked = records.check_order(item)
                except records.Refused as refused:
                    self.skip(records.label(item, index), refused.reason, **refused.params)
                    continue
                orders.append(read_item(remote_id, checked, self.shop_currency))
            since = page.next if page.next is not None else since
            yield Batch(orders=orders, cursor=since)

    def fetch(self, remote_id: str) -> IncomingOrder | None:
        return None  # protocol v1 has no single-order read; the feed brings every change

    def report(self, remote_id: str, status: str, receipt_uuid: str | None, reason: str | None,
               revision: str | None) -> None:  # fmt: skip
        try:
            self.client.order_status(remote_id, status, receipt_uuid, reason)
        except errors.OrderReportRefused as refused:
            answer = refused.params.get("answer")
            if status == "settled" and answer == "validation_error":
                # a back office from before ``settled``: the order ends there as rejected, saying why
                self.client.order_status(remote_id, "rejected", None, reason)
            elif answer in ("order_unknown", "order_status_conflict"):
                # the back office forgot the order or finished it otherwise: nothing to send again
                log.warning("the back office refused the outcome of order %s: %s", remote_id, answer)
            else:
                raise
