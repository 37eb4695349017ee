"""User search text to a safe full-text query, for FTS5 and for PostgreSQL tsquery.

Why a parser of our own: both FTS5's MATCH syntax and `to_tsquery` give meaning to `"`, `*`,
`(`, `)`, `:`, `^`, `-`, `&`, `|`, `!` and to words like AND/OR/NOT/NEAR, and a syntax error
fails the whole statement. So nothing the user typed reaches either parser as syntax: the text
is cut into words (letters and digits only, Unicode-aware), and only those words, quoted, are
joined with operators we choose.

What matching this gives (the README says the same):
- every word must match (AND); when that finds nothing the caller may retry with any word (OR);
- the last word is also a prefix ("desig" finds "design"), as someone is still typing it;
- word forms through stemming on both stores ("logos" finds "logo", "designing" "design").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 8
MAX_WORD_LENGTH = 40
#: A prefix shorter than this matches too much to help ("a*"), so it stays a whole word.
MIN_PREFIX_LENGTH = 2

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The words of a search, lowercased, deduplicated, in typing order."""

    words: tuple[str, ...]
    #: Whether the last word also matches as a prefix (typed queries: yes; "more like this": no).
    prefix_last: bool = True

    @property
    def empty(self) -> bool:
        return not self.words

    def fts5(self, *, any_word: bool = False) -> str:
        """An FTS5 MATCH expression: quoted words, the last one also as a prefix."""
        terms = [f'"{word}"' for word in self.words]
        if self._prefix():
            terms[-1] += "*"
        return (" OR " if any_word else " AND ").join(terms)

    def tsquery(self, *, any_word: bool = False) -> str:
        """A `to_tsquery` text: words (letters and digits only), the last one with `:*`."""
        terms = list(self.words)
        if self._prefix():
            terms[-1] += ":*"
        return (" | " if any_word else " & ").join(terms)

    def _prefix(self) -> bool:
        return self.prefix_last and bool(self.words) and len(self.words[-1]) >= MIN_PREFIX_LENGTH


def parse_query(text: str) -> ParsedQuery:
    """The searchable words of `text`; never raises, whatever the user typed."""
    words: list[str] = []
    for match in _WORD.finditer(text.casefold()):
        word = match.group()[:MAX_WORD_LENGTH]
        if word not in words:
            words.append(word)
        if len(words) == MAX_WORDS:
            break
    return ParsedQuery(tuple(words))


#: Words too common to say what a gig is about ("more like this" leaves them out).
_STOP_WORDS = frozenset(
    (  # noqa: SIM905 (one readable line of words)
        "a an and are as at be by for from i in is it me my of on or our the this to we with "
        "you your will can get have has any all do"
    ).split()
)


def significant_words(*texts: str, limit: int = 10) -> ParsedQuery:
    """The first distinct content words of `texts`, whole words only ("more like this")."""
    words: list[str] = []
    for match in _WORD.finditer(" ".join(texts).casefold()):
        word = match.group()[:MAX_WORD_LENGTH]
        if len(word) < 3 or word in _STOP_WORDS or word.isdigit() or word in words:
            continue
        words.append(word)
        if len(words) == limit:
            break
    return ParsedQuery(tuple(words), prefix_last=False)
