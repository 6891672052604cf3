"""Sync settings the operator changes ("Изменить настройки обновления"), kept in the Setting table.

Intervals come from the register vendor's list (1, 5, 15, 30, 60 min, 4 h, 24 h) or "never";
receipts upload continuously and are not configurable. Zero-total orders (a fiscal register prints
no receipt with a zero total) are settled without a receipt and reported so, or held for the cashier.
"""

from __future__ import annotations

from sqlmodel import Session

from agent.i18n import N_
from agent.store.models import Setting

INTERVALS = (60, 300, 900, 1800, 3600, 14400, 86400)
NEVER = "never"
DEFAULT_MASS_DELETE_SHARE = 0.5

INTERVAL_KEY = "sync.interval.{stream}"
PRODUCT_SYNC_KEY = "sync.product_sync"
MASS_DELETE_KEY = "sync.mass_delete_share"
CONFIRMATION_KEY = "sync.confirmation"
ZERO_TOTAL_KEY = "orders.zero_total"
ZERO_TOTAL_SETTLE = "settle"  # settled without a receipt, and the source is told so
ZERO_TOTAL_HOLD = "hold"  # waits on the Orders screen for the cashier to settle or reject it
ZERO_TOTAL_CHOICES = (ZERO_TOTAL_SETTLE, ZERO_TOTAL_HOLD)

# what is wrong with a setting, said after its name ("orders' sync interval: must be ...")
BAD_INTERVAL = N_('must be one of 60, 300, 900, 1800, 3600, 14400, 86400 (seconds) or "never"')
BAD_SHARE = N_("must be more than 0 and at most 1")
BAD_ZERO_TOTAL = N_('must be "settle" (without a receipt) or "hold" (for the cashier)')


def check_interval(value: object) -> int | str:
    """An allowed interval, or ValueError."""
    if value == NEVER:
        return NEVER
    if isinstance(value, bool) or not isinstance(value, int) or value not in INTERVALS:
        raise ValueError(value)
    return value


def get(session: Session, key: str, default: object = None) -> object:
    row = session.get(Setting, key)
    return default if row is None else row.value


def put(session: Session, key: str, value: object) -> None:
    row = session.get(Setting, key) or Setting(key=key)
    row.value = value
    session.add(row)


def interval(session: Session, stream: str, default: int | str) -> int | str:
    """The operator's interval for ``stream``, else the stream's own ``default``."""
    value = get(session, INTERVAL_KEY.format(stream=stream), default)
    try:
        return check_interval(value)
    except ValueError:
        return default


def product_sync(session: Session) -> bool:
    return bool(get(session, PRODUCT_SYNC_KEY, True))


def mass_delete_share(session: Session) -> float:
    # a share, not money: a plain float is the right type here
    value = get(session, MASS_DELETE_KEY, DEFAULT_MASS_DELETE_SHARE)
    return float(value) if isinstance(value, int | float) and 0 < value <= 1 else DEFAULT_MASS_DELETE_SHARE


def zero_total(session: Session) -> str:
    """What happens to an order with a zero total: ``settle`` (the default) or ``hold``."""
    value = get(session, ZERO_TOTAL_KEY, ZERO_TOTAL_SETTLE)
    return value if value in ZERO_TOTAL_CHOICES else ZERO_TOTAL_SETTLE


def snapshot(session: Session, defaults: dict[str, int | str]) -> dict:
    """The settings as GET /v1/sync/settings shows them (``defaults``: each interval stream's own)."""
    return {
        **{stream: interval(session, stream, default) for stream, default in defaults.items()},
        "product_sync": product_sync(session),
        "mass_delete_share": mass_delete_share(session),
        "zero_total_orders": zero_total(session),
    }
