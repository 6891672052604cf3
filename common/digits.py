"""Digits as a register, a PIN or an INN means them: ASCII 0-9 only.

``str.isdigit`` and a regex's ``\\d`` also take "²" (which ``int`` refuses) and other scripts'
digits (which ``int`` reads, but the FN, a PIN pad and the tax service do not): outside text
checked with them passes the check and fails, or changes, further on.
"""

from __future__ import annotations


def is_digits(text: str) -> bool:
    """True for a non-empty string of ASCII digits only."""
    return text.isascii() and text.isdigit()
