"""The client of the daemon's local API, used by the CLI (and, over the same protocol, the TUI).

HTTP/JSON over the unix socket. Errors come back as ``{"error": {"code", "message"}}``
and are raised as ``DaemonError``; a socket nobody listens on is ``DaemonNotRunning``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from agent.i18n import _, current_language


class DaemonError(Exception):
    def __init__(self, code: str, message: str, status: int = 0, details: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details


class DaemonNotRunning(DaemonError):
    def __init__(self, socket: Path):
        super().__init__(
            "daemon_not_running",
            _(
                "the kassa daemon is not running (no answer on {socket}); start it: systemctl start kassa"
            ).format(socket=socket),
        )


class DaemonClient:
    def __init__(self, socket: Path | str, timeout: float = 30.0, language: str | None = None):
        self.socket = Path(socket)
        self._http = httpx.Client(
            transport=httpx.HTTPTransport(uds=str(self.socket)),
            base_url="http://kassa",
            timeout=timeout,
            headers={"Accept-Language": language or current_language()},
        )

    def request(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> Any:
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, FileNotFoundError, ConnectionRefusedError):
            raise DaemonNotRunning(self.socket) from None
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                raise DaemonError(error["code"], error["message"], response.status_code, error.get("details"))
            except (ValueError, KeyError, TypeError):
                status = response.status_code
                raise DaemonError("http_error", f"HTTP {status}", status) from None
        return response.json() if response.content else None

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
