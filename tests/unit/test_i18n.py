"""The translation layer: catalogs in step with the code, language choice and fallback."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from bot.i18n.catalogs import LOCALES_DIR, Catalogs, Translator
from bot.i18n.extract import TEMPLATE_PATH, extract_template, message_ids


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return message_ids(read_po(handle))


def test_message_template_is_up_to_date_with_the_code() -> None:
    in_code = message_ids(extract_template())
    committed = _ids(TEMPLATE_PATH)
    assert in_code == committed, (
        f"run `make messages`: new {sorted(in_code - committed)[:5]}, "
        f"gone {sorted(committed - in_code)[:5]}"
    )


def test_every_catalog_has_every_message() -> None:
    in_code = message_ids(extract_template())
    catalogs = sorted(LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
    assert catalogs, "at least the English catalog ships"
    for catalog in catalogs:
        missing = in_code - _ids(catalog)
        assert not missing, f"{catalog} misses {sorted(missing)[:5]}"


def test_language_choice_falls_back_to_english() -> None:
    french = Translator("fr", {"Hello {name}": "Bonjour {name}"})
    catalogs = Catalogs({"en": Translator("en"), "fr": french})
    assert catalogs.for_language("fr-CA") is french
    assert catalogs.for_language("FR") is french
    assert catalogs.for_language("xx").language == "en"
    assert catalogs.for_language(None).language == "en"
    assert catalogs.for_language("fr")("Hello {name}", name="Zoé") == "Bonjour Zoé"
    assert catalogs.for_language("de")("Hello {name}", name="Zoé") == "Hello Zoé"


def test_user_text_with_braces_is_not_treated_as_a_template() -> None:
    english = Catalogs.load().for_language("en")
    assert english("Hi {name}", name="{evil} {0}") == "Hi {evil} {0}"


def test_plural_forms() -> None:
    english = Translator("en")
    assert english.ngettext("{count} gig", "{count} gigs", 1) == "1 gig"
    assert english.ngettext("{count} gig", "{count} gigs", 3) == "3 gigs"
