"""Allegro as a ``Connector``: the sweep, then the event journal from the stored cursor.

One import run:

0. on an account's first run, the cursor starts at the latest event (``GET /order/event-stats``):
   orders from before the connection are not imported unless the sweep finds them still waiting,
   so a shop never fiscalizes what it sold and settled before it had this register;
1. the sweep: ``GET /order/checkout-forms?status=READY_FOR_PROCESSING&fulfillment.status=NEW`` page
   by page (100 a page). It catches orders that have no event the register saw, and it brings
   whole checkout forms, so the orders it lists need no call of their own;
2. the events: ``GET /order/events?from=CURSOR&limit=100`` page by page. For each page, the orders
   it names (ready, cancelled, modified) are read with ``GET /order/checkout-forms/{id}`` unless the
   sweep of this run has just read them; the page's last event id is the batch's cursor, stored
   with those orders and not before. A merged purchase answers 404 and is reported as gone.

Reporting a fiscalized order (or a zero-total one settled without a receipt) sets its fulfillment
to PROCESSING: the register is done with it and the seller ships it; Allegro has no fulfillment
status for "no receipt", and a zero-total purchase needs none. A rejected one is left to the seller
on Allegro.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.http_exchange import segment
from agent.marketplace import errors
from agent.marketplace.allegro.api import AllegroApi
from agent.marketplace.allegro.forms import read_form
from agent.marketplace.connector import Batch, IncomingOrder, clean

EVENTS_LIMIT = 100
FORMS_LIMIT = 100  # the most Allegro lists in one page
MAX_SWEEP = 10_000
FETCHED_EVENTS = {"READY_FOR_PROCESSING", "BUYER_CANCELLED", "AUTO_CANCELLED", "BUYER_MODIFIED"}
COVERED_BY_SWEEP = {"READY_FOR_PROCESSING"}  # a cancellation after the sweep's read still gets fetched
FULFILLED = "PROCESSING"
FORM_ID_MAX = 64  # an Allegro checkout form id is a UUID; a longer one is no form of Allegro's
CURSOR_MAX = 128


class AllegroConnector:
    source = "allegro"

    def __init__(self, account: int, api: AllegroApi, *, sweep: bool = True, seller: str | None = None):
        self.account = account
        self.account_ref = seller
        self.api = api
        self.sweep = sweep

    def pull(self, cursor: str | None) -> Iterator[Batch]:
        if cursor is None:  # a new account: history is not imported, only what still waits (the sweep)
            cursor = self._latest_event() or ""  # "": no event yet, read the log from its start
            yield Batch(orders=[], cursor=cursor)
        swept: set[str] = set()
        if self.sweep:
            for batch in self._sweep(cursor):
                swept.update(order.remote_id for order in batch.orders)
                yield batch
        yield from self._events(cursor, swept)

    def _latest_event(self) -> str | None:
        stats = self.api.get("/order/event-stats") or {}
        latest = stats.get("latestEvent") if isinstance(stats.get("latestEvent"), dict) else {}
        return clean(latest.get("id"), 64) or None

    def _sweep(self, cursor: str | None) -> Iterator[Batch]:
        offset = 0
        while offset < MAX_SWEEP:
            params = {
                "status": "READY_FOR_PROCESSING",
                "fulfillment.status": "NEW",
                "offset": offset,
                "limit": FORMS_LIMIT,
            }
            page = self.api.get("/order/checkout-forms", params) or {}
            forms = page.get("checkoutForms") if isinstance(page.get("checkoutForms"), list) else []
            orders = [read_form(form) for form in forms if isinstance(form, dict)]
            yield Batch(orders=[order for order in orders if order.remote_id], cursor=cursor)
            offset += len(forms)
            total = page.get("totalCount") if isinstance(page.get("totalCount"), int) else 0
            if not forms or offset >= total:
                return

    def _events(self, cursor: str | None, swept: set[str]) -> Iterator[Batch]:
        while True:
            params: dict = {"limit": EVENTS_LIMIT}
            if cursor:
                params["from"] = cursor
            try:
                page = self.api.get("/order/events", params) or {}
            except errors.Refused as exc:
                if cursor and exc.params.get("http") == 422:  # the event left Allegro's 60-day log
                    cursor = None
                    continue
                raise
            events = [event for event in page.get("events") or [] if isinstance(event, dict)]
            wanted: list[str] = []
            for event in events:
                form_id = str(((event.get("order") or {}).get("checkoutForm") or {}).get("id") or "")
                kind = event.get("type")
                if (
                    not form_id
                    or len(form_id) > FORM_ID_MAX
                    or kind not in FETCHED_EVENTS
                    or form_id in wanted
                ):
                    continue
                if kind in COVERED_BY_SWEEP and form_id in swept:
                    continue
                wanted.append(form_id)
            orders, gone = [], []
            for form_id in wanted:
                order = self.fetch(form_id)
                if order is None:
                    gone.append(form_id)
                else:
                    orders.append(order)
            last = str(events[-1].get("id") or "") if events else ""
            next_cursor = last if 0 < len(last) <= CURSOR_MAX else cursor
            yield Batch(orders=orders, cursor=next_cursor, gone=tuple(gone))
            if len(events) < EVENTS_LIMIT or next_cursor == cursor:
                return
            cursor = next_cursor

    def fetch(self, remote_id: str) -> IncomingOrder | None:
        form = self.api.get(f"/order/checkout-forms/{segment(remote_id)}")
        return read_form(form) if form is not None else None

    def report(self, remote_id: str, status: str, receipt_uuid: str | None, reason: str | None,
               revision: str | None) -> None:  # fmt: skip
        if status not in ("fiscalized", "settled"):  # settled: a zero-total order, closed without a receipt
            return
        # without checkoutForm.revision: the register's receipt settles the order whatever changed since
        self.api.put(f"/order/checkout-forms/{segment(remote_id)}/fulfillment", {"status": FULFILLED})
