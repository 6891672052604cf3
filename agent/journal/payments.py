"""Payments: cash with change, card and other electronic kinds, or a mix of them.

Only cash can exceed what is due (the cashier hands back change); electronic payments must
not add up to more than the total. One payment may leave its amount out: it takes the rest.
Which kinds exist is the register profile's data (``[fiscal] payment_types``).
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.i18n import N_
from agent.journal.errors import InvalidReceipt

CASH = "cash"


@dataclass(frozen=True)
class Tender:
    """A payment as asked for; ``amount`` None means "whatever is left to pay"."""

    kind: str
    amount: int | None = None


@dataclass(frozen=True)
class Settled:
    kind: str
    amount: int  # tendered
    change: int = 0


def settle(total: int, tenders: list[Tender], known_kinds: set[str] | None = None) -> list[Settled]:
    """Check the payments against the total and work out the change (given from cash only)."""
    if not tenders:
        tenders = [Tender(CASH)]
    open_ended = [i for i, tender in enumerate(tenders) if tender.amount is None]
    if len(open_ended) > 1:
        raise InvalidReceipt(
            f"payments[{open_ended[1]}].amount",
            N_("{field}: only one payment may leave its amount out (it takes the rest)"),
        )
    for index, tender in enumerate(tenders):
        if known_kinds is not None and tender.kind not in known_kinds:
            raise InvalidReceipt(
                f"payments[{index}].kind",
                N_("{field}: unknown payment kind {kind}; the register knows {known}"),
                kind=tender.kind,
                known=", ".join(sorted(known_kinds)),
            )
        if tender.amount is not None and tender.amount <= 0:
            raise InvalidReceipt(f"payments[{index}].amount", N_("{field}: a payment must be more than zero"))
    given = sum(tender.amount or 0 for tender in tenders)
    amounts = [tender.amount for tender in tenders]
    if open_ended:
        rest = total - given
        if rest <= 0:
            raise InvalidReceipt(
                f"payments[{open_ended[0]}].amount",
                N_("{field}: nothing is left to pay by this payment"),
            )
        amounts[open_ended[0]] = rest
    paid = sum(amounts)
    electronic = sum(a for t, a in zip(tenders, amounts, strict=True) if t.kind != CASH)
    if electronic > total:
        raise InvalidReceipt(
            "payments",
            N_("{field}: non-cash payments {paid} are more than the total {total}; only cash gives change"),
            paid=electronic,
            total=total,
        )
    if paid < total:
        raise InvalidReceipt("payments", N_("{field}: paid {paid} of {total}"), paid=paid, total=total)
    change = paid - total
    settled = []
    for tender, amount in zip(tenders, amounts, strict=True):
        # change comes out of the cash payments, the last one first
        settled.append(Settled(tender.kind, amount))
    for index in reversed(range(len(settled))):
        if change and settled[index].kind == CASH:
            part = min(change, settled[index].amount)
            settled[index] = Settled(CASH, settled[index].amount, part)
            change -= part
    return settled


def register_amounts(settled: list[Settled]) -> dict[str, int]:
    """Tendered kopecks by kind, as the register takes them (it works out the change itself)."""
    amounts: dict[str, int] = {}
    for payment in settled:
        amounts[payment.kind] = amounts.get(payment.kind, 0) + payment.amount
    return amounts
