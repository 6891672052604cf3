"""Money as people read it: integer kopecks to "123.45", never through a float.

One rule for paper, the QR code, the CLI and the TUI; the TUI groups thousands for the eye.
"""

from __future__ import annotations


def format_money(kopecks: int, group: str = "") -> str:
    """12345 -> "123.45"; with ``group=" "`` 123456789 -> "1 234 567.89"."""
    if isinstance(kopecks, float):
        raise TypeError("money is integer kopecks, never a float")
    sign = "-" if kopecks < 0 else ""
    rubles, rest = divmod(abs(int(kopecks)), 100)
    whole = f"{rubles:,}".replace(",", group) if group else str(rubles)
    return f"{sign}{whole}.{rest:02d}"
