"""Shtrih-M fiscal registers (ШТРИХ-М-01Ф, ШТРИХ-М-ПТК, ШТРИХ-ЛАЙТ-01Ф) over a serial line.

Layers: ``frame`` (bytes of one message), ``link`` (ENQ/ACK/NAK handshake), ``register``
(commands as the agent's ``FiscalRegister``), ``errors`` (device codes as typed errors).
"""

from __future__ import annotations

from drivers.fiscal_register import FiscalRegister
from drivers.profile import Profile
from drivers.shtrih.link import Link
from drivers.shtrih.register import ShtrihRegister


def open_register(
    port: str,
    profile: Profile,
    *,
    baud: int | None = None,
    operator_password: int | None = None,
    admin_password: int | None = None,
    timezone: str = "Europe/Moscow",
) -> FiscalRegister:
    """Open ``port`` (a device path or a pyserial URL) and talk to the register on it."""
    passwords = profile.fiscal.passwords if profile.fiscal else None
    link = Link(
        port,
        baud or profile.serial.baud,
        write_timeout=profile.serial.write_timeout,
        flow=profile.serial.flow,
    )
    link.open()
    return ShtrihRegister(
        link,
        profile,
        operator_password=operator_password if operator_password is not None else passwords.operator,
        admin_password=admin_password if admin_password is not None else passwords.admin,
        timezone=timezone,
    )
