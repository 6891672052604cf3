"""Marked goods (Честный ЗНАК) in a sale or a return: one code per unit, checked by the FN.

A line of a marked product carries one marking code per unit (a piece good: as many codes as
pieces; a measured one: one code for the line). Each code is read (``common.marking``), must be of
the product's GTIN and appear once in the receipt. Just before the receipt, in the port's thread,
each code goes to the FN with its planned status (tag 2003); the answer decides whether the unit
may be sold (``allowed``) and the FN is told to keep or drop it. A refused code stops the whole
receipt with the reason in words; the accepted ones stay in the FN until the next receipt's close
uses them up, and a retry checks them again (a second check replaces the first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlmodel import select

from agent.i18n import N_
from agent.journal.errors import InvalidReceipt, JournalError
from agent.journal.fields import FieldWords
from agent.journal.records import returns_of
from agent.store.models import ReceiptMark
from common.errors import Message
from common.marking import MarkingCode, MarkingCodeError, parse
from drivers.fiscal_register import FiscalRegister, MarkCheck, MarkPlan, MarkVerdict, ReceiptKind

MAX_MARKS = 100  # codes in one receipt: the FN keeps at most this many checked codes for a receipt

# what the cashier is told for each verdict, and what they may do
VERDICT_WORDS = {
    MarkVerdict.VALID: N_("the code is valid: the unit may be sold"),
    MarkVerdict.NOT_CHECKED_ONLINE: N_(
        "the code could not be checked online (no answer from the marking system in time): the rules "
        "let the unit be sold; the FN sends the code with the receipt when it is online again"
    ),
    MarkVerdict.INVALID: N_(
        "the code is not valid (the FN found its crypto tail false: a forged or misprinted code): do "
        "not sell this unit; set it aside and tell the manager"
    ),
    MarkVerdict.STATUS_INCORRECT: N_(
        "the marking system refuses this unit's status (already sold, withdrawn, or not yet in "
        "circulation): do not sell it; set it aside and tell the manager"
    ),
    MarkVerdict.SUSPENDED: N_(
        "the marking system has suspended the sale of this unit: do not sell it; set it aside"
    ),
}
RETURN_WORDS = {
    MarkVerdict.STATUS_INCORRECT: N_(
        "the marking system does not know this unit as sold: it cannot be taken back as a return of "
        "this receipt; check that the pack is the one sold"
    ),
}
REFUSED = frozenset({MarkVerdict.INVALID, MarkVerdict.STATUS_INCORRECT, MarkVerdict.SUSPENDED})


def substitutes_of(config) -> tuple[str, ...]:
    """What stands for GS in a scanned code: the configured substitute ([marking] gs_substitute)."""
    return (config.marking.gs_substitute,) if config.marking.gs_substitute else ()


def allowed(verdict: MarkVerdict) -> bool:
    """May the unit go on the receipt: a valid code, or one the system could not be asked about."""
    return verdict not in REFUSED


def verdict_words(verdict: MarkVerdict, kind: ReceiptKind = ReceiptKind.SALE) -> str:
    if kind == ReceiptKind.RETURN and verdict in RETURN_WORDS:
        return RETURN_WORDS[verdict]
    return VERDICT_WORDS[verdict]


def codes_wanted(quantity: Decimal, measured: bool) -> int:
    """How many codes a line of a marked product carries: one per piece, one for a measured line."""
    return 1 if measured else int(quantity)


def read_code(field: str, raw: str, substitutes: Sequence[str], group: str | None) -> MarkingCode:
    """A code as typed, read; a code that does not read is refused naming the field."""
    try:
        return parse(raw, substitutes, group)
    except MarkingCodeError as error:
        problem = Message(error.message, error.params)
        raise InvalidReceipt(field, N_("{field}: {problem}"), problem=problem) from None


def line_marks(
    field: str,
    name: str,
    marked: bool,
    group: str | None,
    gtins: set[str],
    quantity: Decimal,
    measured: bool,
    raw: Sequence[str],
    substitutes: Sequence[str],
) -> tuple[MarkingCode, ...]:
    """The codes of one line, read and matched to its product and quantity."""
    if not marked:
        if raw:
            raise InvalidReceipt(
                f"{field}.marks",
                N_("{field}: \u201c{name}\u201d is not a marked product: sell it without marking codes"),
                name=name,
            )
        return ()
    if not raw:
        raise InvalidReceipt(
            f"{field}.marks",
            N_(
                "{field}: \u201c{name}\u201d is marked goods: scan the marking code (DataMatrix) of each unit"
            ),
            name=name,
        )
    codes = tuple(read_code(f"{field}.marks[{i}]", text, substitutes, group) for i, text in enumerate(raw))
    if len(codes) != codes_wanted(quantity, measured):  # a piece line's quantity is whole by now
        raise InvalidReceipt(
            f"{field}.marks",
            N_(
                "{field}: {count} marking codes for a quantity of {quantity} of \u201c{name}\u201d: one "
                "code per unit (a good sold by weight: one code for the line)"
            ),
            count=len(codes),
            quantity=str(quantity.normalize()),
            name=name,
        )
    for index, code in enumerate(codes):
        if code.gtin not in gtins:
            raise InvalidReceipt(
                f"{field}.marks[{index}]",
                N_(
                    "{field}: the marking code is of another product (GTIN {gtin}), not of \u201c{name}\u201d"
                    " ({known}): scan the pack of this product"
                ),
                gtin=code.gtin,
                name=name,
                known=", ".join(sorted(gtins)) or "-",
            )
    return codes


def check_unique(codes: Sequence[tuple[str, MarkingCode]]) -> None:
    """One unit, one place on the receipt: the same pack scanned twice is refused."""
    seen: dict[str, str] = {}
    for field, code in codes:
        if code.identity in seen:
            raise InvalidReceipt(
                field,
                N_("{field}: the same pack was scanned twice (also in {other}): scan each unit once"),
                other=FieldWords(seen[code.identity]),
            )
        seen[code.identity] = field
    if len(codes) > MAX_MARKS:
        raise InvalidReceipt(
            "lines",
            N_(
                "{field}: at most {max} marked units on one receipt (what the FN keeps checked): "
                "split the sale"
            ),
            max=MAX_MARKS,
        )


@dataclass(frozen=True)
class UnitCheck:
    """One unit's code and what the FN answered for it."""

    code: str
    identity: str
    check: MarkCheck
    permit: str | None = None  # tag 1265 of the permissive mode's online check, when it answered

    @property
    def verdict(self) -> MarkVerdict:
        return self.check.verdict


