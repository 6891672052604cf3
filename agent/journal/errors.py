"""Refusals of the journal: an HTTP-like status, a stable code and a msgid with parameters.

The journal knows nothing of FastAPI; the local API answers these like every ``KassaError``.
"""

from __future__ import annotations

from agent.i18n import N_
from agent.journal.fields import FieldWords
from common.errors import Gettext, KassaError, Message, untranslated


class JournalError(KassaError):
    """A fiscal operation refused or failed, with a message for the operator. A ``field``
    parameter is the request's path (``lines[0].marks[1]``), said in words in the message."""

    def __init__(self, status: int, code: str, message: str, /, **params: object):
        self.code = code
        super().__init__(message, status=status, **params)

    def render(self, gettext: Gettext = untranslated) -> str:
        params = dict(self.params)
        if isinstance(params.get("field"), str):
            params["field"] = FieldWords(params["field"])
        return Message(self.message, params).render(gettext)


class StoreFailed(JournalError):
    """The pending row could not be written: nothing was fiscalized (a receipt whose lines went out
    beside the commit is cancelled on the register)."""

    def __init__(self, problem: str):
        super().__init__(
            507,
            "store_failed",
            N_(
                "the journal cannot be written ({problem}); nothing was fiscalized — "
                "free disk space or check the store, then try again"
            ),
            problem=problem,
        )


class RecordFailed(JournalError):
    """The register fiscalized the document but the journal could not record it: only the same
    request may follow (it is completed from the register), never a new one."""

    outcome_unknown = True

    def __init__(self, problem: str):
        super().__init__(
            507,
            "store_failed_after_fiscalizing",
            N_(
                "the register fiscalized the document but the journal could not record it "
                "({problem}); it is completed from the register once the store works again"
            ),
            problem=problem,
        )


class InvalidReceipt(JournalError):
    """The request itself is wrong (422): the message names the field in words, the details
    carry its path."""

    def __init__(self, field: str, message: str, /, **params: object):
        super().__init__(422, "invalid_receipt", message, field=field, **params)
        self.details = {"field": field}
