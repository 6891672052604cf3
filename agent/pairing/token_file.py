"""The bearer token, kept in its own 0600 file in the state dir (never in the database, never logged)."""

from __future__ import annotations

import os
from pathlib import Path

from agent.logging import secret_filter

TOKEN_NAME = "backoffice.token"


def token_path(state_dir: Path) -> Path:
    return Path(state_dir) / TOKEN_NAME


def write_token(state_dir: Path, token: str) -> None:
    """Replace the token atomically: a crash leaves the old token or the new one, never half of one."""
    secret_filter.add_secret(token)
    path = token_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{TOKEN_NAME}.{os.getpid()}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, token.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(scratch, path)
    _fsync_dir(path.parent)


def read_token(state_dir: Path) -> str | None:
    try:
        token = token_path(state_dir).read_text().strip() or None
    except FileNotFoundError:
        return None
    secret_filter.add_secret(token)  # whatever carries it later (an error text, a URL) logs it hidden
    return token


def remove_token(state_dir: Path) -> None:
    path = token_path(state_dir)
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
