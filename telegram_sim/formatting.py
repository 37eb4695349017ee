"""Telegram's text formatting: HTML and MarkdownV2 parsed into plain text plus entities.

Lengths and offsets are in UTF-16 code units, as Telegram counts them; parse errors carry
Telegram's "can't parse entities: ..." descriptions with byte offsets into the UTF-8 source.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from telegram_sim.errors import ApiError, bad_request

Entity = dict[str, Any]

MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>"
)
_ATTR_RE = re.compile(r"([a-zA-Z-]+)\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_KNOWN_NAMED = frozenset({"lt", "gt", "amp", "quot", "apos", "nbsp"})


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit for text limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Accumulates plain text and tracks the UTF-16 position for entity offsets."""

    parts: list[str] = field(default_factory=list)
    pos: int = 0
    entities: list[Entity] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += utf16_len(text)

    def close(self, start: int, kind: str, extra: dict[str, Any]) -> None:
        if self.pos > start:
            entity = {"type": kind, "offset": start, "length": self.pos - start}
            self.entities.append({**entity, **extra})

    def result(self) -> tuple[str, list[Entity]]:
        ents = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ents


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML; unknown or unbalanced tags and unescaped `<`, `>`, `&` fail."""
    out = _Builder()
    stack: list[tuple[str, int, dict[str, Any]]] = []
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "<":
            m = _TAG_RE.match(source, i)
            if m is None:
                raise _parse_error(
                    f'Unsupported start tag "" at byte offset {_byte_offset(source, i)}'
                )
            closing, name, attrs = m.group(1) == "/", m.group(2).lower(), m.group(3)
            if name not in HTML_TAGS:
                kind = "end" if closing else "start"
                raise _parse_error(
                    f'Unsupported {kind} tag "{name}" at byte offset {_byte_offset(source, i)}'
                )
            if closing:
                if not stack or stack[-1][0] != name:
                    at = _byte_offset(source, i)
                    raise _parse_error(f"Unexpected end tag at byte offset {at}")
                open_name, start, extra = stack.pop()
                _close_html(out, open_name, start, extra, stack)
            else:
                stack.append((name, out.pos, _html_attrs(name, attrs, source, i)))
            i = m.end()
        elif ch == ">":
            raise _parse_error(
                f"Character '>' is reserved and must be escaped at byte offset "
                f"{_byte_offset(source, i)}"
            )
        elif ch == "&":
            m = _ENTITY_RE.match(source, i)
            if m is None or (m.group(1)[0] != "#" and m.group(1) not in _KNOWN_NAMED):
                raise _parse_error(
                    f"Character '&' must be escaped as &amp; at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            out.add(html.unescape(m.group(0)))
            i = m.end()
        else:
            j = i
            while j < len(source) and source[j] not in "<>&":
                j += 1
            out.add(source[i:j])
            i = j
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _html_attrs(name: str, attrs: str, source: str, index: int) -> dict[str, Any]:
    values = {k.lower(): v.strip("\"'") for k, v in _ATTR_RE.findall(attrs)}
    if name == "a":
        if "href" not in values:
            return {"url": ""}
        return {"url": html.unescape(values["href"])}
    if name == "span" and values.get("class") != "tg-spoiler":
        raise _parse_error(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(source, index)}'
        )
    if name == "tg-emoji":
        return {"custom_emoji_id": values.get("emoji-id", "")}
    if name == "code" and values.get("class", "").startswith("language-"):
        return {"language": values["class"].removeprefix("language-")}
    if name == "blockquote" and "expandable" in attrs:
        return {"expandable": True}
    return {}


def _close_html(
    out: _Builder,
    name: str,
    start: int,
    extra: dict[str, Any],
    stack: list[tuple[str, int, dict[str, Any]]],
) -> None:
    kind = HTML_TAGS[name]
    if kind == "code" and "language" in extra and stack and stack[-1][0] == "pre":
        stack[-1][2]["language"] = extra["language"]
        return
    if kind == "code" and stack and stack[-1][0] == "pre":
        return
    if kind == "blockquote" and extra.pop("expandable", False):
        kind = "expandable_blockquote"
    if kind == "text_link" and not extra.get("url"):
        return
    out.close(start, kind, extra)


_MD_SIMPLE = {"*": "bold", "~": "strikethrough"}


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2; a reserved character outside markup must be escaped with `\\`."""
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (marker, utf16 start, source index)
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 1 < n:
                out.add(source[i + 1])
                i += 2
                continue
            at = _byte_offset(source, i)
            raise _parse_error(f"Character '\\' is reserved at byte offset {at}")
        if ch == "`":
            i = _md_code(source, i, out)
            continue
        if ch == ">" and (i == 0 or source[i - 1] == "\n"):
            i = _md_quote(source, i, out)
            continue
        marker = ""
        if ch in _MD_SIMPLE:
            marker = ch
        elif ch == "_":
            marker = "__" if source.startswith("__", i) else "_"
        elif ch == "|" and source.startswith("||", i):
            marker = "||"
        elif ch == "[" or (ch == "!" and source.startswith("![", i)):
            marker = ch + ("[" if ch == "!" else "")
        elif ch == "]":
            i = _md_link_end(source, i, out, stack)
            continue
        if marker:
            if marker in ("[", "![") or not any(s[0] == marker for s in stack):
                stack.append((marker, out.pos, i))
            else:
                if stack[-1][0] != marker:
                    raise _parse_error(
                        f"Can't find end of the entity starting at byte offset "
                        f"{_byte_offset(source, stack[-1][2])}"
                    )
                _, start, _ = stack.pop()
                out.close(start, _md_kind(marker), {})
            i += len(marker)
            continue
        if ch in MDV2_RESERVED:
            raise _parse_error(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(ch)
        i += 1
    if stack:
        raise _parse_error(
            f"Can't find end of the entity starting at byte offset "
            f"{_byte_offset(source, stack[-1][2])}"
        )
    return out.result()


def _md_kind(marker: str) -> str:
    return {"*": "bold", "~": "strikethrough", "_": "italic", "__": "underline", "||": "spoiler"}[
        marker
    ]


def _md_code(source: str, i: int, out: _Builder) -> int:
    """Inline `code` or a ```pre``` block; inside, only ` and \\ are escaped."""
    pre = source.startswith("```", i)
    fence = "```" if pre else "`"
    j = i + len(fence)
    language = ""
    if pre:
        newline = source.find("\n", j)
        first_line = source[j:newline] if newline >= 0 else ""
        if newline >= 0 and first_line and " " not in first_line and "`" not in first_line:
            language, j = first_line, newline + 1
    start = out.pos
    buf: list[str] = []
    while j < len(source):
        if source[j] == "\\" and j + 1 < len(source):
            buf.append(source[j + 1])
            j += 2
            continue
        if source.startswith(fence, j):
            out.add("".join(buf))
            extra = {"language": language} if language else {}
            out.close(start, "pre" if pre else "code", extra)
            return j + len(fence)
        buf.append(source[j])
        j += 1
    raise _parse_error(
        f"Can't find end of the entity starting at byte offset {_byte_offset(source, i)}"
    )


def _md_quote(source: str, i: int, out: _Builder) -> int:
    """A `>` line (and the `>` lines right after it) becomes one blockquote."""
    start = out.pos
    j = i
    while j < len(source) and source[j] == ">":
        end = source.find("\n", j)
        end = len(source) if end < 0 else end
        line_text, _ = parse_markdown_v2(source[j + 1 : end])
        out.add(line_text)
        j = end
        if j < len(source) and source.startswith("\n>", j):
            out.add("\n")
            j += 1
    out.close(start, "blockquote", {})
    return j


def _md_link_end(source: str, i: int, out: _Builder, stack: list[tuple[str, int, int]]) -> int:
    if not stack or stack[-1][0] not in ("[", "!["):
        raise _parse_error("Character ']' is reserved and must be escaped with the preceding '\\'")
    marker, start, open_at = stack.pop()
    if not source.startswith("(", i + 1):
        raise _parse_error(
            f"Can't find end of the entity starting at byte offset {_byte_offset(source, open_at)}"
        )
    j = i + 2
    url: list[str] = []
    while j < len(source) and source[j] != ")":
        if source[j] == "\\" and j + 1 < len(source):
            j += 1
        url.append(source[j])
        j += 1
    if j >= len(source):
        raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(source, i + 1)}")
    target = "".join(url)
    if marker == "![":
        emoji_id = target.split("id=", 1)[-1]
        out.close(start, "custom_emoji", {"custom_emoji_id": emoji_id})
    else:
        out.close(start, "text_link", {"url": target})
    return j + 1


def parse_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None
) -> tuple[str, list[Entity]]:
    """Apply `parse_mode` (or take explicit `entities`) the way the Bot API does."""
    mode = (parse_mode or "").lower()
    if entities and mode:
        mode = ""  # Telegram ignores parse_mode when entities are given
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown_legacy(text)
    if mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return text, list(entities or [])


def parse_markdown_legacy(source: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, [text](url); no escaping rules."""
    out = _Builder()
    i = 0
    pattern = re.compile(r"\*([^*]+)\*|_([^_]+)_|`([^`]+)`|\[([^\]]+)\]\(([^)]+)\)")
    for m in pattern.finditer(source):
        out.add(source[i : m.start()])
        start = out.pos
        if m.group(1) is not None:
            out.add(m.group(1))
            out.close(start, "bold", {})
        elif m.group(2) is not None:
            out.add(m.group(2))
            out.close(start, "italic", {})
        elif m.group(3) is not None:
            out.add(m.group(3))
            out.close(start, "code", {})
        else:
            out.add(m.group(4))
            out.close(start, "text_link", {"url": m.group(5)})
        i = m.end()
    out.add(source[i:])
    return out.result()
