"""getUpdates semantics, redelivery, webhook conflicts, inline queries and group membership."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram_sim import SimServer
from telegram_sim.tests.conftest import Api

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


async def test_get_updates_offset_limit_and_long_poll(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    first = await api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first] == ["one", "two"]
    assert [u["update_id"] for u in await api.ok("getUpdates")] == [1, 2, 3]  # not confirmed
    assert [u["update_id"] for u in await api.ok("getUpdates", offset=3)] == [3]
    assert await api.ok("getUpdates", offset=4) == []
    waiting = asyncio.create_task(api.ok("getUpdates", offset=4, timeout=5))
    await asyncio.sleep(0.02)
    assert not waiting.done()
    await alice.send("four")
    woken = await asyncio.wait_for(waiting, 1)
    assert [u["message"]["text"] for u in woken] == ["four"]


async def test_allowed_updates_filters_new_updates(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    await alice.send("ignored")
    assert await api.ok("getUpdates") == []


async def test_redeliver_sends_the_same_update_id(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await alice.send("pay me")
    [update] = await api.ok("getUpdates")
    assert await api.ok("getUpdates", offset=update["update_id"] + 1) == []
    await sim.redeliver(update["update_id"])
    again = await api.ok("getUpdates", offset=update["update_id"] + 1)
    assert again == [update]
    assert await api.ok("getUpdates", offset=update["update_id"] + 1) == []


async def test_get_updates_conflicts_with_webhook(api: Api, sim: SimServer) -> None:
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook", secret_token="abc_DEF-1")
    status, body = await api.call("getUpdates")
    assert (status, body["description"]) == (409, WEBHOOK_CONFLICT)
    status, desc = await api.error("setWebhook", url="http://127.0.0.1:9/x", secret_token="a b")
    assert "secret token" in desc
    info = await api.ok("getWebhookInfo")
    assert info["url"] == "http://127.0.0.1:9/hook" and info["has_custom_certificate"] is False
    alice = sim.user("alice")
    await alice.send("queued")
    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True
    assert await api.ok("getUpdates") == []


async def _answer_inline(api: Api, results: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    while True:
        updates = await api.ok("getUpdates", timeout=1)
        for update in updates:
            await api.ok("getUpdates", offset=update["update_id"] + 1)
            if "inline_query" in update:
                return await api.call(
                    "answerInlineQuery", inline_query_id=update["inline_query"]["id"],
                    results=results, next_offset="10",
                )


def article(result_id: str) -> dict[str, Any]:
    return {
        "type": "article", "id": result_id, "title": f"Gig {result_id}",
        "input_message_content": {"message_text": f"<b>Gig {result_id}</b>", "parse_mode": "HTML"},
        "reply_markup": {"inline_keyboard": [[{"text": "Open", "url": "https://t.me/b?start=g"}]]},
    }


async def test_inline_query_answer_and_choose(api: Api, sim: SimServer) -> None:
    alice, bob = sim.user("alice"), sim.user("bob")
    group = sim.group("Designers", admins=[bob], members=[alice])
    asking = asyncio.create_task(alice.inline("logo design"))
    status, body = await _answer_inline(api, [article("1"), article("2")])
    assert status == 200, body
    answer = await asking
    assert [r["id"] for r in answer.results] == ["1", "2"] and answer.next_offset == "10"
    message = await alice.choose_inline(answer.results[0], chat=group)
    assert message["text"] == "Gig 1" and message["via_bot"]["id"] == sim.bot_id
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert sim.updates_sent[-1]["chosen_inline_result"]["result_id"] == "1"


async def test_inline_results_limits(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    cases = [
        ([article(str(i)) for i in range(51)], "RESULTS_TOO_MUCH"),
        ([article("1"), article("1")], "RESULT_ID_DUPLICATE"),
        ([article("x" * 65)], "RESULT_ID_INVALID"),
        ([article("")], "RESULT_ID_INVALID"),
    ]
    for results, error in cases:
        asking = asyncio.create_task(alice.inline("q", within=0.3))
        status, body = await _answer_inline(api, results)
        assert (status, body["description"]) == (400, f"Bad Request: {error}")
        asking.cancel()
    asking = asyncio.create_task(alice.inline("q"))
    status, _ = await _answer_inline(api, [article(str(i)) for i in range(50)])
    assert status == 200 and len((await asking).results) == 50


async def test_group_membership_and_admin_checks(api: Api, sim: SimServer) -> None:
    alice, bob, carol = sim.user("alice"), sim.user("bob"), sim.user("carol")
    group = sim.group("Designers", admins=[bob, carol], members=[alice], supergroup=True)
    await group.add_bot(by=bob, as_admin=True)
    update = sim.updates_sent[-2]["my_chat_member"]
    assert update["old_chat_member"]["status"] == "left"
    assert update["new_chat_member"]["status"] == "administrator"
    assert sim.updates_sent[-1]["message"]["new_chat_members"][0]["id"] == sim.bot_id
    statuses = {
        person.id: (await api.ok("getChatMember", chat_id=group.id, user_id=person.id))["status"]
        for person in (alice, bob, carol)
    }
    assert statuses == {alice.id: "member", bob.id: "creator", carol.id: "administrator"}
    admins = await api.ok("getChatAdministrators", chat_id=group.id)
    assert {a["user"]["id"] for a in admins} == {bob.id, carol.id, sim.bot_id}
    group.set_member(alice, "kicked")
    kicked = await api.ok("getChatMember", chat_id=group.id, user_id=alice.id)
    assert kicked["status"] == "kicked" and kicked["until_date"] == 0
    chat = await api.ok("getChat", chat_id=group.id)
    assert chat["type"] == "supergroup" and chat["title"] == "Designers"


async def test_group_outputs_and_privacy_mode(api: Api, sim: SimServer) -> None:
    alice, bob = sim.user("alice"), sim.user("bob")
    group = sim.group("Designers", admins=[bob], members=[alice])
    await group.add_bot(by=bob)
    before = len(sim.updates_sent)
    await alice.send("just chatting", chat=group)
    await bob.send("/gigsettings", chat=group)
    delivered = [u["message"]["text"] for u in sim.updates_sent[before:]]
    assert delivered == ["/gigsettings"]  # privacy mode: commands only
    await api.ok("sendMessage", chat_id=group.id, text="Settings for Designers")
    assert (await group.expect("Settings")).chat_id == group.id
    await group.expect_nothing(within=0.05)
    channel = sim.channel("Gigs", admins=[bob], username="gigs_channel")
    assert await api.error("sendMessage", chat_id="@gigs_channel", text="x") == (
        403, "Forbidden: bot is not a member of the channel chat")
    await channel.add_bot(by=bob, as_admin=True)
    posted = await api.ok("sendMessage", chat_id="@gigs_channel", text="New gig")
    assert posted["sender_chat"]["id"] == channel.id and "from" not in posted
    assert (await channel.expect("New gig")).message_id == posted["message_id"]
