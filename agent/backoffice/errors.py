"""Every way talking to the back office can fail, each with its own code, message and exit code.

A message is an English gettext msgid with ``{placeholders}``; whoever shows it translates it
(``err.render(gettext)``). The exit codes are what `kassa pair` returns
(docs: agent/cli/pairing_cmd.py).
"""

from __future__ import annotations

from agent.i18n import N_
from common.errors import KassaError


class BackofficeError(KassaError):
    """The root of the family; never raised itself."""

    code = "backoffice_failure"
    message = N_("the back office answered with an error: {detail}")
    status = 502

    def __init__(self, message: str | None = None, /, **params: object):
        params.setdefault("detail", "")
        super().__init__(message, **params)


class MistypedCode(BackofficeError):
    code = "code_mistyped"
    message = N_("the sync code is mistyped (its check symbol does not match): check it and type it again")
    exit_code = 3
    status = 422


class CodeUnknown(BackofficeError):
    code = "code_unknown"
    message = N_("the back office does not know this sync code or it was already used: get a new code")
    exit_code = 4
    status = 409


class CodeExpired(BackofficeError):
    code = "code_expired"
    message = N_("the sync code has expired (codes live 10 minutes): get a new code in the back office")
    exit_code = 5
    status = 409


class InnMismatch(BackofficeError):
    code = "inn_mismatch"
    message = N_(
        "the register's INN {inn} is not the INN of the organization in the back office: "
        "pair it with the right organization"
    )
    exit_code = 6
    status = 409


class Unreachable(BackofficeError):
    code = "backoffice_unreachable"
    # the transport's own name of the failure (ConnectError ...) stays in params for the log, not the message
    message = N_("the back office at {url} is unreachable: check the network and the address")
    exit_code = 7
    status = 503


class TlsFailure(BackofficeError):
    code = "tls_failure"
    message = N_(
        "the back office at {url} failed the TLS check ({detail}): check its certificate "
        "or set [backoffice] ca_bundle"
    )
    exit_code = 8
    status = 502
    retryable = True


class RateLimited(BackofficeError):
    code = "rate_limited"
    message = N_("too many attempts: wait {seconds} seconds and try again")
    exit_code = 9
    status = 429
    retryable = True


class WrongAddress(BackofficeError):
    code = "wrong_address"
    message = N_(
        "there is no back office at {url} (the server answered that the page does not exist): "
        "check the address, including its path"
    )
    exit_code = 10
    status = 502


class TooSlow(BackofficeError):
    code = "backoffice_too_slow"
    message = N_("the back office at {url} did not answer completely within {seconds} s: try again later")
    exit_code = 7
    status = 503


class AnswerTooLarge(BackofficeError):
    code = "answer_too_large"
    message = N_("the back office at {url} sent an answer larger than {limit} MiB: it was not read")
    status = 502
    retryable = True


class InsecureUrl(BackofficeError):
    code = "insecure_url"
    message = N_("the back-office address {url} must start with https:// (plain http only on this machine)")
    exit_code = 10
    status = 422


class NoBackofficeUrl(BackofficeError):
    code = "no_backoffice_url"
    message = N_("no back-office address: give --backoffice URL or set [backoffice] url")
    exit_code = 10
    status = 422


class Unauthorized(BackofficeError):
    code = "unauthorized"
    message = N_("the back office refused this register's credentials: pair the register again")
    exit_code = 12
    status = 409


class CursorExpired(BackofficeError):
    code = "cursor_expired"
    message = N_("the back office no longer knows the sync position: a full resync is needed")


class ServerError(BackofficeError):
    code = "backoffice_error"
    message = N_("the back office answered with an error: {detail}")
    retryable = True


class OrderReportRefused(BackofficeError):
    """The back office refused an order's outcome (``answer``: its error code)."""

    code = "order_report_refused"
    message = N_("the back office refused the order's outcome: {detail}")


class Stopped(BackofficeError):
    code = "stopping"
    message = N_("the daemon is stopping: sync resumes where it stopped at the next start")
    status = 503


class NotPaired(BackofficeError):
    code = "not_paired"
    message = N_("this register is not paired with a back office: run kassa pair CODE")
    exit_code = 13
    status = 409


class RegisterUnavailable(BackofficeError):
    code = "register_unavailable"
    message = N_("cannot read the fiscal register's identity ({detail}): check the register and try again")
    exit_code = 11
    status = 503
