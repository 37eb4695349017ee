"""Gettext catalogs (Babel `.po` files) and the per-user translator.

Catalogs are read once by the composition root (no I/O at import). The user's Telegram
`language_code` picks the catalog ("pt-br" tries pt_BR, then pt), English is the fallback, and
an empty translation falls back to the English message id, as gettext does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Translator:
    """Translates message ids for one language and fills in `{named}` parameters."""

    language: str
    messages: Mapping[str, str] = field(default_factory=dict)
    plurals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message

    def __call__(self, message: str, **params: Any) -> str:
        """Translate `message` and format it with `params` (the handlers' `_`)."""
        text = self.gettext(message)
        return text.format(**params) if params else text

    def ngettext(self, singular: str, plural: str, count: int, **params: Any) -> str:
        forms = self.plurals.get(singular)
        if forms and all(forms):
            # Catalogs we ship use the English plural rule; other rules come with their catalogs.
            text = forms[0] if count == 1 else forms[min(1, len(forms) - 1)]
        else:
            text = singular if count == 1 else plural
        return text.format(count=count, **params)


@dataclass(frozen=True)
class Catalogs:
    """Every loaded language; `for_language` never fails, it falls back to English."""

    translators: Mapping[str, Translator]

    @classmethod
    def load(cls, locales_dir: Path = LOCALES_DIR) -> Catalogs:
        translators: dict[str, Translator] = {}
        for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = po_path.parent.parent.name
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            messages: dict[str, str] = {}
            plurals: dict[str, tuple[str, ...]] = {}
            for message in catalog:
                if not message.id or message.fuzzy:
                    continue
                if isinstance(message.id, str):
                    messages[message.id] = str(message.string or "")
                else:
                    strings = message.string if isinstance(message.string, tuple | list) else ()
                    plurals[str(message.id[0])] = tuple(str(s) for s in strings)
            translators[language] = Translator(language, messages, plurals)
        translators.setdefault(FALLBACK_LANGUAGE, Translator(FALLBACK_LANGUAGE))
        return cls(translators)

    def for_language(self, language_code: str | None) -> Translator:
        if language_code:
            code = language_code.replace("-", "_")
            language, _, region = code.partition("_")
            for candidate in (f"{language.lower()}_{region.upper()}", language.lower()):
                if candidate in self.translators:
                    return self.translators[candidate]
        return self.translators[FALLBACK_LANGUAGE]

    def for_languages(self, codes: Sequence[str]) -> Translator:
        """The first of `codes` that has a catalog (a group's languages), else English."""
        for code in codes:
            translator = self.for_language(code)
            if translator.language != FALLBACK_LANGUAGE or code.lower().startswith("en"):
                return translator
        return self.translators[FALLBACK_LANGUAGE]

    @property
    def languages(self) -> list[str]:
        return sorted(self.translators)
