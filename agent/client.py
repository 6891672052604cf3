"""The client of the daemon's local API, used by the CLI (and, over the same protocol, the TUI).

HTTP/JSON over the unix socket. Errors come back as ``{"error": {"code", "message", ...}}`` with the
flags of ``agent.api.errors`` and are raised as ``DaemonError``; a socket nobody listens on is
``DaemonNotRunning``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from agent.i18n import _, current_language

# The daemon closes a kept-alive connection after this many idle seconds; a client gives one up
# well before that, or a request sent just as the daemon closes it fails with no answer at all.
DAEMON_KEEP_ALIVE = 5.0
CLIENT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=DAEMON_KEEP_ALIVE / 2
)


class DaemonError(Exception):
    """An error answer of the daemon: its code, message and flags (see agent/api/errors.py)."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 0,
        details: Any = None,
        *,
        unavailable: bool = False,
        retryable: bool = False,
        outcome_unknown: bool = False,
        exit_code: int = 1,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.unavailable = unavailable
        self.retryable = retryable or unavailable
        self.outcome_unknown = outcome_unknown
        self.exit_code = exit_code


class DaemonNotRunning(DaemonError):
    def __init__(self, socket: Path):
        super().__init__(
            "daemon_not_running",
            _(
                "the kassa daemon is not running (no answer on {socket}); start it: systemctl start kassa"
            ).format(socket=socket),
        )


class DaemonNotAllowed(DaemonError):
    def __init__(self, socket: Path):
        super().__init__(
            "permission_denied",
            _(
                "no permission to use the kassa daemon's socket {socket}: add this user to group kassa "
                "(usermod -a -G kassa USER) and log in again"
            ).format(socket=socket),
        )


def _not_allowed(socket: Path) -> bool:
    """The socket (or its directory) is there but this user may not use it."""
    try:
        socket.lstat()
    except PermissionError:
        return True
    except OSError:
        return False
    return not os.access(socket, os.R_OK | os.W_OK)


def transport_error(exc: Exception, socket: Path, seconds: float | None) -> DaemonError:
    """What went wrong on the way to the daemon, for a person (the CLI and the TUI share it)."""
    if isinstance(exc, httpx.TimeoutException):
        return DaemonError(
            "daemon_timeout",
            _("the kassa daemon did not answer within {seconds} s").format(seconds=seconds),
            outcome_unknown=True,
        )
    if isinstance(exc, (httpx.ConnectError, FileNotFoundError, ConnectionRefusedError, PermissionError)):
        return DaemonNotAllowed(socket) if _not_allowed(socket) else DaemonNotRunning(socket)
    # the daemon went away mid-request (restart, crash)
    return DaemonError(
        "daemon_disconnected",
        _("the kassa daemon closed the connection: {error}").format(error=exc or type(exc).__name__),
        outcome_unknown=True,
    )


def answer(response: httpx.Response) -> Any:
    """The JSON of a good answer; an error answer as ``DaemonError`` with the daemon's code and message."""
    if response.status_code >= 400:
        status = response.status_code
        try:
            error = response.json()["error"]
            code, message, details = error["code"], error["message"], error.get("details")
        except (ValueError, KeyError, TypeError):
            code, message, details, error = "http_error", f"HTTP {status}", None, {}
            if status in (404, 405):  # a route this daemon does not have
                code, message = "not_available", _("This kassa service cannot do that yet: update it.")
        # a daemon older than the flags: 503 meant unavailable there too
        unavailable = error.get("unavailable", status == 503) is True
        exit_code = error.get("exit_code")
        raise DaemonError(
            code,
            message,
            status,
            details,
            unavailable=unavailable,
            retryable=error.get("retryable") is True,
            outcome_unknown=error.get("outcome_unknown") is True,
            exit_code=exit_code if isinstance(exit_code, int) and 0 < exit_code < 256 else 1,
        )
    return response.json() if response.content else None


def unexpected_answer(shape: str, error: Exception) -> DaemonError:
    """An answer that does not fit the contract: a daemon of another version, most likely."""
    return DaemonError(
        "unexpected_answer",
        _("the kassa daemon answered in a shape this program does not know ({shape}): update kassa").format(
            shape=shape
        ),
        details=str(error)[:500],
    )


class DaemonClient:
    def __init__(self, socket: Path | str, timeout: float = 30.0, language: str | None = None):
        self.socket = Path(socket)
        self._http = httpx.Client(
            transport=httpx.HTTPTransport(uds=str(self.socket), limits=CLIENT_LIMITS),
            base_url="http://kassa",
            timeout=timeout,
            headers={"Accept-Language": language or current_language()},
        )

    def request(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> Any:
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = self._http.request(method, path, **kwargs)
        except (httpx.TransportError, OSError) as exc:
            seconds = timeout if timeout is not None else self._http.timeout.read
            raise transport_error(exc, self.socket, seconds) from None
        return answer(response)

    def get(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs) -> Any:
        return self.request("PUT", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs) -> Any:
        return self.request("DELETE", path, **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> DaemonClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