class MarkRefused(JournalError):
    """At least one code may not go on the receipt; ``details`` lists every code's verdict."""

    def __init__(self, message: str, details: list[dict], **params: object):
        super().__init__(422, "mark_refused", message, **params)
        self.details = details


def check_units(
    device: FiscalRegister, units: list[tuple[str, str, MarkPlan, Decimal, str]]
) -> list[UnitCheck]:
    """In the port's thread: each code checked and at once accepted or rejected by the rules
    (the FN wants an answer before the next check). ``units`` are (code, identity, plan,
    quantity, unit)."""
    done = []
    for code, identity, plan, quantity, unit in units:
        check = device.check_mark(code, plan, quantity, unit)
        device.accept_mark(allowed(check.verdict))
        done.append(UnitCheck(code, identity, check))
    return done


def refusal(checks: list[tuple[str, UnitCheck]], kind: ReceiptKind) -> MarkRefused | None:
    """The error for a receipt with refused codes (None when every code may go), naming the first."""
    details = [
        {"field": field, "code": unit.code, "verdict": str(unit.verdict), "allowed": allowed(unit.verdict)}
        for field, unit in checks
    ]
    refused = [(field, unit) for field, unit in checks if not allowed(unit.verdict)]
    if not refused:
        return None
    field, unit = refused[0]
    return MarkRefused(
        N_("{field}: {verdict} ({count} of the receipt's codes refused)"),
        details,
        field=field,
        verdict=Message(verdict_words(unit.verdict, kind)),
        count=len(refused),
    )


