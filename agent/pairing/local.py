"""Pairing without a running daemon (`kassa pair` on a stopped service): the same service, opened here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from agent.backoffice import RegisterIdentity, errors
from agent.pairing.identity import identity_from_device_info
from agent.pairing.service import PairingService
from agent.state_lock import StateDirLock
from agent.store import open_store


@contextmanager
def local_pairing(settings) -> Iterator[tuple[PairingService, Callable[[], RegisterIdentity]]]:
    with StateDirLock(settings.state_dir):
        store = open_store(settings.state_dir)
        try:
            service = PairingService(store, settings.state_dir, settings.config.backoffice)
            yield service, lambda: read_register_identity(settings.config)
        finally:
            store.close()


def read_register_identity(config) -> RegisterIdentity:
    """Open the configured fiscal register just long enough to read its identity."""
    printer = config.printer
    if not printer.port or printer.port == "auto":
        raise errors.RegisterUnavailable(detail="[printer] port is not configured")
    try:
        from drivers.profile import PROFILE_DIR, load_directory
        from drivers.shtrih import open_register

        profiles, _problems = load_directory(PROFILE_DIR)
        profile = profiles[printer.profile]
        register = open_register(
            printer.port,
            profile,
            baud=printer.baud,
            operator_password=printer.operator_password,
            admin_password=printer.admin_password,
        )
    except errors.BackofficeError:
        raise
    except Exception as exc:  # no driver, no profile, no port: the operator reads the reason
        raise errors.RegisterUnavailable(
            detail=getattr(exc, "text", None) or str(exc) or type(exc).__name__
        ) from None
    try:
        return identity_from_device_info(register.device_info())
    except Exception as exc:
        raise errors.RegisterUnavailable(detail=getattr(exc, "text", None) or str(exc)) from None
    finally:
        close = getattr(register, "close", None)
        if close:
            close()
