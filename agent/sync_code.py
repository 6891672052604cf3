"""Sync codes: the one-time code a technician types at the register to pair it with the back office.

Shared by the back office (which issues them) and the register (which checks them before any
request), so both sides agree on one rule. A code is 8 Crockford base32 data symbols (40 bits from
a CSPRNG) and one mod-37 check symbol, shown as ``XXXX-XXXXX``. Because 37 is prime, every single
wrong symbol and every swap of two adjacent symbols changes the check, so typos are caught locally.
Crockford's decoding forgives case, spaces, dashes and the confusable letters O (0) and I/L (1).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"  # Crockford's five extra check symbols, values 32..36
DATA_LENGTH = 8
LENGTH = DATA_LENGTH + 1
MODULUS = 37

_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_\t\n\r\u00a0\u2010\u2011\u2012\u2013\u2014")


def normalize(code: str) -> str:
    """The canonical form: upper case, no separators, O read as 0 and I/L as 1 (not validated)."""
    return code.upper().translate(_SEPARATORS).translate(_CONFUSABLES)


def check_symbol(data: str) -> str:
    """The mod-37 check symbol of canonical data symbols."""
    value = 0
    for symbol in data:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_ALPHABET[value % MODULUS]


def is_valid(code: str) -> bool:
    """True when the (normalized) code has the right length, alphabet and check symbol."""
    canonical = normalize(code)
    if len(canonical) != LENGTH:
        return False
    data, check = canonical[:DATA_LENGTH], canonical[DATA_LENGTH:]
    if any(symbol not in ALPHABET for symbol in data) or check not in CHECK_ALPHABET:
        return False
    return check_symbol(data) == check


def generate() -> str:
    """A fresh canonical code from the OS CSPRNG.

    Codes whose check would be one of the extra symbols (* ~ $ = U) are drawn again, so a
    person only ever types letters and digits; validation still accepts every check symbol.
    """
    while True:
        data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
        check = check_symbol(data)
        if check in ALPHABET:
            return data + check


def display(code: str) -> str:
    """The code as people read it: ``XXXX-XXXXX``."""
    canonical = normalize(code)
    return f"{canonical[:4]}-{canonical[4:]}"
