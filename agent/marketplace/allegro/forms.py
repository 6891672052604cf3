"""An Allegro checkout form read into an ``IncomingOrder``: amounts are decimal strings, read exactly.

Anything malformed (a missing amount, a fractional grosz, an absurd quantity) makes the whole order
``unreadable``: it is kept and shown with the reason, never half-read and never dropped.
"""

from __future__ import annotations

from agent.marketplace.connector import (
    CODE_MAX,
    CONTACT_MAX,
    MAX_LINES,
    MAX_MINOR,
    MAX_QUANTITY,
    NAME_MAX,
    IncomingOrder,
    OrderLine,
    clean,
)
from common.decimal_text import read_decimal

STATES = {"READY_FOR_PROCESSING": "ready", "CANCELLED": "cancelled"}  # BOUGHT, FILLED_IN: not yet


class Unreadable(ValueError):
    pass


def minor_units(money: object) -> tuple[int, str]:
    """``{"amount": "123.45", "currency": "PLN"}`` → (12345, "PLN")."""
    if not isinstance(money, dict):
        raise Unreadable("missing amount")
    try:
        minor = read_decimal(money.get("amount"), 2) * 100
    except ValueError:
        raise Unreadable(f"bad amount: {clean(money.get('amount'), 20)}") from None
    currency = str(money.get("currency") or "")
    if not 0 <= minor <= MAX_MINOR:
        raise Unreadable(f"amount out of range: {clean(money.get('amount'), 20)}")
    if len(currency) != 3 or not currency.isalpha():
        raise Unreadable("bad currency")
    return int(minor), currency.upper()


def _line(item: object, currency: str) -> OrderLine:
    if not isinstance(item, dict):
        raise Unreadable("bad line")
    offer = item.get("offer") if isinstance(item.get("offer"), dict) else {}
    external = offer.get("external") if isinstance(offer.get("external"), dict) else {}
    try:
        quantity = read_decimal(item.get("quantity"), 3)
    except ValueError:
        raise Unreadable("bad quantity") from None
    if not 0 < quantity <= MAX_QUANTITY:
        raise Unreadable("quantity out of range")
    price, line_currency = minor_units(item.get("price"))
    if line_currency != currency:
        raise Unreadable("lines in another currency than the order")
    sku = clean(external.get("id"), CODE_MAX) or None
    return OrderLine(sku=sku, name=clean(offer.get("name"), NAME_MAX) or "?", quantity=quantity, price=price)


def read_form(form: dict) -> IncomingOrder:
    remote_id = clean(form.get("id"), 64)
    status = str(form.get("status") or "")
    try:
        total, currency = minor_units((form.get("summary") or {}).get("totalToPay"))
        items = form.get("lineItems")
        if not isinstance(items, list) or not 0 < len(items) <= MAX_LINES:
            raise Unreadable("no lines or too many")
        lines = tuple(_line(item, currency) for item in items)
        payment = form.get("payment") if isinstance(form.get("payment"), dict) else {}
        paid_amount = minor_units(payment["paidAmount"])[0] if payment.get("paidAmount") else 0
    except Unreadable as exc:
        return IncomingOrder(
            remote_id, "unreadable", "", 0, (), marketplace="allegro", buyer={"problem": str(exc)}
        )
    buyer = form.get("buyer") if isinstance(form.get("buyer"), dict) else {}
    name = " ".join(clean(buyer.get(key), 40) for key in ("firstName", "lastName") if buyer.get(key))
    return IncomingOrder(
        remote_id=remote_id,
        state=STATES.get(status, "pending"),
        currency=currency,
        total=total,
        lines=lines,
        paid=paid_amount >= total > 0,
        buyer={
            "name": name or clean(buyer.get("login"), 40),
            "email": clean(buyer.get("email"), CONTACT_MAX) or None,
            "phone": clean(buyer.get("phoneNumber"), CONTACT_MAX) or None,
        },
        marketplace="allegro",
        revision=clean(form.get("revision"), 64) or None,
    )
