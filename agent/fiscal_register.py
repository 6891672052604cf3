"""Open the fiscal register the config names.

The daemon, `kassa printer status` and `kassa pair` with the daemon stopped all open it here, so
they agree on where the firmware profiles are (``Settings.profile_dir``), on port "auto" and on
the passwords.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Mapping
from pathlib import Path

from agent.config import Settings
from agent.config.schema import PrinterSettings
from agent.i18n import N_
from drivers.errors import DriverError
from drivers.fiscal_register import FiscalRegister
from drivers.profile import Profile, load_profile

AUTO = "auto"
# USB adapters and the first on-board ports: probing every port at every speed is slow
AUTO_PORT_PATTERNS = ("/dev/ttyUSB*", "/dev/ttyACM*", "/dev/ttyS[0-3]")


class RegisterNotFound(DriverError):
    code = "register_not_found"
    message = N_("no fiscal register found on the serial ports")
    status = 503


class RegisterNotConfigured(DriverError):
    code = "register_not_configured"
    message = N_("no fiscal register is configured: set [printer] port in the config")
    status = 503


def candidate_ports(env: Mapping[str, str] | None = None) -> list[str]:
    """Where port "auto" looks: the usual ports, or the globs in $KASSA_AUTO_PORTS (colon-separated)
    where a register sits somewhere unusual."""
    env = os.environ if env is None else env
    patterns = [pattern for pattern in env.get("KASSA_AUTO_PORTS", "").split(":") if pattern]
    return sorted({path for pattern in patterns or AUTO_PORT_PATTERNS for path in glob.glob(pattern)})


def find_port(
    settings: PrinterSettings, profile_dir: Path, env: Mapping[str, str] | None = None
) -> tuple[str, int]:
    """Port "auto": the first candidate port with a Shtrih-M register on it, and its speed."""
    from drivers.shtrih.detect import detect

    ports = candidate_ports(env)
    found = detect(ports, [settings.baud] if settings.baud else None, profile_dir) if ports else []
    if not found:
        raise RegisterNotFound()
    return found[0].port, found[0].baud


def open_at(port: str, profile: Profile, settings: PrinterSettings) -> FiscalRegister:
    """Open the register on a known port; [printer] baud and passwords override the profile's, and
    [printer] timezone is the zone the register's clock runs in."""
    from drivers.shtrih import open_register

    return open_register(
        port,
        profile,
        baud=settings.baud,
        operator_password=settings.operator_password,
        admin_password=settings.admin_password,
        timezone=settings.timezone,
    )


def open_configured(
    settings: Settings,
    *,
    port: str | None = None,
    profile: Profile | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[FiscalRegister, str]:
    """Outside the daemon: the register of [printer] (``port``/``profile`` override it), and the port
    it was found on. Raises a ``DriverError`` naming what is missing."""
    printer = settings.config.printer
    port = port or printer.port
    if not port:
        raise RegisterNotConfigured()
    profile = profile or load_profile(settings.profile_dir / f"{printer.profile}.toml")
    if port == AUTO:
        port, baud = find_port(printer, settings.profile_dir, env)
        if not printer.baud:
            printer = printer.model_copy(update={"baud": baud})
    return open_at(port, profile, printer), port
