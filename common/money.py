"""Money as people read it: integer kopecks to "123.45", never through a float.

One rule for paper, the QR code, the CLI and the TUI; the TUI groups thousands for the eye.
``MAX_AMOUNT`` is the one bound on a sum of money: the agent, its API contract, the back-office
records and the register's driver all refuse more, each before the register is touched.
"""

from __future__ import annotations

# kopecks: the most a fiscal register holds in any sum (a price, a line's sum, a receipt total,
# a payment, the change, a cash move). The Shtrih-M protocol carries them in 5 bytes, but the
# register's range is ten decimal digits: more is refused with 0x61 (price), 0x60 (price x
# quantity), 0x48 (receipt total) or 0x7F (a total or a payment). common/ is the one package the
# driver, the agent and the API's contract (loaded by the TUI) may all import.
MAX_AMOUNT = 9_999_999_999


def format_money(kopecks: int, group: str = "") -> str:
    """12345 -> "123.45"; with ``group=" "`` 123456789 -> "1 234 567.89"."""
    if isinstance(kopecks, float):
        raise TypeError("money is integer kopecks, never a float")
    sign = "-" if kopecks < 0 else ""
    rubles, rest = divmod(abs(int(kopecks)), 100)
    whole = f"{rubles:,}".replace(",", group) if group else str(rubles)
    return f"{sign}{whole}.{rest:02d}"
