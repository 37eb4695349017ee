"""Extract the message ids from the code and keep the template and catalogs in step.

`python -m bot messages` rewrites `messages.pot` and merges it into every catalog; the test
suite calls `extract_template()` and fails when the committed template is out of date.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n.catalogs import DOMAIN, LOCALES_DIR

PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = Path(__file__).with_name(f"{DOMAIN}.pot")
SKIPPED_FOLDERS = ("sim", "migrations")


def _wanted(path: str) -> bool:
    return not any(f"/{folder}" in path.replace("\\", "/") for folder in SKIPPED_FOLDERS)


def extract_template() -> Catalog:
    """A catalog of every message id marked in bot/ (with `_`, `N_` or `ngettext`)."""
    catalog = Catalog(project="gig-broker", version="1", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR), directory_filter=_wanted
    ):
        catalog.add(
            message, None, [(f"bot/{filename}", lineno)], auto_comments=comments, context=context
        )
    return catalog


def message_ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(
            handle, catalog, omit_header=False, sort_output=True, width=100, include_lineno=False
        )


def update_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Rewrite the template and merge it into each language's catalog; returns files written."""
    template = extract_template()
    _write(template, TEMPLATE_PATH)
    written = [TEMPLATE_PATH]
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")) or [
        locales_dir / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    ]:
        language = po_path.parent.parent.name
        if po_path.exists():
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, project="gig-broker", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        _write(catalog, po_path)
        written.append(po_path)
    return written
