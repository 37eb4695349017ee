"""Simulated people for the throughput benchmark: timed actions and whole deals.

`TimedPerson` is a simulator `Person` that records, for each action (a message, a tap, a
payment), the time until the bot's reply arrives in its chat. Its `expect` is fed by the
world's output listener, one chat's outputs at a time: the stock `expect` rescans the shared
output log for every waiting person on every output, which at 200 people costs more CPU than
the bot being measured.

A deal is one seller and one buyer: the seller creates and publishes a gig by taps, the buyer
orders and pays, the seller delivers and the buyer approves.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from telegram_sim import BotMessage, Person, SimServer, Tap
from telegram_sim.model import Output
from telegram_sim.payment_sheet import PaymentResult
from telegram_sim.people import ChatHandle, Fragment
from tests.e2e.gig_steps import publish_simple_gig

EXPECT_TIMEOUT_S = 120.0


@dataclass
class Load:
    """What all people of one run share: latencies, think time, failures."""

    think: float
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(42))

    async def pause(self) -> None:
        """A person's think time before acting: uniform in [0.5, 1.5] x `think`."""
        if self.think > 0:
            await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))


class Crowd:
    """Makes timed people and routes each bot output to the person whose chat it is in."""

    def __init__(self, sim: SimServer, load: Load) -> None:
        self.sim = sim
        self.load = load
        self.people: dict[int, TimedPerson] = {}
        sim.world.output_listeners.append(self._route)

    def person(self, username: str, first_name: str | None = None) -> TimedPerson:
        plain = self.sim.user(username, first_name=first_name)
        person = TimedPerson(self.sim, plain, self.load)
        self.people[person.id] = person
        return person

    def _route(self, output: Output) -> None:
        person = self.people.get(output.chat_id)
        if person is not None and output.kind != "delete":
            person.arrived(output)


class TimedPerson(Person):
    """A person whose actions are timed to the bot's first expected reply."""

    def __init__(self, sim: SimServer, plain: Person, load: Load) -> None:
        super().__init__(sim.world, plain.user)
        self.load = load
        self._inbox: list[Output] = []
        self._read = 0
        self._arrival = asyncio.Event()
        self._acted_at: float | None = None

    def arrived(self, output: Output) -> None:
        self._inbox.append(output)
        self._arrival.set()

    async def _act(self) -> None:
        await self.load.pause()
        self._acted_at = time.perf_counter()

    async def send(
        self, text: str, chat: ChatHandle | None = None, reply_to: BotMessage | None = None
    ) -> dict[str, Any]:
        await self._act()
        return await super().send(text, chat, reply_to)

    async def send_photo(
        self, data: bytes, caption: str | None = None, chat: ChatHandle | None = None
    ) -> dict[str, Any]:
        await self._act()
        return await super().send_photo(data, caption, chat)

    async def tap(
        self, label: str, message: BotMessage | None = None, chat: ChatHandle | None = None
    ) -> Tap:
        await self._act()
        return await super().tap(label, message, chat)

    async def pay(self, message: BotMessage | None = None) -> PaymentResult:
        await self._act()
        return await super().pay(message)

    async def expect(
        self, fragment: Fragment = "", timeout: float = EXPECT_TIMEOUT_S  # noqa: ASYNC109
    ) -> BotMessage:
        """The next output in this chat containing `fragment`; the latency is recorded once."""
        deadline = time.perf_counter() + max(timeout, EXPECT_TIMEOUT_S)
        while True:
            while self._read < len(self._inbox):
                output = self._inbox[self._read]
                self._read += 1
                message = BotMessage(output.kind, output.chat_id, output.message)
                found = (
                    fragment.search(message.text) is not None
                    if isinstance(fragment, re.Pattern)
                    else fragment in message.text
                )
                if found:
                    if self._acted_at is not None:
                        self.load.latencies.append(time.perf_counter() - self._acted_at)
                        self._acted_at = None
                    return message
            self._arrival.clear()
            left = deadline - time.perf_counter()
            if left <= 0:
                raise AssertionError(f"{self.user.username}: no {fragment!r} in time")
            try:
                await asyncio.wait_for(self._arrival.wait(), left)
            except TimeoutError:
                continue


ORDER_ID = re.compile(r"New order #(\d+)")


async def deal(seller: TimedPerson, buyer: TimedPerson, delivery: bool) -> None:
    """One whole deal, as two people would do it by taps."""
    gig_id = await publish_simple_gig(seller)
    await buyer.send("/start")
    await buyer.expect("Hi")
    await buyer.send(f"/start gig_{gig_id}")
    await buyer.expect("minimalist logo")
    await buyer.tap("Order from")
    await buyer.expect("Choose a package")
    await buyer.tap("Starter")
    await buyer.expect("Total:")
    await buyer.tap("Confirm and pay")
    await buyer.expect("minimalist logo")  # the invoice
    result = await buyer.pay()
    assert result.ok, result.error_message
    await buyer.expect("Payment received")
    notice = await seller.expect("New order")
    if not delivery:
        return
    match = ORDER_ID.search(notice.text)
    assert match is not None, notice.text
    order_id = int(match.group(1))
    await seller.send("/orders")
    await seller.expect("My orders")
    await seller.tap("As seller")
    await seller.expect("Your orders")
    await seller.tap(f"#{order_id}")
    await seller.expect(f"#{order_id}")
    await seller.tap("Deliver work")
    await seller.expect("Send the work")
    await seller.send("Here is your logo.")
    await seller.expect("Received 1")
    await seller.tap("✅ Deliver")
    await seller.expect("Delivered.")
    await buyer.expect("delivered")
    await buyer.tap("Approve")
    await buyer.expect("Rate them")
    await seller.expect("is complete")


async def run_deals(crowd: Crowd, users: int, delivery: bool, tag: str) -> None:
    """`users` people (half sellers, half buyers), every pair's deal at once."""
    pairs = [
        (crowd.person(f"{tag}s{i}", "Sam"), crowd.person(f"{tag}b{i}", "Tom"))
        for i in range(users // 2)
    ]

    async def one(seller: TimedPerson, buyer: TimedPerson) -> None:
        try:
            await deal(seller, buyer, delivery)
        except AssertionError as failure:
            crowd.load.failures.append(str(failure)[:300])

    await asyncio.gather(*(one(s, b) for s, b in pairs))


async def run_echo(crowd: Crowd, users: int, messages: int, tag: str) -> None:
    """`users` people each sending `messages` texts, waiting for each echo."""

    async def one(person: TimedPerson) -> None:
        for i in range(messages):
            text = f"{person.user.username} #{i}"
            await person.send(text)
            await person.expect(text)

    await asyncio.gather(*(one(crowd.person(f"{tag}u{i}")) for i in range(users)))
