"""Long HTML is split into parts Telegram accepts, with nothing lost."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from bot.telegram.html_split import split_html
from bot.telegram.messages import escape

TAG = re.compile(r"<[^<>]*>")


def _visible(html: str) -> str:
    return TAG.sub("", html)


def _balanced(html: str) -> bool:
    stack: list[str] = []
    for tag in TAG.findall(html):
        name = tag.strip("</>").split()[0]
        if tag.startswith("</"):
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def test_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b>", 4096) == ["<b>hi</b>"]


def test_cuts_at_line_breaks_and_reopens_tags() -> None:
    text = "<b>" + "\n".join(f"line {n} " + "x" * 50 for n in range(200)) + "</b>"
    parts = split_html(text, 1000)
    assert len(parts) > 1
    assert all(len(p) <= 1000 and _balanced(p) and p.startswith("<b>") for p in parts)
    assert "".join(_visible(p) for p in parts) == _visible(text)


def test_never_cuts_an_entity() -> None:
    text = escape("a & b < c > d " * 500)
    for part in split_html(text, 100):
        assert len(part) <= 100
        assert not re.search(r"&[a-z]*$", part), part  # no dangling entity start


@given(
    st.lists(
        st.tuples(st.sampled_from(["", "b", "i", "code"]), st.text(min_size=0, max_size=300)),
        max_size=40,
    ),
    st.integers(min_value=64, max_value=700),
)
@example(  # found by hypothesis: the last part would be "<b> </b>"
    [("", "00"), ("", "0000"), ("", "0" * 34), ("b", "0" * 8), ("b", "00000 ")], 67
)
def test_any_escaped_user_text_splits_into_valid_parts(
    pieces: list[tuple[str, str]], limit: int
) -> None:
    text = "".join(f"<{t}>{escape(s)}</{t}>" if t else escape(s) for t, s in pieces)
    parts = split_html(text, limit)
    assert all(len(p) <= limit and _balanced(p) for p in parts)
    # Every character but whitespace arrives, in order: a part of whitespace alone is not sent
    # (Telegram refuses an empty message), e.g. the space of "<b>00000 </b>" cut after "00000".
    assert _printed("".join(_visible(p) for p in parts)) == _printed(_visible(text))


def _printed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_no_part_is_empty_of_visible_text() -> None:
    text = "<b>" + "<i>" * 10 + "word " * 400 + "</i>" * 10 + "</b>"
    parts = split_html(text, 120)
    assert all(_visible(p).strip() for p in parts)
