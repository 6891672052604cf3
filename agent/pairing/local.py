"""Pairing without a running daemon (`kassa pair` on a stopped service): the same service, opened here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from agent.backoffice import RegisterIdentity, errors
from agent.config import Settings
from agent.fiscal_register import open_configured
from agent.pairing.identity import identity_from_device_info
from agent.pairing.service import PairingService
from agent.state_lock import StateDirLock
from agent.store import open_store
from drivers.errors import DriverError


@contextmanager
def local_pairing(settings: Settings) -> Iterator[tuple[PairingService, Callable[[], RegisterIdentity]]]:
    with StateDirLock(settings.state_dir):
        store = open_store(settings.state_dir)
        try:
            service = PairingService(store, settings.state_dir, settings.config.backoffice)
            yield service, lambda: read_register_identity(settings)
        finally:
            store.close()


def read_register_identity(settings: Settings) -> RegisterIdentity:
    """Open the configured fiscal register just long enough to read its identity."""
    try:
        fiscal_register, _port = open_configured(settings)
    except (DriverError, OSError) as exc:  # no profile, no port, nothing on "auto": the operator reads why
        raise errors.RegisterUnavailable(detail=_detail(exc)) from None
    try:
        return identity_from_device_info(fiscal_register.device_info())
    except (DriverError, OSError) as exc:
        raise errors.RegisterUnavailable(detail=_detail(exc)) from None
    finally:
        fiscal_register.close()


def _detail(exc: Exception) -> str:
    return exc.text if isinstance(exc, DriverError) else str(exc) or type(exc).__name__
