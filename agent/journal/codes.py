"""The codes the register's profile maps: taxes, payment kinds, payment objects, units.

They are data (``[fiscal]`` of the firmware profile): a new VAT rate is a profile change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from agent.store.models import Setting


@dataclass(frozen=True)
class FiscalCodes:
    """What the register's profile knows: tax, payment-kind, payment-object and unit codes."""

    taxes: tuple[str, ...]
    payment_types: tuple[str, ...]
    payment_objects: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    # kopecks a position's sum may differ from price x quantity: 1 with FF46, 0 for classic
    # lines, whose sum the register computes itself
    sum_tolerance: int = 1

    @classmethod
    def from_profile(cls, profile) -> FiscalCodes:
        fiscal = profile.fiscal
        return cls(
            taxes=tuple(fiscal.taxes),
            payment_types=tuple(fiscal.payment_types),
            payment_objects=tuple(fiscal.payment_objects),
            units=tuple(fiscal.units),
            sum_tolerance=1 if fiscal.operation_v2 else 0,
        )

    def default_tax(self, session: Session) -> str:
        setting = session.get(Setting, "default_tax")
        if setting is not None and setting.value in self.taxes:
            return setting.value
        return "none" if "none" in self.taxes else self.taxes[0]
