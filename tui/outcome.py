"""Answers after which nobody knows whether the register finished: the request may have been
fiscalized (the journal failed to record it, the answer timed out, the connection dropped). The
daemon's answer says so (``outcome_unknown``), and so does the client for an answer that never came.

The same request with the same uuid is the only safe next step: the daemon replays the first result
or finishes it once. A new uuid here could sell the same goods twice.
"""

from __future__ import annotations

from agent.client import DaemonError
from agent.i18n import _


def outcome_unknown(error: DaemonError) -> bool:
    return error.outcome_unknown


def unknown_outcome_remedy() -> str:
    return _("The register may have finished it. Press Continue to complete it: it is never done twice.")
