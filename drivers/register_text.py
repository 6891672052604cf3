"""Text made safe for a register field: its code page and its length, and nothing else.

Whatever comes from outside (a product name from the back office, a cashier's name, a buyer's
contact) reaches the fiscal drive through here, so the FN stores what the journal stores:

- control characters (ESC sequences, NUL, line breaks) become spaces or go, so a name is
  never cut at a NUL and no escape reaches the printer head;
- a character the code page lacks is decomposed ("é" -> "e") or dropped, never turned into
  "?" behind the journal's back;
- runs of spaces are one space, and the text is cut to the field's size in bytes.

A marking code is data, not text: its GS (0x1D) group separators are kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

GS = "\x1d"
SPACES = re.compile(r" {2,}")
# common signs a Cyrillic code page lacks, written out as a cashier would
SPELLED = {"₽": "руб.", "€": "EUR", "№": "N", "«": '"', "»": '"', "—": "-", "–": "-", "…": "..."}


@dataclass(frozen=True)
class TextField:
    codec: str  # the code page the register reads this field in
    size: int  # bytes
    data: bool = False  # a marking code: GS survives, nothing is respelled


def _fits(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _one(char: str, field: TextField) -> str:
    if char == GS and field.data:
        return char
    if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"):
        return " " if char in "\t\n\r\x0b\x0c\u2028\u2029" else ""
    if _fits(char, field.codec):
        return char
    if not field.data:
        spelled = SPELLED.get(char)
        if spelled is not None and all(_fits(c, field.codec) for c in spelled):
            return spelled
        decomposed = unicodedata.normalize("NFKD", char)
        kept = "".join(c for c in decomposed if not unicodedata.combining(c) and _fits(c, field.codec))
        if kept and kept != char:
            return kept
    return ""


def _plain(text: str, codec: str) -> bool:
    """Every character printable (no control, format or line separator, no GS) and in the code
    page: ``_one`` would keep each as it is, so the text is taken whole (a sale's names are)."""
    return text.isprintable() and _fits(text, codec)


def safe_text(value: str, field: TextField) -> str:
    """``value`` as the register will store it: encodable in ``field.codec`` and at most
    ``field.size`` bytes once encoded (the code pages here are one byte a character)."""
    text = unicodedata.normalize("NFC", value)
    if not _plain(text, field.codec):
        text = "".join(_one(char, field) for char in text)
    if not field.data:
        text = SPACES.sub(" ", text).strip()
    encoded = text.encode(field.codec)[: field.size]
    return encoded.decode(field.codec).rstrip() if not field.data else encoded.decode(field.codec)
