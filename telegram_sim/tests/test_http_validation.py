"""Requests are checked against the API table: tokens, method names, required fields, types."""

from __future__ import annotations

import aiohttp

from telegram_sim import SimServer
from telegram_sim.tests.conftest import Api


async def test_unknown_token_is_401(api: Api, sim: SimServer) -> None:
    async with api.session.get(f"{sim.base_url}123:nope/getMe") as resp:
        assert resp.status == 401
        assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_is_404(api: Api) -> None:
    assert await api.error("sendTelepathy", chat_id=1) == (404, "Not Found")


async def test_method_names_are_case_insensitive_and_get_works(api: Api, sim: SimServer) -> None:
    async with api.session.get(f"{sim.base_url}{sim.bot_token}/GETME") as resp:
        body = await resp.json()
    assert body["ok"] and body["result"]["username"] == sim.bot_username
    assert body["result"]["is_bot"] is True


async def test_missing_required_field(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await alice.send("/start")
    assert await api.error("sendMessage", chat_id=alice.id) == (
        400, "Bad Request: message text is empty")
    assert await api.error("sendMessage", text="hi") == (400, "Bad Request: chat_id is empty")
    status, desc = await api.error("getFile")
    assert status == 400 and "file_id" in desc


async def test_wrong_type_is_400(api: Api) -> None:
    status, desc = await api.error("sendMessage", chat_id=[1], text="x")
    assert status == 400 and "chat_id" in desc and "Integer or String" in desc
    status, desc = await api.error("getUpdates", limit="many")
    assert status == 400 and "limit" in desc


async def test_form_fields_are_coerced(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await alice.send("/start")
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    status, body = await api.form(
        "sendMessage", chat_id=alice.id, text="hi", disable_notification=True, reply_markup=markup
    )
    assert status == 200, body
    assert body["result"]["chat"]["id"] == alice.id
    assert body["result"]["reply_markup"] == markup
    status, body = await api.form("sendMessage", chat_id=alice.id, text="x", protect_content="no")
    assert status == 400 and "protect_content" in body["description"]


async def test_multipart_upload_and_download(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await alice.send("/start")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alice.id))
    form.add_field("document", b"%PDF-1.4 hello", filename="brief.pdf",
                   content_type="application/pdf")
    async with api.session.post(f"{sim.base_url}{sim.bot_token}/sendDocument", data=form) as r:
        body = await r.json()
    document = body["result"]["document"]
    assert document["file_name"] == "brief.pdf" and document["file_size"] == 14
    info = await api.ok("getFile", file_id=document["file_id"])
    async with api.session.get(f"{sim.base_file_url}{sim.bot_token}/{info['file_path']}") as r:
        assert await r.read() == b"%PDF-1.4 hello"
    again = await api.ok("sendDocument", chat_id=alice.id, document=document["file_id"])
    assert again["document"]["file_id"] == document["file_id"]
    status, desc = await api.error("sendPhoto", chat_id=alice.id, photo=document["file_id"])
    assert status == 400 and "Document" in desc


async def test_every_call_is_logged(api: Api, sim: SimServer) -> None:
    await api.ok("getMe")
    await api.error("sendMessage", text="x")
    assert [c.method for c in sim.calls] == ["getMe", "sendMessage"]
    assert sim.calls[0].ok and sim.calls[0].result["id"] == sim.bot_id
    assert sim.calls[1].error is not None and sim.calls[1].error.code == 400
