"""Refusals of the journal: an HTTP-like status, a stable code and a msgid with parameters.

The journal knows nothing of FastAPI; the local API answers these like every ``KassaError``.
"""

from __future__ import annotations

from common.errors import KassaError


class JournalError(KassaError):
    """A fiscal operation refused or failed, with a message for the operator."""

    def __init__(self, status: int, code: str, message: str, /, **params: object):
        self.code = code
        super().__init__(message, status=status, **params)


class InvalidReceipt(JournalError):
    """The request itself is wrong (422): the message names the field."""

    def __init__(self, field: str, message: str, /, **params: object):
        super().__init__(422, "invalid_receipt", message, field=field, **params)
