"""The one error root: a stable code, a gettext msgid with its parameters, and what the error means.

Every error kassa raises on purpose derives from ``KassaError`` (driver faults, journal refusals,
back-office failures, login refusals, API errors). Its class says all a caller needs: the local
API's HTTP status, whether the device or service is unavailable now, whether the same request
may succeed once the cause is fixed, and the CLI's exit code. Callers read these attributes and
keep no lists of codes.

The message is an English msgid translated where it is shown, so this module needs no catalog:
``error.render(gettext)`` translates it (and any ``Message`` among its parameters) and never fails
on a translation whose placeholders do not match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a message for the catalog; it is translated by whoever shows it."""
    return message


def untranslated(message: str) -> str:
    return message


@dataclass(frozen=True)
class Message:
    """A msgid and its parameters; a parameter may itself be a ``Message`` (a device name, a reason)."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, gettext: Gettext = untranslated) -> str:
        """The text in ``gettext``'s language; the English text when the translation does not fit."""
        text = gettext(self.msgid)
        if not self.params:
            return text
        params = {
            key: value.render(gettext) if isinstance(value, Message) else value
            for key, value in self.params.items()
        }
        for template in (text, self.msgid):
            try:
                return template.format(**params)
            except (KeyError, IndexError, ValueError, AttributeError):
                continue
        return text


class KassaError(Exception):
    """Base of every error kassa raises on purpose.

    ``status`` is the local API's HTTP status; 503 means *unavailable*: the device or service is
    not there now, try again later. ``retryable``: the same request may succeed once the cause is
    fixed (paper loaded, cable plugged); every unavailable error is retryable. ``outcome_unknown``:
    the device may have carried the command out although no answer came back, so only the same
    request (same uuid) may follow, never a new one. ``exit_code`` is what a CLI command exits with.
    """

    code = "error"
    message = N_("unexpected error")
    status = 500
    retryable = False
    outcome_unknown = False
    exit_code = 1

    def __init__(
        self,
        message: str | None = None,
        /,
        *,
        status: int | None = None,
        details: Any = None,
        **params: Any,
    ):
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status
        if self.unavailable:
            self.retryable = True
        self.params = params
        self.details = details
        super().__init__(self.text)

    @property
    def unavailable(self) -> bool:
        return self.status == 503

    @property
    def text(self) -> str:
        """The English text, for logs."""
        return self.render()

    def render(self, gettext: Gettext = untranslated) -> str:
        return Message(self.message, self.params).render(gettext)
