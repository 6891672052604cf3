"""A marking code (Честный ЗНАК) as a scanner types it: read, checked and put in one shape.

A DataMatrix holds a GS1 element string: AI 01 (the GTIN, 14 digits), AI 21 (the serial, its
length fixed per product group), then the crypto tail: AI 91 (the key, 4 characters) and 92 (the
signature, 44 or 88) for shoes, clothes, medicines and the like, or AI 93 (4 characters) for
dairy, water, beer and tobacco blocks, sometimes with fixed-length AIs between them (8005 the
maximum retail price, 3103 the net weight, 17 the expiry day, ...). A variable-length element ends
with GS (0x1D); a scanner in keyboard mode may send a substitute for it, or drop it, in which case
the group's fixed lengths tell where the serial ends. A tobacco pack carries a short code with no
AIs: GTIN (14), serial (7), MRP (4), crypto (4): 29 characters.

``parse`` turns what was typed into a ``MarkingCode`` whose ``code`` is what the register gets: the
DataMatrix's own string (GS for each separator the scanner sent or substituted; GS after each
variable element when it sent none); every refusal is a ``MarkingCodeError`` saying what is wrong
and what to do.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

from common.digits import is_digits
from common.errors import N_, KassaError

GS = "\x1d"
MAX_LENGTH = 256  # tag 2000 holds the code in up to 256 bytes
# GS1's character set 82: what a serial or a crypto tail may contain
SET_82 = frozenset(string.ascii_letters + string.digits + "!\"%&'()*+,-./:;<=>?_")
# characters a scanner may send for GS: printable, never part of set 82, so never ambiguous
SUBSTITUTES = frozenset("~|#$@[\\]^`{}")
# how a scanner may announce a GS1 DataMatrix before the data (FNC1 as AIM's "]d2", as ASCII 232)
PREFIXES = ("]d2", "]D2", "]C1", "\xe8", GS)

# fixed-length AIs (digits after the AI); every other AI below is variable, ended by GS
FIXED = {"01": 14, "11": 6, "17": 6, "3103": 6, "8005": 6, "7003": 10}
VARIABLE = {"21": 20, "10": 20, "91": 4, "92": 88, "93": 4, "240": 30}
CRYPTO_LENGTHS = {"91": (4,), "92": (44, 88), "93": (4,)}


@dataclass(frozen=True)
class Group:
    """A product group's code shape: the serial's lengths and the crypto tail's AIs."""

    name: str
    serials: tuple[int, ...]
    tail: tuple[str, ...]  # "91+92" or "93"


GROUPS = {
    group.name: group
    for group in (
        Group("milk", (6, 13), ("93",)),
        Group("water", (13,), ("93",)),
        Group("beer", (7, 13), ("93",)),
        Group("tobacco", (7,), ("93",)),  # a block; a pack's short code has no AIs
        Group("shoes", (13,), ("91", "92")),
        Group("clothes", (13,), ("91", "92")),
        Group("medicines", (13,), ("91", "92")),
        Group("perfume", (13,), ("91", "92")),
        Group("tires", (13,), ("91", "92")),
    )
}
SERIAL_LENGTHS = tuple(sorted({n for group in GROUPS.values() for n in group.serials}))
TOBACCO_PACK = re.compile(r"^([0-9]{14})([!-~]{7})([!-~]{4})([!-~]{4})$")


class MarkingCodeError(KassaError):
    code = "invalid_marking_code"
    status = 422


@dataclass(frozen=True)
class MarkingCode:
    """A parsed code. ``code`` goes to the register; ``identity`` (01 + GTIN + 21 + serial) names
    the unit: two scans of one pack have the same identity whatever their tails."""

    gtin: str
    serial: str
    elements: tuple[tuple[str, str], ...]  # every AI and its value, in the code's order
    code: str

    @property
    def identity(self) -> str:
        return f"01{self.gtin}21{self.serial}"

    def value(self, ai: str) -> str | None:
        return next((value for key, value in self.elements if key == ai), None)

    @property
    def crypto(self) -> str | None:
        return self.value("92") or self.value("93")


