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

from common.digits import is_digits

N = 2**14
R = 8
P = 1
SALT_BYTES = 16
HASH_BYTES = 32
# A hash from outside is checked against every employee on a PIN-only login: its cost is bounded
# to twice the reference's work and 32 MiB, so a hostile hash cannot make a login take seconds.
MAX_WORK = 2 * N * R * P  # N * r * p
MAX_MEMORY = 32 * 2**20  # 128 * N * r bytes
SALT_LENGTHS = range(8, 65)
HASH_LENGTHS = range(16, 65)


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


def _parse(pin_hash: str) -> tuple[int, int, int, bytes, bytes] | None:
    """The hash's parameters, salt and digest, or None when its format or cost is out of bounds."""
    parts = pin_hash.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(is_digits(part) for part in parts[1:4]):
        return None
    if any(len(part) > 8 for part in parts[1:4]):
        return None
    n, r, p = (int(part) for part in parts[1:4])
    try:
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return None
    if not (n > 1 and n & (n - 1) == 0 and r > 0 and p > 0):
        return None
    if n * r * p > MAX_WORK or 128 * n * r > MAX_MEMORY:
        return None
    if len(salt) not in SALT_LENGTHS or len(expected) not in HASH_LENGTHS:
        return None
    return n, r, p, salt, expected


def acceptable(pin_hash: str) -> bool:
    """Is this a hash the register will check (format and cost within bounds)?"""
    return _parse(pin_hash) is not None


def verify_pin(pin: str, pin_hash: str) -> bool:
    """True when ``pin`` matches; False for a wrong PIN or a hash of any other format or cost."""
    parsed = _parse(pin_hash)
    if parsed is None:
        return False
    n, r, p, salt, expected = parsed
    try:
        actual = _scrypt(pin, salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)
