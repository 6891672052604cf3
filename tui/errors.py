"""What a cashier should do about an error from the register.

The daemon's answer says what is wrong and whether it can pass (``unavailable``: the register or
the service is not there now; ``retryable``: the same request may succeed once the cause is fixed);
this module adds what to do next, and whether pressing Continue can finish the operation.
"""

from __future__ import annotations

from agent.client import DaemonError, DaemonNotRunning
from agent.i18n import _


def is_register_problem(error: DaemonError) -> bool:
    """Errors that Continue (the same request, same uuid) can get past once the cashier fixes them."""
    return isinstance(error, DaemonNotRunning) or error.retryable


def remedy(error: DaemonError) -> str:
    if isinstance(error, DaemonNotRunning):
        return _("Start the kassa service, then press Continue.")
    if error.unavailable:
        return _("Check that the register is on and connected, then press Continue.")
    return _("Fix the problem, then press Continue.")
