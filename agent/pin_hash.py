"""Cashier PIN hashes: scrypt with a random salt, in the one text format both sides use.

The back office stores and sends ``scrypt$N$r$p$<salt base64>$<hash base64>`` (standard base64
with padding); the register checks a PIN offline against it. A PIN itself never leaves the
back office and is never stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

N = 2**14
R = 8
P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MAX_N = 2**20  # refuse absurd parameters from outside instead of spending minutes and gigabytes


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=256 * n * r * p + 2**20
    )


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """The storable hash of a PIN; a fresh random salt unless one is given (tests, seeds)."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _scrypt(pin, salt, N, R, P, HASH_BYTES)
    encode = base64.b64encode
    return f"scrypt${N}${R}${P}${encode(salt).decode('ascii')}${encode(digest).decode('ascii')}"


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True when ``pin`` matches; False for a wrong PIN or a hash in any other format."""
    parts = pin_hash.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return False
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= 32 and 0 < p <= 16 and expected):
        return False
    try:
        actual = _scrypt(pin, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)
