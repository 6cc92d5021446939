"""Keeps the web service's English catalogue in step with its Danish pages.

python -m tests.tools.translations write|check|compile|fill FILE.json

``write`` extracts every Danish message from the code and templates and
merges it into ``translations/en/LC_MESSAGES/messages.po`` (new messages get
an empty translation to fill in); ``check`` fails when the catalogue lacks a
message, keeps one no page uses any more, or has one untranslated or fuzzy;
``compile`` writes the .mo files the app loads (the virtualenv's set-up runs
it, so the binary files are never committed); ``fill`` does ``write``, then
takes the English of the messages a JSON object maps (Danish -> English, a
list of two for a plural), then ``compile``, holding a lock on the catalogue
so two runs at once do not lose each other's translations.
"""

from __future__ import annotations

import fcntl
import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parents[2] / "services" / "web"
TRANSLATIONS = WEB / "src" / "web" / "translations"
LANGUAGES = ("en",)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extract() -> Catalog:
    with (WEB / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)  # type: ignore[no-untyped-call]
    catalog = Catalog(project="Dagtilbudsportalen", locale="da")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(WEB), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def problems(language: str) -> list[str]:
    template = extract()
    catalog = load(language)
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    found = [f"missing: {mid!r}" for mid in sorted(wanted - have.keys())]
    found += [f"unused: {mid!r}" for mid in sorted(have.keys() - wanted)]
    for mid, message in sorted(have.items()):
        if mid not in wanted:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"untranslated: {mid!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {mid!r}")
    return found


def write() -> None:
    template = extract()
    for language in LANGUAGES:
        catalog = load(language)
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        write_po(
            buffer, catalog, sort_output=True, width=100, include_lineno=False, ignore_obsolete=True
        )
        path.write_bytes(buffer.getvalue())


def compile_catalogues() -> None:
    for language in LANGUAGES:
        catalog = load(language)
        with (po_path(language).with_suffix(".mo")).open("wb") as handle:
            write_mo(handle, catalog)


def fill(translations: dict[str, str | list[str]]) -> list[str]:
    """``write``, the given translations in, ``compile``; the Danish messages
    given that no page uses (misspelt, or not written yet)."""
    lock_path = TRANSLATIONS / ".lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        write()
        for language in LANGUAGES:
            catalog = load(language)
            unused = []
            for danish, english in translations.items():
                message = catalog.get(danish)
                if message is None:
                    plural = next(
                        (m for m in catalog if isinstance(m.id, tuple) and m.id[0] == danish), None
                    )
                    message = plural
                if message is None:
                    unused.append(danish)
                    continue
                message.string = tuple(english) if isinstance(english, list) else english
                message.flags.discard("fuzzy")
            buffer = io.BytesIO()
            write_po(
                buffer,
                catalog,
                sort_output=True,
                width=100,
                include_lineno=False,
                ignore_obsolete=True,
            )
            po_path(language).write_bytes(buffer.getvalue())
        compile_catalogues()
    return unused


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "check"
    if mode == "fill":
        with open(argv[2], encoding="utf-8") as handle:
            unused = fill(json.load(handle))
        for danish in unused:
            print(f"not used by any page: {danish!r}")
        return 0
    if mode == "write":
        write()
        return 0
    if mode == "compile":
        compile_catalogues()
        return 0
    found = [f"{language}: {p}" for language in LANGUAGES for p in problems(language)]
    if found:
        print(
            "Translations out of step (run make translations, then translate):", *found, sep="\n  "
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
