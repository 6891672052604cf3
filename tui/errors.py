"""What a cashier should do about an error from the register: the daemon says what is wrong, we add
what to do next, and say whether pressing Continue can finish the operation."""

from __future__ import annotations

from agent.client import DaemonError, DaemonNotRunning
from agent.i18n import N_, _

# error code -> what to do, for errors the cashier can fix at the register and then continue
REMEDIES = {
    "paper_out": N_("Insert paper, then press Continue."),
    "paper_end": N_("Insert paper, then press Continue."),
    "paper_near_end": N_("Paper is running out: replace the roll soon."),
    "cover_open": N_("Close the printer cover, then press Continue."),
    "device_unavailable": N_("Check that the register is on and connected, then press Continue."),
    "register_unavailable": N_("Check that the register is on and connected, then press Continue."),
    "device_timeout": N_("The register did not answer in time. Check it, then press Continue."),
    "timeout": N_("The register did not answer in time. Check it, then press Continue."),
    "waiting_continue": N_("Insert paper, then press Continue."),
    "device_busy": N_("The register is busy. Wait a moment, then press Continue."),
    "link_error": N_("Check the register's cable, then press Continue."),
    "port_unavailable": N_("Check the register's cable, then press Continue."),
    "device_not_responding": N_("Check that the register is on and connected, then press Continue."),
    "answer_lost": N_("The register did not answer in time. Check it, then press Continue."),
    "journal_unsettled": N_("The register is finishing an earlier document. Press Continue."),
}


def is_register_problem(error: DaemonError) -> bool:
    """Errors that Continue (the same request, same uuid) can get past once the cashier fixes them."""
    if isinstance(error, DaemonNotRunning):
        return True
    return error.code in REMEDIES or error.status in (503, 504)


def remedy(error: DaemonError) -> str:
    if isinstance(error, DaemonNotRunning):
        return _("Start the kassa service, then press Continue.")
    hint = REMEDIES.get(error.code)
    if hint:
        return _(hint)
    return _("Fix the problem, then press Continue.")
