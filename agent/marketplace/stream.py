"""A marketplace account as a sync stream (``agent.sync.stream.Stream``): ``orders.allegro.<id>``.

The account owns its schedule (its own interval, "never", active or paused, connected or not), so
the stream reads it from the account's row; the import itself is ``MarketplaceService.run_account``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from agent.i18n import N_
from agent.marketplace.accounts import NEVER
from agent.marketplace.orders import unreported
from agent.store.models import MarketplaceAccount


def stream_name(marketplace: str, account_id: int) -> str:
    return f"orders.{marketplace}.{account_id}"


class AccountStream:
    label = N_("marketplace orders")
    interval = None  # set per account (kassa marketplace set), not in the sync settings
    remote = "marketplace"

    def __init__(self, service, account_id: int, marketplace: str = "allegro",
                 after_import: Callable[[], None] = lambda: None):  # fmt: skip
        self.service = service
        self.account_id = account_id
        self.marketplace = marketplace
        self.name = stream_name(marketplace, account_id)
        self.after_import = after_import

    def due(self, session: Session, now: datetime, row) -> bool:
        account = session.get(MarketplaceAccount, self.account_id)
        if account is None or not account.active or account.state != "connected":
            return False
        if account.next_import_at is not None and account.next_import_at <= now:
            return True
        return unreported(session, self.marketplace, self.account_id)  # outcomes go back at once

    def run(self, attempt) -> None:
        outcome = self.service.run_account(self.account_id, on_batch=attempt.moved)
        attempt.details.update(account=self.account_id, calls=outcome.get("calls", 0))
        if not outcome["ok"]:
            result = attempt.result
            result.ok, result.error, result.error_code = False, outcome["error"], outcome.get("error_code")
            result.message_id, result.params = outcome.get("message_id"), outcome.get("params") or {}
        self.after_import()

    def next_run(self, session: Session, now: datetime, ok: bool) -> datetime | None:
        account = session.get(MarketplaceAccount, self.account_id)
        return account.next_import_at if account is not None else None

    def status(self, session: Session) -> dict:
        account = session.get(MarketplaceAccount, self.account_id)
        if account is None:
            return {"account": self.account_id, "account_state": "removed"}
        return {
            "interval": NEVER if account.interval is None else account.interval,
            "account": account.id,
            "name": account.name,
            "account_state": account.state,
        }
