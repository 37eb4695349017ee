"""Telegram's message checks, through HTTP."""

from __future__ import annotations

import pytest

from telegram_sim import Person, SimServer
from telegram_sim.tests.conftest import Api


@pytest.fixture
async def alice(sim: SimServer) -> Person:
    person = sim.user("alice")
    await person.send("/start")
    return person


def button(**fields: object) -> dict[str, object]:
    return {"inline_keyboard": [[{"text": "B", **fields}]]}


async def test_text_length_counts_utf16_units(api: Api, alice: Person) -> None:
    await api.ok("sendMessage", chat_id=alice.id, text="a" * 4096)
    # 2048 emoji are 4096 UTF-16 units: accepted; one more is too long.
    await api.ok("sendMessage", chat_id=alice.id, text="😀" * 2048)
    assert await api.error("sendMessage", chat_id=alice.id, text="😀" * 2048 + "a") == (
        400, "Bad Request: message is too long")
    assert await api.error("sendMessage", chat_id=alice.id, text="   ") == (
        400, "Bad Request: message text is empty")


async def test_text_limit_applies_after_entity_parsing(api: Api, alice: Person) -> None:
    text = "<b>" + "a" * 4096 + "</b>"
    result = await api.ok("sendMessage", chat_id=alice.id, text=text, parse_mode="HTML")
    assert result["entities"] == [{"type": "bold", "offset": 0, "length": 4096}]
    status, _ = await api.error("sendMessage", chat_id=alice.id, text="<b></b>", parse_mode="HTML")
    assert status == 400


async def test_caption_limit(api: Api, sim: SimServer, alice: Person) -> None:
    photo = (await alice.send_photo(b"\x89PNG fake"))["photo"][-1]["file_id"]
    await api.ok("sendPhoto", chat_id=alice.id, photo=photo, caption="c" * 1024)
    assert await api.error("sendPhoto", chat_id=alice.id, photo=photo, caption="c" * 1025) == (
        400, "Bad Request: message caption is too long")


async def test_callback_data_is_1_to_64_bytes(api: Api, alice: Person) -> None:
    markup = button(callback_data="é" * 32)
    await api.ok("sendMessage", chat_id=alice.id, text="x", reply_markup=markup)
    for data in ("", "é" * 32 + "a"):
        assert await api.error(
            "sendMessage", chat_id=alice.id, text="x", reply_markup=button(callback_data=data)
        ) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_inline_button_needs_exactly_one_action(api: Api, alice: Person) -> None:
    status, desc = await api.error("sendMessage", chat_id=alice.id, text="x", reply_markup=button())
    assert (status, desc) == (400, "Bad Request: text buttons are unallowed in the inline keyboard")
    status, desc = await api.error(
        "sendMessage", chat_id=alice.id, text="x",
        reply_markup=button(callback_data="a", url="https://example.com"),
    )
    assert status == 400 and "exactly one" in desc


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<marquee>x</marquee>", 'Unsupported start tag "marquee"'),
        ("<b>x</i>", "Unexpected end tag"),
        ("1 < 2", "Unsupported start tag"),
        ("a > b", "Character '>' is reserved"),
        ("fish & chips", "Character '&'"),
    ],
)
async def test_html_parse_errors(api: Api, alice: Person, text: str, fragment: str) -> None:
    status, desc = await api.error("sendMessage", chat_id=alice.id, text=text, parse_mode="HTML")
    assert status == 400
    assert desc.startswith("Bad Request: can't parse entities: ") and fragment in desc


async def test_html_escapes_and_links_are_accepted(api: Api, alice: Person) -> None:
    result = await api.ok(
        "sendMessage", chat_id=alice.id, parse_mode="HTML",
        text='1 &lt; 2 &amp;&gt; <a href="https://x.io/?a=1&amp;b=2">link</a> <i>😀x</i>',
    )
    assert result["text"] == "1 < 2 &> link 😀x"
    assert result["entities"][0] == {
        "type": "text_link", "offset": 9, "length": 4, "url": "https://x.io/?a=1&b=2"}
    assert result["entities"][1] == {"type": "italic", "offset": 14, "length": 3}