def gtin_valid(gtin: str) -> bool:
    """GS1's check digit: the digits weighted 3, 1, 3, ... from the right of the body, mod 10."""
    if len(gtin) != 14 or not is_digits(gtin):
        return False
    body = [int(d) for d in gtin[:-1]]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(gtin[-1])


BARCODE_LENGTHS = (13, 12, 14, 8)  # EAN-13, UPC-A, GTIN-14, EAN-8: the most common first


def gtin_of_barcode(barcode: str) -> str | None:
    """The GTIN-14 a retail barcode (EAN-8, UPC-A, EAN-13, GTIN-14) stands for; None otherwise."""
    if is_digits(barcode) and len(barcode) in BARCODE_LENGTHS:
        return barcode.zfill(14)
    return None


def product_gtins(barcodes: Iterable[str]) -> set[str]:
    """The GTINs of a product's barcodes: a marking code whose GTIN is among them is the product's."""
    return {gtin for gtin in map(gtin_of_barcode, barcodes) if gtin}


def barcodes_of_gtin(gtin: str) -> list[str]:
    """The barcodes a catalog may keep a GTIN-14 as (those ``gtin_of_barcode`` reads back as it),
    the most common first."""
    return [gtin[14 - length :] for length in BARCODE_LENGTHS if gtin.startswith("0" * (14 - length))]


def normalize(raw: str, substitutes: Iterable[str] = ()) -> str:
    """What was typed with GS as GS: each substitute replaced, a leading FNC1 and the line's
    surrounding spaces and line ends dropped."""
    text = raw.strip(" \r\n\t")
    for substitute in substitutes:
        if substitute:
            text = text.replace(substitute, GS)
    for prefix in PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.rstrip(GS)


def _refuse(message: str, **params: object) -> MarkingCodeError:
    return MarkingCodeError(message, **params)


def _check_characters(text: str) -> None:
    if any("\u0400" <= ch <= "\u04ff" for ch in text):
        raise _refuse(
            N_(
                "the marking code came with Russian letters: the scanner typed it in the Russian "
                "keyboard layout; switch the layout to English (or the scanner to a layout-free mode) "
                "and scan again"
            )
        )
    bad = sorted({ch for ch in text if ch != GS and ch not in SET_82})
    if bad:
        shown = " ".join(f"U+{ord(ch):04X}" if not ch.isprintable() or ch.isspace() else ch for ch in bad)
        raise _refuse(
            N_(
                "the marking code has characters a marking code never holds ({characters}): "
                "scan it again, or set the scanner's GS substitute in [marking] gs_substitute"
            ),
            characters=shown,
        )


def _elements_with_gs(text: str) -> list[tuple[str, str]] | None:
    """The element string split by AI, variable elements ended by GS; None when it does not read."""
    elements = []
    i = 0
    while i < len(text):
        if text[i] == GS:
            i += 1
            continue
        ai = next((key for key in (*FIXED, *VARIABLE) if text.startswith(key, i)), None)
        if ai is None:
            return None
        i += len(ai)
        if ai in FIXED:
            value = text[i : i + FIXED[ai]]
            if len(value) != FIXED[ai] or not is_digits(value):
                return None
            i += FIXED[ai]
        else:
            end = text.find(GS, i)
            end = len(text) if end < 0 else end
            if ai in ("91", "93") and end - i > CRYPTO_LENGTHS[ai][0]:
                end = i + CRYPTO_LENGTHS[ai][0]  # a scanner that dropped the GS after a short key
            value = text[i:end]
            if not value or len(value) > VARIABLE[ai]:
                return None
            i = end
        elements.append((ai, value))
    return elements


def _elements_without_gs(text: str, serials: tuple[int, ...]) -> list[list[tuple[str, str]]]:
    """Every reading of a code typed with no separators: the serial cut at each length ``serials``
    allow, the rest read at the crypto AIs' fixed lengths (92 takes what is left)."""
    readings = []
    head = text[:18]
    if not (head.startswith("01") and text[16:18] == "21"):
        return []
    for length in serials:
        serial = text[18 : 18 + length]
        rest = text[18 + length :]
        if len(serial) != length:
            continue
        elements = [("01", head[2:16]), ("21", serial)]
        while rest:
            ai = next((key for key in ("91", "92", "93", *FIXED) if rest.startswith(key)), None)
            if ai is None:
                break
            size = FIXED.get(ai) or (len(rest) - 2 if ai == "92" else CRYPTO_LENGTHS[ai][0])
            value = rest[len(ai) : len(ai) + size]
            if len(value) != size or (ai in FIXED and not is_digits(value)):
                break
            elements.append((ai, value))
            rest = rest[len(ai) + size :]
        if not rest:
            readings.append(elements)
    return readings


