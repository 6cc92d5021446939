"""Every Danish text of the web pages has its English translation, and the
catalogue keeps nothing the pages no longer say (make translations)."""

from __future__ import annotations

from tests.tools import translations


def test_english_catalogue_is_complete_and_current() -> None:
    assert translations.problems("en") == []


def test_a_new_untranslated_text_is_caught(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real_extract = translations.extract

    def with_new_text():  # type: ignore[no-untyped-def]
        catalog = real_extract()
        catalog.add("En helt ny tekst på en side", None, [("x.html", 1)])
        return catalog

    monkeypatch.setattr(translations, "extract", with_new_text)
    assert translations.problems("en") == ["missing: 'En helt ny tekst på en side'"]
