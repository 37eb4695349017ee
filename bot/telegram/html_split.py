"""Splitting Telegram HTML into messages that fit, without breaking the markup.

Telegram refuses a text over 4096 characters (a caption over 1024), and a cut inside a tag or
an entity such as `&amp;` makes the rest unparsable. `split_html` cuts only between tokens or
inside plain text (preferring a line break, then a space), closes the tags still open at a cut
and opens them again at the start of the next part, so every part is valid on its own and
nothing the user wrote is lost.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|[^<&]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][\w-]*)")
_TAG_ANYWHERE = re.compile(r"<[^<>]*>")
MIN_LIMIT = 64


def _tag(token: str) -> tuple[bool, str] | None:
    """(closing?, name) for a tag token, None for text and entities."""
    if not token.startswith("<") or len(token) < 3:
        return None
    match = _TAG.match(token)
    return (match.group(1) == "/", match.group(2).lower()) if match else None


def _cut(text: str, room: int) -> int:
    """Where to cut `text` so its head fits `room`: a line break, a space, else anywhere."""
    window = text[:room]
    for separator in ("\n", " "):
        position = window.rfind(separator)
        if position > room // 3:
            return position + 1
    return room


class _Parts:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.current: list[str] = []
        self.length = 0
        self.open_tags: list[tuple[str, str]] = []  # (name, the opening tag as written)

    @property
    def closing(self) -> int:
        return sum(len(name) + 3 for name, _ in self.open_tags)

    def room(self) -> int:
        return self.limit - self.length - self.closing

    def add(self, token: str) -> None:
        self.current.append(token)
        self.length += len(token)

    def flush(self) -> None:
        closing = "".join(f"</{name}>" for name, _ in reversed(self.open_tags))
        part = "".join(self.current) + closing
        if _TAG_ANYWHERE.sub("", part).strip():  # a part of tags alone is an empty message
            self.parts.append(part)
        reopening = [tag for _, tag in self.open_tags]
        self.current = list(reopening)
        self.length = sum(len(tag) for tag in reopening)


def split_html(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters each (the whole text as one part when it fits)."""
    if len(text) <= limit:
        return [text]
    if limit < MIN_LIMIT:
        raise ValueError(f"limit {limit} is too small to split HTML safely")
    state = _Parts(limit)
    for token in _TOKEN.findall(text):
        tag = _tag(token)
        if tag is None and not token.startswith("&"):
            rest = token
            while rest:
                if state.room() <= 0:
                    state.flush()
                if len(rest) <= state.room():
                    state.add(rest)
                    break
                cut = _cut(rest, state.room())
                state.add(rest[:cut])
                state.flush()
                rest = rest[cut:]
            continue
        closing, name = tag if tag else (False, "")
        extra = 0 if tag is None or closing else len(name) + 3
        if len(token) + extra > state.room():
            state.flush()
        state.add(token)
        if tag is not None and not closing and not token.endswith("/>"):
            state.open_tags.append((name, token))
        elif tag is not None and closing:
            for index in range(len(state.open_tags) - 1, -1, -1):
                if state.open_tags[index][0] == name:
                    del state.open_tags[index]
                    break
    state.flush()
    return state.parts
