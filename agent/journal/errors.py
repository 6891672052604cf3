"""Refusals of the journal: an HTTP-like status, a stable code and a msgid with parameters.

The journal knows nothing of FastAPI; the API turns these into ``ApiError`` and the message
is translated for whoever reads it.
"""

from __future__ import annotations


class JournalError(Exception):
    """A fiscal operation refused or failed, with a message for the operator."""

    def __init__(self, status: int, code: str, message: str, /, **params: object):
        self.status = status
        self.code = code
        self.message = message
        self.params = params
        try:
            text = message.format(**params)
        except (KeyError, IndexError, ValueError):
            text = message
        super().__init__(text)


class InvalidReceipt(JournalError):
    """The request itself is wrong (422): the message names the field."""

    def __init__(self, field: str, message: str, /, **params: object):
        super().__init__(422, "invalid_receipt", message, field=field, **params)