def with_checks(lines: list, checks: list[UnitCheck], permit=None) -> list:
    """The lines with each one's checks in unit order (``checks`` in the lines' order); the units the
    permissive mode's online check answered for carry its requisite (tag 1260) on their positions."""
    out, at = [], 0
    for line in lines:
        count = len(line.marks)
        mine = checks[at : at + count]
        at += count
        if permit is not None and all(code.identity in permit.records for code in line.marks):
            requisite = permit.requisite
            mine = [replace(unit, permit=requisite.value) for unit in mine]
            positions = tuple(replace(position, industry=requisite) for position in line.fn_positions)
            line = replace(line, fn_positions=positions)
        out.append(replace(line, mark_checks=tuple(mine)))
    return out


def returnable_marks(session, sale_id: int, position: int) -> tuple[list[ReceiptMark], set[str]]:
    """A sale line's marked units, and the identities a return (fiscalized or pending) already took."""
    sold = list(
        session.exec(
            select(ReceiptMark)
            .where(ReceiptMark.document_id == sale_id, ReceiptMark.line_position == position)
            .order_by(ReceiptMark.unit)
        )
    )
    returns = returns_of(session, sale_id)
    taken = set(
        session.exec(
            select(ReceiptMark.identity).where(
                ReceiptMark.document_id.in_(returns), ReceiptMark.line_position == position
            )
        )
    )
    return sold, taken


def return_marks(
    session,
    sale_id: int,
    position: int,
    field: str,
    name: str,
    quantity: Decimal,
    whole: bool,
    asked: Sequence[str] | None,
    substitutes: Sequence[str],
) -> tuple[tuple[MarkingCode, ...], bool]:
    """The codes a return of ``quantity`` of a sale's line carries, and whether the line is measured.
    A line sold without codes returns without them. Named codes must be the sale's and not yet
    returned; left out, they are every unit not yet returned, which only a ``whole`` return may do."""
    sold, taken = returnable_marks(session, sale_id, position)
    if not sold:
        if asked:
            raise InvalidReceipt(
                f"{field}.marks",
                N_("{field}: \u201c{name}\u201d was sold without marking codes: return it without them"),
                name=name,
            )
        return (), False
    measured = sold[0].plan == MarkPlan.MEASURED_SOLD
    if measured:
        return (parse(sold[0].code),), True
    left = {mark.identity: mark for mark in sold if mark.identity not in taken}
    if asked is None:
        if not whole:
            raise InvalidReceipt(
                f"{field}.marks",
                N_(
                    "{field}: \u201c{name}\u201d is marked goods: scan the marking code of each unit returned"
                ),
                name=name,
            )
        return tuple(parse(mark.code) for mark in left.values()), False
    codes = []
    for index, text in enumerate(asked):
        code = read_code(f"{field}.marks[{index}]", text, substitutes, None)
        if code.identity not in left:
            raise InvalidReceipt(
                f"{field}.marks[{index}]",
                N_(
                    "{field}: this unit of \u201c{name}\u201d is not on the receipt, or is already returned: "
                    "scan the pack that was sold with it"
                ),
                name=name,
            )
        codes.append(parse(left[code.identity].code))
    if len(codes) != quantity:
        raise InvalidReceipt(
            f"{field}.marks",
            N_("{field}: {count} marking codes for a return of {quantity}: one code per unit returned"),
            count=len(codes),
            quantity=str(quantity.normalize()),
        )
    check_unique([(f"{field}.marks[{i}]", code) for i, code in enumerate(codes)])
    return tuple(codes), False


def check_now(device: FiscalRegister, code: str, plan: MarkPlan, quantity: Decimal, unit: str) -> MarkCheck:
    """A check at scan time, to tell the cashier at once: the FN's answer, the code then dropped
    (the receipt checks it again and keeps it; a check left accepted would wait in the FN's table)."""
    check = device.check_mark(code, plan, quantity, unit)
    device.accept_mark(False)
    return check
