"""JSON from outside (a back office, Allegro, the marking system): every failure is a ValueError.

``json.loads`` raises ``RecursionError`` on deep nesting (a few thousand ``[``), which callers
that catch ``ValueError`` for "unreadable" let through as a crash; it also takes ``NaN`` and
``Infinity``, which no protocol of ours sends and no amount may be.
"""

from __future__ import annotations

import json
from typing import Any


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def loads(data: str | bytes | bytearray) -> Any:
    """The parsed value; ValueError for anything unreadable, nested too deep, or NaN or Infinity."""
    try:
        return json.loads(data, parse_constant=_constant)
    except RecursionError:
        raise ValueError("JSON nested too deep") from None
