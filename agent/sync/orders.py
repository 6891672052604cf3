"""Marketplace orders relayed by the back office, as a sync stream: the relay connector
(``agent.marketplace.relay``) through the one importer every order source uses
(``agent.marketplace.orders``), which also reports the cashier's outcome of each order back."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from agent.i18n import N_
from agent.marketplace.orders import run_import, unreported
from agent.marketplace.relay import RelayConnector
from agent.store.models import SyncStatus
from agent.sync import settings as sync_settings
from agent.sync.stream import Attempt, IntervalStream

STREAM = "orders"


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
        return super().due(session, now, row) or unreported(
            session, RelayConnector.source, RelayConnector.account
        )

    def run(self, attempt: Attempt) -> None:
        connector = RelayConnector(
            attempt.backoffice(), self.shop_currency, self.page_limit, skip=attempt.skip
        )
        run_import(attempt.store, connector, attempt.clock, self.shop_currency, on_batch=attempt.moved)
