"""Marketplace accounts in the store: their settings, their state, and how they are shown."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from agent.i18n import translate
from agent.store.models import MarketplaceAccount, MarketplaceOrder

NEVER = "never"
DEFAULT_INTERVAL = 300
MIN_INTERVAL = 60
MAX_INTERVAL = 7 * 24 * 3600
PAYMENT_KINDS = ("card", "cash")


def check_interval(value: object) -> int | None:
    """Seconds between imports, or None for "never"; ValueError otherwise."""
    if value == NEVER or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_INTERVAL <= value <= MAX_INTERVAL:
        raise ValueError(value)
    return value


def by_id(session: Session, account_id: int) -> MarketplaceAccount | None:
    return session.get(MarketplaceAccount, account_id)


def listed(session: Session) -> list[MarketplaceAccount]:
    return list(session.exec(select(MarketplaceAccount).order_by(MarketplaceAccount.id)).all())


def mark_reconnect(session: Session, account_id: int, reason: str) -> None:
    account = session.get(MarketplaceAccount, account_id)
    if account is not None:
        account.state, account.reason = "reconnect", reason
        session.add(account)


def mark_refreshed(session: Session, account_id: int, expires_at: datetime) -> None:
    account = session.get(MarketplaceAccount, account_id)
    if account is not None:
        account.token_expires_at = expires_at
        session.add(account)


def view(session: Session, account: MarketplaceAccount, lang: str | None, now: datetime) -> dict:
    waiting = session.exec(
        select(func.count())
        .select_from(MarketplaceOrder)
        .where(
            MarketplaceOrder.source == account.marketplace,
            MarketplaceOrder.account == account.id,
            MarketplaceOrder.status == "waiting",
        )
    ).one()
    expires = account.token_expires_at
    return {
        "id": account.id,
        "marketplace": account.marketplace,
        "name": account.name,
        "active": account.active,
        "interval": NEVER if account.interval is None else account.interval,
        "auto_fiscalize": account.auto_fiscalize,
        "payment_kind": account.payment_kind,
        "state": account.state,
        "reason": translate(account.reason, lang) if account.reason else None,
        "token_expires_at": expires.isoformat() if expires else None,
        "token_valid": account.state == "connected" and expires is not None and expires > now,
        "connected_at": account.connected_at.isoformat(),
        "last_import_at": account.last_import_at.isoformat() if account.last_import_at else None,
        "last_error": account.last_error,
        "next_import_at": account.next_import_at.isoformat() if account.next_import_at else None,
        "waiting_orders": waiting,
    }
