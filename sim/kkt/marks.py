"""Marking codes (Честный ЗНАК) as the emulated FN reads them, and the emulator's own issue of them.

A code as a scanner types it is GS1: AI 01 and a 14-digit GTIN (its check digit valid), AI 21
and the unit's serial ended by GS (0x1D), then GS-separated groups: 91 (the check key's id,
4 characters) with 92 (the crypto tail, 44 or 88 characters; shoes, clothes, tyres,
perfume...), or 93 (a 4-character check code; dairy, water, beer...); 8005 (a block's price,
6 digits) and 310n (net weight, 6 digits) may follow. A tobacco pack carries a 29-character
code without AIs: GTIN (14), serial (7), maximum retail price (4), check code (4).

The FN checks a 91/92 tail with the key named by 91, and cannot check 93 codes or tobacco
packs itself: only the national system can, online. Here one secret stands for the
operator's keys: a code is genuine when its tail is what the emulator derives from its GTIN
and serial, so ``issue`` makes codes that pass and ``forge`` codes that do not.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import string
from dataclasses import dataclass

from common.digits import is_digits

GS = "\x1d"
KEY_ID = "EE07"  # the one check key (AI 91) this FN holds
SECRET = b"kassa-emulator-marking-operator"
TOBACCO_LENGTH = 29
SERIAL_CHARS = string.ascii_letters + string.digits
# GS1 AI 82 characters (the set a code may use outside its separators)
GS1_82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+$")

# tag 2100 (the code type the FN recognized) and the FN's reason for not checking (FF61)
TYPE_UNKNOWN, TYPE_SHORT, TYPE_88, TYPE_44_UNCHECKED, TYPE_44, TYPE_4_UNCHECKED = 0, 1, 2, 3, 4, 5
REASON_CHECKED, REASON_NOT_CHECKABLE, REASON_NO_KEY, REASON_FORMAT = 0, 1, 2, 3

GROUPS = ("milk", "water", "shoes", "clothes", "tobacco")  # as the catalog names them
# the test catalog: GTINs whose circulation the national system has suspended
SUSPENDED_GTINS = frozenset({"04619999999996"})  # outside the reference back office's seed (0460...)


@dataclass(frozen=True)
class MarkCode:
    gtin: str
    serial: str
    key_id: str | None = None  # AI 91
    crypto: str | None = None  # AI 92
    check: str | None = None  # AI 93, or a tobacco pack's last four characters
    tobacco: bool = False

    @property
    def identity(self) -> str:
        """What the national system tracks: the GTIN and the serial, not the tail."""
        return self.gtin + self.serial

    @property
    def code_type(self) -> int:
        if self.tobacco:
            return TYPE_SHORT
        if self.crypto is not None:
            return TYPE_88 if len(self.crypto) == 88 else TYPE_44
        return TYPE_4_UNCHECKED

    @property
    def fn_checkable(self) -> bool:
        return self.crypto is not None


def gtin_valid(gtin: str) -> bool:
    """A GTIN-14: digits whose last one is the GS1 check digit (weights 3, 1 from the right)."""
    if len(gtin) != 14 or not is_digits(gtin):
        return False
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(gtin[:-1])))
    return (10 - total % 10) % 10 == int(gtin[-1])


def parse(code: str) -> MarkCode | None:
    """The code's structure, or None when it is not a marking code at all."""
    if len(code) == TOBACCO_LENGTH and GS not in code and is_digits(code[:14]):
        if gtin_valid(code[:14]) and GS1_82.match(code[14:]):
            return MarkCode(code[:14], code[14:21], check=code[25:], tobacco=True)
        return None
    if not code.startswith("01") or not gtin_valid(code[2:16]) or code[16:18] != "21":
        return None
    serial, *groups = code[18:].split(GS)
    if not 1 <= len(serial) <= 20 or not GS1_82.match(serial):
        return None
    fields: dict[str, str] = {}
    for group in groups:
        for ai, size in (("91", (4,)), ("92", (44, 88)), ("93", (4,)), ("8005", (6,))):
            if group.startswith(ai) and len(group) - len(ai) in size:
                break
        else:
            if re.fullmatch(r"310[0-6][0-9]{6}", group):
                continue
            return None
        if ai in fields or not GS1_82.match(group[len(ai) :]):
            return None
        fields[ai] = group[len(ai) :]
    mark = MarkCode(code[2:16], serial, fields.get("91"), fields.get("92"), fields.get("93"))
    if (mark.key_id is None) != (mark.crypto is None) or (mark.crypto is None and mark.check is None):
        return None
    return mark


def _derived(kind: str, gtin: str, serial: str, size: int) -> str:
    digest = hashlib.shake_256(SECRET + f"|{kind}|{gtin}|{serial}".encode()).digest(size * 3 // 4 + 3)
    return base64.b64encode(digest).decode("ascii")[:size]


def genuine(mark: MarkCode) -> bool:
    """The tail is the one the operator issued with this GTIN and serial."""
    if mark.crypto is not None:
        expected = _derived("92", mark.gtin, mark.serial, len(mark.crypto))
        return mark.key_id == KEY_ID and mark.crypto == expected
    return mark.check == _derived("93", mark.gtin, mark.serial, 4)


def issue(gtin: str, group: str = "milk", serial: str | None = None, forged: bool = False) -> str:
    """A code for one unit of ``gtin`` in the layout of its product group; ``forged`` spoils the tail."""
    if not gtin_valid(gtin):
        raise ValueError(f"{gtin} is not a GTIN-14 with a valid check digit")
    if group not in GROUPS:
        raise ValueError(f"unknown product group {group}")
    size = {"milk": 6, "tobacco": 7}.get(group, 13)
    serial = serial or "".join(secrets.choice(SERIAL_CHARS) for _ in range(size))

    def tail(kind: str, length: int) -> str:
        value = _derived(kind, gtin, serial, length)
        return value[::-1] if forged and value != value[::-1] else ("A" * length if forged else value)

    if group == "tobacco":
        return gtin + serial + "0150" + tail("93", 4)
    head = f"01{gtin}21{serial}"
    if group in ("shoes", "clothes"):
        return f"{head}{GS}91{KEY_ID}{GS}92{tail('92', 88 if group == 'shoes' else 44)}"
    return f"{head}{GS}93{tail('93', 4)}"
