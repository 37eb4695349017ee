"""403s for blocked users and removed bots, group migration, and flood limits (429)."""

from __future__ import annotations

import aiohttp

from telegram_sim import FloodLimits, SimServer
from telegram_sim.tests.conftest import Api, FakeClock


async def test_blocked_user_gives_403(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    assert await api.error("sendMessage", chat_id=alice.id, text="hi") == (
        403, "Forbidden: bot can't initiate conversation with a user")
    await alice.send("/start")
    alice.block_bot()
    assert await api.error("sendMessage", chat_id=alice.id, text="hi") == (
        403, "Forbidden: bot was blocked by the user")
    alice.unblock_bot()
    await api.ok("sendMessage", chat_id=alice.id, text="hi")


async def test_removed_bot_gives_403(api: Api, sim: SimServer) -> None:
    bob = sim.user("bob")
    group = sim.group("Designers", admins=[bob])
    assert await api.error("sendMessage", chat_id=group.id, text="hi") == (
        403, "Forbidden: bot is not a member of the group chat")
    await group.add_bot(by=bob)
    await api.ok("sendMessage", chat_id=group.id, text="hi")
    await group.remove_bot(by=bob)
    assert await api.error("sendMessage", chat_id=group.id, text="hi") == (
        403, "Forbidden: bot was kicked from the group chat")
    supergroup = sim.group("Makers", admins=[bob], supergroup=True)
    await supergroup.add_bot(by=bob, as_admin=True)
    await supergroup.remove_bot(by=bob)
    assert await api.error("sendMessage", chat_id=supergroup.id, text="hi") == (
        403, "Forbidden: bot was kicked from the supergroup chat")


async def test_group_migrated_to_supergroup(api: Api, sim: SimServer) -> None:
    bob = sim.user("bob")
    group = sim.group("Designers", admins=[bob])
    await group.add_bot(by=bob)
    old_id = group.id
    await group.migrate_to_supergroup()
    status, body = await api.call("sendMessage", chat_id=old_id, text="hi")
    assert status == 400
    assert body["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
    assert body["parameters"] == {"migrate_to_chat_id": group.id}
    assert group.id != old_id and str(group.id).startswith("-100")
    sent = await api.ok("sendMessage", chat_id=group.id, text="hi")
    assert sent["chat"]["type"] == "supergroup"
    kinds = [next(k for k in u if k != "update_id") for u in sim.updates_sent]
    assert kinds[-2:] == ["message", "message"]
    assert sim.updates_sent[-2]["message"]["migrate_to_chat_id"] == group.id
    assert sim.updates_sent[-1]["message"]["migrate_from_chat_id"] == old_id


async def test_private_chat_flood_limit(clock: FakeClock) -> None:
    limits = FloodLimits(private_burst=3)
    server = SimServer(flood_limits=limits, clock=clock)
    async with server as sim, aiohttp.ClientSession() as session:
        api = Api(session, sim)
        alice = sim.user("alice")
        await alice.send("/start")
        for _ in range(3):
            await api.ok("sendMessage", chat_id=alice.id, text="x")
        status, body = await api.call("sendMessage", chat_id=alice.id, text="x")
        assert status == 429
        assert body["description"] == "Too Many Requests: retry after 1"
        assert body["parameters"] == {"retry_after": 1}
        clock.advance(1.0)
        await api.ok("sendMessage", chat_id=alice.id, text="x")


async def test_group_flood_limit_is_20_a_minute(clock: FakeClock) -> None:
    async with SimServer(clock=clock) as sim, aiohttp.ClientSession() as session:
        api = Api(session, sim)
        bob = sim.user("bob")
        group = sim.group("G", admins=[bob])
        await group.add_bot(by=bob)
        for _ in range(20):
            await api.ok("sendMessage", chat_id=group.id, text="x")
            clock.advance(0.1)  # stay under the global limit
        status, body = await api.call("sendMessage", chat_id=group.id, text="x")
        assert status == 429 and body["parameters"]["retry_after"] == 1
        clock.advance(3.0)
        await api.ok("sendMessage", chat_id=group.id, text="x")


async def test_global_flood_limit_30_a_second(clock: FakeClock) -> None:
    async with SimServer(clock=clock) as sim, aiohttp.ClientSession() as session:
        api = Api(session, sim)
        people = [sim.user(f"u{i}") for i in range(31)]
        for person in people:
            await person.send("/start")
        for person in people[:30]:
            await api.ok("sendMessage", chat_id=person.id, text="x")
        status, body = await api.call("sendMessage", chat_id=people[30].id, text="x")
        assert status == 429 and "retry_after" in body["parameters"]


async def test_flood_limits_off(api: Api, sim: SimServer) -> None:
    alice = sim.user("alice")
    await alice.send("/start")
    for _ in range(50):
        await api.ok("sendMessage", chat_id=alice.id, text="x")
    assert len(sim.messages(alice.id)) == 51
