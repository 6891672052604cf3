"""Who is at the register: the logged-in employee, or a name typed in (tags 1021 and 1203)."""

from __future__ import annotations

from sqlmodel import Session

from agent.i18n import N_
from agent.journal.errors import InvalidReceipt
from agent.journal.requests import CashierRef
from agent.store.models import Employee
from drivers.fiscal_register import Cashier


def resolve_cashier(session: Session | None, ref: CashierRef | None) -> Cashier | None:
    """``session`` is read only for an employee's id."""
    if ref is None:
        return None
    if ref.employee_id is not None:
        employee = session.get(Employee, ref.employee_id)
        if employee is None:
            raise InvalidReceipt(
                "cashier.employee_id", N_("{field}: no employee {id} on this register"), id=ref.employee_id
            )
        return Cashier(name=employee.name, inn=employee.inn)
    return Cashier(name=ref.name or "", inn=ref.inn)
