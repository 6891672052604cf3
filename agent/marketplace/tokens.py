"""A marketplace account's token pair: one 0600 file per account, replaced atomically, never logged.

The file also says whether a refresh is in flight (``refreshing``). The refresh token rotates on
every refresh and the old one dies at once, so a crash between the marketplace's answer and the
write below loses the only valid refresh token. The marker is how the next start knows that this,
and not a revoked grant, is why the old token is refused.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from agent.logging import secret_filter

DIRECTORY = "marketplace"


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: str  # ISO UTC time the access token stops working
    refreshing: bool = False

    def expires(self) -> datetime:
        return datetime.fromisoformat(self.expires_at)

    def __repr__(self) -> str:  # the tokens stay out of logs and tracebacks
        return f"Tokens(expires_at={self.expires_at!r}, refreshing={self.refreshing})"

    def marked(self, refreshing: bool) -> Tokens:
        return replace(self, refreshing=refreshing)


class TokenFiles:
    """The token files of every account under ``<state dir>/marketplace/``."""

    def __init__(self, state_dir: Path | str):
        self.directory = Path(state_dir) / DIRECTORY
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, account: int) -> Path:
        return self.directory / f"account-{account}.json"

    def read(self, account: int) -> Tokens | None:
        try:
            data = json.loads(self.path(account).read_text())
        except FileNotFoundError:
            return None
        except (ValueError, OSError):
            return None  # unreadable: as good as none (the account must be connected again)
        try:
            tokens = Tokens(**{key: data[key] for key in ("access_token", "refresh_token", "expires_at")},
                            refreshing=bool(data.get("refreshing")))  # fmt: skip
        except (KeyError, TypeError):
            return None
        secret_filter.add_secret(tokens.access_token)
        secret_filter.add_secret(tokens.refresh_token)
        return tokens

    def write(self, account: int, tokens: Tokens) -> None:
        """Replace the file atomically and durably: a crash leaves the old pair or the new one."""
        secret_filter.add_secret(tokens.access_token)
        secret_filter.add_secret(tokens.refresh_token)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path(account)
        scratch = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, json.dumps(asdict(tokens)).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(scratch, path)
        _fsync_dir(self.directory)

    def remove(self, account: int) -> None:
        try:
            self.path(account).unlink()
        except FileNotFoundError:
            return
        _fsync_dir(self.directory)

    @contextmanager
    def refreshing(self, account: int) -> Iterator[None]:
        """One refresher at a time per account: a thread lock, and a file lock against other processes."""
        with self._guard:
            lock = self._locks.setdefault(account, threading.Lock())
        with lock:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(
                self.directory / f"account-{account}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
