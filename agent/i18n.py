"""Gettext for every user-facing string.

Message ids are English. Each package (and any subpackage that wants its own) keeps its
Russian catalog as a plain ``locale/<lang>.po`` file beside its code; the catalogs are
merged and compiled in memory on first use, so no build step (and no committed .mo) is
needed. ``drivers`` cannot import this module, so it marks its messages with ``common.errors.N_``
(the same marker, re-exported here) and the agent translates them where they reach a person.
"""

from __future__ import annotations

import gettext
import importlib.util
import io
import os
import threading
from collections.abc import Mapping
from pathlib import Path

from common.errors import N_ as N_
from common.errors import Message

SUPPORTED_LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "en"
CATALOG_PACKAGES = ("common", "drivers", "agent", "tui", "sim")

_lock = threading.Lock()
_cache: dict[str, gettext.NullTranslations] = {}
_current = {"lang": None}


def detect_language(env: Mapping[str, str] = os.environ) -> str:
    """The language from the POSIX locale variables: Russian where the locale is Russian."""
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        for candidate in value.split(":"):
            code = candidate.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in SUPPORTED_LANGUAGES:
                return code
        if value:
            break
    return DEFAULT_LANGUAGE


def normalize_language(lang: str | None) -> str:
    """Map "ru_RU.UTF-8", "RU", "en-GB" and the like to a supported code; None means the locale."""
    if not lang:
        return detect_language()
    code = lang.replace("-", "_").split(".")[0].split("_")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def catalog_files(lang: str) -> list[Path]:
    """The .po files of every installed package for ``lang``, found without importing the packages."""
    files = []
    for package in CATALOG_PACKAGES:
        spec = importlib.util.find_spec(package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            files.extend(sorted(Path(location).rglob(f"locale/{lang}.po")))
    return files


def _compile(lang: str) -> gettext.NullTranslations:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=lang)
    for path in catalog_files(lang):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    if not len(merged):
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(lang: str | None = None) -> gettext.NullTranslations:
    """The (cached) translations for ``lang``; English needs none, its ids are the text."""
    code = normalize_language(lang) if lang else current_language()
    with _lock:
        if code not in _cache:
            _cache[code] = gettext.NullTranslations() if code == "en" else _compile(code)
        return _cache[code]


def set_language(lang: str | None) -> str:
    """Choose the process's language (None: from the locale); returns the code chosen."""
    _current["lang"] = normalize_language(lang)
    return _current["lang"]


def current_language() -> str:
    if _current["lang"] is None:
        _current["lang"] = detect_language()
    return _current["lang"]


def _(message: str) -> str:
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ngettext(singular, plural, n)


def translate(message: str, lang: str | None, /, **params: object) -> str:
    """Translate into a given language (the daemon answers each client in its own)."""
    return Message(message, params).render(translations(lang).gettext)
