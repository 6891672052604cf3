"""Answers after which nobody knows whether the register finished: the request may have been
fiscalized (the journal failed to record it, the answer timed out, the connection dropped).

The same request with the same uuid is the only safe next step: the daemon replays the first result
or finishes it once. A new uuid here could sell the same goods twice.
"""

from __future__ import annotations

from agent.client import DaemonError
from agent.i18n import _

# the daemon's codes for "done on the register, not (yet) in the journal", and the transport's for
# "no answer came back"
UNKNOWN_OUTCOME = {"store_failed_after_fiscalizing", "daemon_timeout", "daemon_disconnected"}


def outcome_unknown(error: DaemonError) -> bool:
    return error.code in UNKNOWN_OUTCOME or error.status == 507


def unknown_outcome_remedy() -> str:
    return _("The register may have finished it. Press Continue to complete it: it is never done twice.")
