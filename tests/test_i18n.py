"""Every user-facing string goes through gettext and has a Russian translation."""

from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from agent.i18n import CATALOG_PACKAGES, detect_language, translate
from tests.conftest import REPO

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "translate": None}


def extracted(package: str) -> dict[str, str]:
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        REPO / package, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            if msgid:
                found[msgid] = f"{package}/{filename}"
    return found


def translated(package: str) -> dict[str, str]:
    """Every Russian catalog in the package's tree (subpackages may keep their own)."""
    found = {}
    for path in sorted((REPO / package).rglob("locale/ru.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                for msgid in (message.id,) if isinstance(message.id, str) else message.id:
                    if msgid:
                        found[msgid] = message.string
    return found


def has_russian(text) -> bool:
    """A translation is there: a non-empty string, or every plural form non-empty."""
    return bool(text) and (isinstance(text, str) or all(text))


@pytest.mark.parametrize("package", CATALOG_PACKAGES)
def test_every_message_has_a_russian_translation(package):
    catalog = translated(package)
    missing = {
        msgid: where for msgid, where in extracted(package).items() if not has_russian(catalog.get(msgid))
    }
    snippet = "\n".join(
        f'#: {where}\nmsgid "{msgid}"\nmsgstr ""\n' for msgid, where in sorted(missing.items())
    )
    assert not missing, f"add to the nearest locale/ru.po in {package}/:\n\n{snippet}"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"LANGUAGE": "ru:en", "LANG": "en_US.UTF-8"}, "ru"),
        ({"LC_ALL": "ru_RU.UTF-8", "LANG": "en_US.UTF-8"}, "ru"),
    ],
)
def test_russian_where_the_locale_is_russian(env, expected):
    assert detect_language(env) == expected


def test_translate_into_a_given_language():
    assert translate("config is valid", "ru") == "конфигурация в порядке"
    assert translate("config is valid", "en") == "config is valid"


def test_one_translation_per_message_across_catalogs():
    """The catalogs merge into one at run time, so two translations of one id would pick one by load order."""
    versions: dict[str, dict[str, list[str]]] = {}
    for package in CATALOG_PACKAGES:
        for path in sorted((REPO / package).rglob("locale/ru.po")):
            with path.open("rb") as handle:
                for message in read_po(handle):
                    if message.id and message.string:
                        msgid = message.id if isinstance(message.id, str) else message.id[0]
                        text = message.string if isinstance(message.string, str) else "|".join(message.string)
                        where = str(path.relative_to(REPO))
                        versions.setdefault(msgid, {}).setdefault(text, []).append(where)
    clashes = {msgid: found for msgid, found in versions.items() if len(found) > 1}
    assert not clashes, "one message id, several Russian texts (make them one):\n" + "\n".join(
        f"{msgid!r}: {found}" for msgid, found in sorted(clashes.items())
    )
