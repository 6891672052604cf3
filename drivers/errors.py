"""The root of every error a driver raises on purpose (see ``common.errors`` for what a caller reads).

drivers/ cannot import the agent's gettext, so a message stays an English msgid with ``{name}``
placeholders and is translated where it is shown: ``error.render(gettext)``.
"""

from __future__ import annotations

from common.errors import N_, KassaError

__all__ = ["N_", "DriverError"]


class DriverError(KassaError):
    """The device refused or failed the command (409); a subclass that is unavailable says 503."""

    code = "driver_error"
    message = N_("device error")
    status = 409
