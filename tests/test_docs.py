"""The documentation stays usable from a clone of the repository alone.

A link that points at a moved page, at a heading that was renamed, or outside the repository
is only noticed by a reader who follows it; these tests follow every relative link of the
README and the docs instead. The README is the project's front door, so it also stays short
and starts with the two commands, and the user guide quotes the validation limits from their
one source of truth so the page cannot drift from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.domain.limits import DEFAULT_LIMITS, limits_markdown

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
USER_GUIDE = ROOT / "docs" / "users.md"
README_MAX_LINES = 200

#: `[text](target)` and `[text](target "title")`; images (`![alt](target)`) too.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
EXTERNAL = ("http://", "https://", "mailto:", "tg://")


def markdown_pages() -> list[Path]:
    """The README, every docs page and the README of each top-level folder (bench/, ...)."""
    pages = [README, *sorted((ROOT / "docs").glob("**/*.md"))]
    pages += sorted(p for p in ROOT.glob("*/README.md") if not p.parent.name.startswith("."))
    return pages


def prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code removed (code is not a link)."""
    lines: list[str] = []
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        if not in_fence:
            lines.append(INLINE_CODE.sub("", line))
    return lines


def links(page: Path) -> list[str]:
    found: list[str] = []
    for line in prose_lines(page.read_text(encoding="utf-8")):
        found += LINK.findall(line)
    return found


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading's anchor; repeated headings get -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    result: set[str] = set()
    text = page.read_text(encoding="utf-8")
    in_fence = False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            in_fence = not in_fence
            continue
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if in_fence or match is None:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def relative(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_the_pages_are_found() -> None:
    names = {relative(p) for p in markdown_pages()}
    assert {"README.md", "docs/architecture.md", "docs/operations.md"} <= names
    assert "bench/README.md" in names


@pytest.mark.parametrize("page", markdown_pages(), ids=relative)
def test_every_relative_link_resolves_inside_the_repository(page: Path) -> None:
    broken: list[str] = []
    for target in links(page):
        if target.startswith(EXTERNAL):
            continue
        path_part, _, anchor = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if not resolved.is_relative_to(ROOT):
            broken.append(f"{target}: outside the repository")
            continue
        if not resolved.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {relative(resolved)}")
    assert broken == [], f"{relative(page)} has broken links"


@pytest.mark.parametrize("page", markdown_pages(), ids=relative)
def test_no_page_points_outside_the_repository(page: Path) -> None:
    """Absolute links and paths of the machine the docs were written on are not in a clone."""
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text
    assert "/work/" not in text
    outside = [t for t in links(page) if t.startswith("/") or t.startswith("file:")]
    assert outside == []


def test_the_readme_is_a_front_door_of_at_most_200_lines() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "make run" in head and "make test" in head


def test_the_user_guide_limits_table_matches_the_domain() -> None:
    text = USER_GUIDE.read_text(encoding="utf-8")
    start = text.index("<!-- limits:start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- limits:end -->")
    assert text[start:end].strip() == limits_markdown(DEFAULT_LIMITS).strip()


def test_the_slug_is_githubs() -> None:
    assert slug("Search: `python -m bench.search`") == "search-python--m-benchsearch"
    assert slug("Buying, payments, escrow and payouts") == "buying-payments-escrow-and-payouts"
    assert slug("The HTTP server: webhooks, health, metrics") == (
        "the-http-server-webhooks-health-metrics"
    )
