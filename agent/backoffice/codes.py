"""Sync codes as typed at the register: normalized and checked locally before any request."""

from __future__ import annotations

from agent import sync_code
from agent.backoffice import errors


def normalize_code(typed: str) -> str:
    """The canonical code (case, spaces and dashes ignored); MistypedCode when its check symbol is wrong."""
    try:
        code = sync_code.normalize(typed)
    except ValueError:
        raise errors.MistypedCode() from None
    if not code or not sync_code.is_valid(code):
        raise errors.MistypedCode()
    return code