@pytest.mark.parametrize("char", list("_*[]()~`>#+-=|{}.!"))
async def test_markdown_v2_reserved_characters_must_be_escaped(
    api: Api, alice: Person, char: str
) -> None:
    ok = await api.ok("sendMessage", chat_id=alice.id, text=f"a\\{char}b", parse_mode="MarkdownV2")
    assert ok["text"] == f"a{char}b"
    if char in "_*~`[":
        return  # these open markup; unclosed markup is tested separately
    status, desc = await api.error(
        "sendMessage", chat_id=alice.id, text=f"a {char} b", parse_mode="MarkdownV2"
    )
    assert status == 400 and "can't parse entities" in desc


async def test_markdown_v2_markup_and_unclosed_entity(api: Api, alice: Person) -> None:
    result = await api.ok(
        "sendMessage", chat_id=alice.id, parse_mode="MarkdownV2",
        text="*bold* _it_ [site](https://a.b/c\\)) `x.y`",
    )
    assert result["text"] == "bold it site x.y"
    kinds = [(e["type"], e["offset"], e["length"]) for e in result["entities"]]
    assert kinds == [("bold", 0, 4), ("italic", 5, 2), ("text_link", 8, 4), ("code", 13, 3)]
    assert result["entities"][2]["url"] == "https://a.b/c)"
    status, desc = await api.error(
        "sendMessage", chat_id=alice.id, text="*never closed", parse_mode="MarkdownV2"
    )
    assert status == 400 and "Can't find end of the entity" in desc


async def test_edit_not_modified_and_not_found(api: Api, alice: Person) -> None:
    markup = button(callback_data="a")
    sent = await api.ok("sendMessage", chat_id=alice.id, text="v1", reply_markup=markup)
    mid = sent["message_id"]
    status, desc = await api.error(
        "editMessageText", chat_id=alice.id, message_id=mid, text="v1", reply_markup=markup
    )
    assert status == 400 and desc == (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"
    )
    edited = await api.ok("editMessageText", chat_id=alice.id, message_id=mid, text="v2")
    assert edited["text"] == "v2" and "reply_markup" not in edited and "edit_date" in edited
    status, desc = await api.error("editMessageReplyMarkup", chat_id=alice.id, message_id=mid)
    assert "not modified" in desc
    assert await api.error("editMessageText", chat_id=alice.id, message_id=999, text="x") == (
        400, "Bad Request: message to edit not found")
    assert await api.ok("deleteMessage", chat_id=alice.id, message_id=mid) is True
    assert await api.error("editMessageText", chat_id=alice.id, message_id=mid, text="x") == (
        400, "Bad Request: message to edit not found")
    assert await api.error("deleteMessage", chat_id=alice.id, message_id=mid) == (
        400, "Bad Request: message to delete not found")


async def test_message_ids_increase_per_chat(api: Api, sim: SimServer, alice: Person) -> None:
    bob = sim.user("bob")
    await bob.send("/start")
    a1 = await api.ok("sendMessage", chat_id=alice.id, text="1")
    a2 = await api.ok("sendMessage", chat_id=alice.id, text="2")
    b1 = await api.ok("sendMessage", chat_id=bob.id, text="1")
    assert a2["message_id"] == a1["message_id"] + 1
    assert b1["message_id"] == 2  # bob's /start was 1
    assert a1["from"]["id"] == sim.bot_id and a1["chat"]["type"] == "private"


async def test_copy_message(api: Api, sim: SimServer, alice: Person) -> None:
    bob = sim.user("bob")
    await bob.send("/start")
    original = await alice.send("my brief")
    copied = await api.ok(
        "copyMessage", chat_id=bob.id, from_chat_id=alice.id, message_id=original["message_id"]
    )
    assert sim.messages(bob.id)[-1]["text"] == "my brief"
    assert copied == {"message_id": sim.messages(bob.id)[-1]["message_id"]}


async def test_reply_to_missing_message(api: Api, alice: Person) -> None:
    _, desc = await api.error(
        "sendMessage", chat_id=alice.id, text="x", reply_parameters={"message_id": 77}
    )
    assert desc == "Bad Request: message to be replied not found"
