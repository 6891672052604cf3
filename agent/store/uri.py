"""A store's path as SQLite's ``file:`` URI: "?", "#" and "%" in a state directory's name are
escaped, so the URI names that file and not a shorter path beside it."""

from __future__ import annotations

import urllib.parse
from pathlib import Path


def file_uri(path: Path | str, mode: str) -> str:
    """``mode``: ``ro`` or ``rw`` (never ``rwc``: a store that has gone must not be created empty)."""
    return f"file:{urllib.parse.quote(str(path))}?mode={mode}"
