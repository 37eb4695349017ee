"""The README quotes the validation limits from their one source of truth."""

from __future__ import annotations

from pathlib import Path

from bot.domain.limits import DEFAULT_LIMITS, limits_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_limits_table_matches_the_domain() -> None:
    text = README.read_text()
    start = text.index("<!-- limits:start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- limits:end -->")
    assert text[start:end].strip() == limits_markdown(DEFAULT_LIMITS).strip()


def test_readme_starts_with_the_two_commands() -> None:
    head = README.read_text().split("\n## ", 1)[0]
    assert "make run" in head and "make test" in head
