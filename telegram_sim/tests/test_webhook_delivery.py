"""Webhook delivery as Telegram does it: parallel POSTs up to max_connections, one chat at a
time and in order, failed deliveries retried, pending_update_count counting what is unconfirmed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from telegram_sim import SimServer
from telegram_sim.localstripe import free_port
from telegram_sim.tests.conftest import Api

Responder = Callable[[dict[str, object]], Awaitable[int]]


@dataclass
class Receiver:
    """A webhook endpoint that records what arrives and how many POSTs overlap."""

    respond: Responder
    url: str = ""
    in_flight: int = 0
    most_in_flight: int = 0
    chats_in_flight: set[int] = field(default_factory=set)
    overlaps_in_a_chat: int = 0
    confirmed: dict[int, list[str]] = field(default_factory=dict)  # chat -> texts, in order
    attempts: list[int] = field(default_factory=list)  # update_ids, every POST

    async def _hook(self, request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        message = update["message"]
        chat = int(message["chat"]["id"])
        self.attempts.append(update["update_id"])
        if chat in self.chats_in_flight:
            self.overlaps_in_a_chat += 1
        self.chats_in_flight.add(chat)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            status = await self.respond(update)
        finally:
            self.in_flight -= 1
            self.chats_in_flight.discard(chat)
        if status == 200:
            self.confirmed.setdefault(chat, []).append(message["text"])
        return web.Response(status=status)


@pytest.fixture
async def receiver_factory() -> AsyncIterator[Callable[[Responder], Awaitable[Receiver]]]:
    runners: list[web.AppRunner] = []

    async def make(respond: Responder) -> Receiver:
        receiver = Receiver(respond)
        app = web.Application()
        app.router.add_post("/hook", receiver._hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        runners.append(runner)
        receiver.url = f"http://127.0.0.1:{port}/hook"
        return receiver

    yield make
    for runner in runners:
        await runner.cleanup()


async def slow_ok(_: dict[str, object]) -> int:
    await asyncio.sleep(0.1)
    return 200


async def until_empty(api: Api, within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while (await api.ok("getWebhookInfo"))["pending_update_count"]:
        assert asyncio.get_running_loop().time() < deadline, "updates still pending"
        await asyncio.sleep(0.02)


async def test_parallel_posts_bounded_by_max_connections(
    sim: SimServer, api: Api, receiver_factory: Callable[[Responder], Awaitable[Receiver]]
) -> None:
    receiver = await receiver_factory(slow_ok)
    await api.ok("setWebhook", url=receiver.url, max_connections=4)
    people = [sim.user(f"user{i}") for i in range(12)]
    for person in people:
        await person.send("hello")
    await asyncio.sleep(0.05)
    assert (await api.ok("getWebhookInfo"))["pending_update_count"] == 12  # in flight counts
    await until_empty(api)
    assert receiver.most_in_flight == 4
    assert sum(len(texts) for texts in receiver.confirmed.values()) == 12


async def test_default_max_connections_lets_all_chats_go_at_once(
    sim: SimServer, api: Api, receiver_factory: Callable[[Responder], Awaitable[Receiver]]
) -> None:
    receiver = await receiver_factory(slow_ok)
    await api.ok("setWebhook", url=receiver.url)
    assert (await api.ok("getWebhookInfo"))["max_connections"] == 40
    for i in range(10):
        await sim.user(f"user{i}").send("hello")
    await until_empty(api)
    assert receiver.most_in_flight == 10


async def test_one_chat_at_a_time_and_in_order(
    sim: SimServer, api: Api, receiver_factory: Callable[[Responder], Awaitable[Receiver]]
) -> None:
    async def jittery(update: dict[str, object]) -> int:
        await asyncio.sleep(0.005 * (int(str(update["update_id"])) % 7))
        return 200

    receiver = await receiver_factory(jittery)
    await api.ok("setWebhook", url=receiver.url, max_connections=40)
    people = [sim.user(f"user{i}") for i in range(5)]
    for n in range(8):
        for person in people:
            await person.send(f"#{n}")
    await until_empty(api)
    assert receiver.overlaps_in_a_chat == 0
    assert 1 < receiver.most_in_flight <= 5  # parallel across chats, never within one
    for person in people:
        assert receiver.confirmed[person.id] == [f"#{n}" for n in range(8)]


async def test_failed_delivery_retried_and_nothing_overtakes_it(
    sim: SimServer, api: Api, receiver_factory: Callable[[Responder], Awaitable[Receiver]]
) -> None:
    failures = {"left": 3}

    async def flaky(update: dict[str, object]) -> int:
        message = update["message"]
        assert isinstance(message, dict)
        if message["text"] == "first" and failures["left"]:
            failures["left"] -= 1
            return 500
        return 200

    receiver = await receiver_factory(flaky)
    await api.ok("setWebhook", url=receiver.url)
    alice, bob = sim.user("alice"), sim.user("bob")
    await alice.send("first")
    await alice.send("second")
    await bob.send("independent")
    await asyncio.sleep(0.02)
    info = await api.ok("getWebhookInfo")
    assert info["pending_update_count"] == 2  # bob's went through; alice's two wait
    assert "500" in info["last_error_message"]
    await until_empty(api)
    assert receiver.confirmed[alice.id] == ["first", "second"]
    assert receiver.confirmed[bob.id] == ["independent"]
    first_id = sim.updates_sent[0]["update_id"]
    assert receiver.attempts.count(first_id) == 4  # three failures, then confirmed
