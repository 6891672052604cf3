"""Errors that reach an operator: a stable code, an English message id and its parameters.

drivers/ cannot import the agent's gettext, so a message is kept untranslated here
(``message`` is a gettext msgid with ``{name}`` placeholders) and translated where it is
shown: ``agent.i18n.translate(error.message, lang, **error.params)``.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a message for the catalog; it is translated by whoever shows it."""
    return message


class DriverError(Exception):
    """Base of every error a driver raises on purpose."""

    code = "driver_error"
    message = N_("device error")
    # True when the device may have carried the command out although no answer came back:
    # the caller must look at the device (FN document lookup), never simply repeat the command.
    outcome_unknown = False

    def __init__(self, message: str | None = None, *, code: str | None = None, **params: object):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(self.text)

    @property
    def text(self) -> str:
        """The English text, for logs."""
        try:
            return self.message.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.message
