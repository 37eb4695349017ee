"""Every text a user sees goes through the translation layer: no literal prose in handlers.

A literal with letters passed straight to a call that sends text to Telegram (or labels a
button) is a text that can never be translated; this test finds them by reading the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parents[2] / "bot"
FOLDERS = ("handlers", "telegram")
SENDING_CALLS = {
    "reply_text",
    "reply_html",
    "send_message",
    "edit_message_text",
    "edit_text",
    "answer",
    "Button",
    "OutgoingMessage",
}
TEXT_KEYWORDS = {"text", "caption", "error_message", "label"}


def _is_prose(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(ch.isalpha() for ch in node.value)
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and any(ch.isalpha() for ch in str(part.value))
            for part in node.values
        )
    return False


def _name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return ""


def bare_texts(source: str) -> list[int]:
    lines: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _name(node) not in SENDING_CALLS:
            continue
        candidates = list(node.args[:1]) + [
            kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS
        ]
        lines.extend(node.lineno for arg in candidates if _is_prose(arg))
    return lines


def test_the_scanner_catches_literal_prose() -> None:
    assert bare_texts('m.reply_text("Hello there")') == [1]
    assert bare_texts('Button(f"Pay {x} now", data)') == [1]
    assert bare_texts('m.reply_text(_("Hello there"))') == []
    assert bare_texts('Button("⭐" * n, data)') == []


def test_handlers_send_no_untranslated_prose() -> None:
    offenders = [
        f"{path.relative_to(BOT.parent)}:{line}"
        for folder in FOLDERS
        for path in sorted((BOT / folder).glob("*.py"))
        for line in bare_texts(path.read_text())
    ]
    assert not offenders, f"texts that bypass the translation layer: {offenders}"