def _render(elements: list[tuple[str, str]]) -> str:
    """The element string as the DataMatrix encodes it: GS after each variable element but the last."""
    parts = []
    for index, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if ai in VARIABLE and index < len(elements) - 1:
            parts.append(GS)
    return "".join(parts)


def _tail_ok(elements: list[tuple[str, str]]) -> bool:
    found = {ai: value for ai, value in elements}
    if "93" in found:
        return len(found["93"]) in CRYPTO_LENGTHS["93"]
    return (
        "91" in found
        and "92" in found
        and len(found["91"]) in CRYPTO_LENGTHS["91"]
        and len(found["92"]) in CRYPTO_LENGTHS["92"]
    )


def parse(raw: str, substitutes: Iterable[str] = (), group: str | None = None) -> MarkingCode:
    """The marking code in ``raw`` (as typed; ``substitutes`` stand for GS). ``group`` (a name in
    ``GROUPS``) narrows the serial's length when the scanner sent no GS."""
    if len(raw) > MAX_LENGTH:
        raise _refuse(
            N_("the marking code is longer than {limit} characters: scan it again"), limit=MAX_LENGTH
        )
    text = normalize(raw, substitutes)
    if not text:
        raise _refuse(N_("the marking code is empty: scan the DataMatrix on the pack"))
    _check_characters(text)
    pack = TOBACCO_PACK.match(text) if GS not in text else None
    if pack and (group == "tobacco" or not text.startswith("01")):
        return _pack(pack)
    if not text.startswith("01"):
        raise _refuse(
            N_(
                "this is not a marking code (it does not start with the GTIN, AI 01): scan the "
                "DataMatrix, not the product's linear barcode"
            )
        )
    elements = _elements_with_gs(text) if GS in text else None
    if elements is None and GS not in text:
        serials = GROUPS[group].serials if group in GROUPS else SERIAL_LENGTHS
        readings = [r for r in _elements_without_gs(text, serials) if _tail_ok(r)]
        if len({_render(r) for r in readings}) > 1:
            raise _refuse(
                N_(
                    "the marking code came without its GS separators and reads more than one way: set "
                    "the scanner to send GS (or a substitute, [marking] gs_substitute) and scan again"
                )
            )
        elements = readings[0] if readings else None
    if elements is None and pack:
        return _pack(pack)
    if elements is None:
        raise _refuse(
            N_(
                "the marking code does not read as a GS1 DataMatrix (AI 01, 21 and its crypto tail): "
                "scan it again"
            )
        )
    found = dict(elements)
    if "01" not in found or "21" not in found:
        raise _refuse(N_("the marking code has no serial number (AI 21): scan the DataMatrix itself"))
    if not _tail_ok(elements):
        raise _refuse(
            N_(
                "the marking code has no crypto tail (AI 91 and 92, or 93): that is the code printed "
                "under the DataMatrix or a partial scan; scan the DataMatrix itself"
            )
        )
    # as scanned when it came with its GS (some groups put one after a fixed element too)
    return _checked(found["01"], found["21"], tuple(elements), text if GS in text else _render(elements))


def _pack(pack: re.Match) -> MarkingCode:
    """A tobacco pack's short code: GTIN, serial, MRP and crypto, no AIs, sent as typed."""
    gtin, serial, mrp, crypto = pack.groups()
    return _checked(gtin, serial, (("01", gtin), ("21", serial), ("mrp", mrp), ("93", crypto)), pack.group(0))


def _checked(gtin: str, serial: str, elements: tuple[tuple[str, str], ...], code: str) -> MarkingCode:
    if not gtin_valid(gtin):
        raise _refuse(
            N_(
                "the GTIN {gtin} in the marking code has a wrong check digit: the scan is misread, scan again"
            ),
            gtin=gtin,
        )
    return MarkingCode(gtin=gtin, serial=serial, elements=elements, code=code)
