"""Property: any interleaving of after-payment operations keeps the books right.

Each example is a fresh database and a random program over a few paid orders (card and Stars):
deliver, approve, auto-complete (time passes, the sweep runs), revision, late cancellation,
mutual cancellation, a dispute and each resolution, a tip, provider outages and the refund
sweep. After every step `check_books` asserts that each currency sums to zero, no internal
account is negative and an open order's escrow is what its buyer paid (a closed one's zero,
unless its refund is still pending at the provider, as documented). At the end the provider
is back up, the refund sweep runs, and then every closed order's escrow must be zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.order import CLOSED_STATUSES, OrderStatus
from bot.errors import GigBrokerError
from bot.payments.gateway import PaymentUnavailable
from bot.services.orders.tips import TipPaid
from tests.services.money_world import ADMIN, BUYER, SELLER, MoneyWorld
from tests.services.order_life import TEXT_PART, Life
from tests.stores import fresh_store

STEPS = [
    "deliver", "approve", "auto", "revision", "cancel_late", "mutual", "dispute",
    "release", "refund", "split", "tip", "outage", "sweep",
]  # fmt: skip

OPS = st.lists(
    st.tuples(st.sampled_from(STEPS), st.integers(0, 2), st.integers(0, 100)),
    min_size=1,
    max_size=16,
)

Step = Callable[[int, int], Awaitable[object]]


def steps(life: Life, charges: itertools.count[int]) -> dict[str, Step]:
    """Each operation on one order id, with an integer argument (a percentage, a tip)."""
    world, clock = life.world, life.world.clock

    async def auto(order_id: int, _n: int) -> None:
        clock.advance(world.settings.auto_complete_after)
        await life.delivery.auto_complete_due()

    async def cancel_late(order_id: int, _n: int) -> None:
        clock.advance(world.settings.auto_complete_after * 3)  # past any due date
        await life.cancels.buyer_cancel(order_id, BUYER, late=True)

    async def mutual(order_id: int, _n: int) -> None:
        await life.cancels.request_mutual_cancel(order_id, SELLER)
        await life.cancels.answer_mutual_cancel(order_id, BUYER, accept=True)

    async def tip(order_id: int, n: int) -> None:
        order = await world.order(order_id)
        amount = max(1, order.subtotal_minor * (n % 26) // 100)
        paid = TipPaid(order_id, BUYER, order.currency, amount, f"tg_tip_{next(charges)}", "")
        await life.tips.check(order_id, BUYER, amount)
        await life.tips.record(paid)
        await life.tips.record(paid)  # redelivered: nothing more

    async def outage(_order_id: int, _n: int) -> None:
        world.gateway.fail_next(PaymentUnavailable(detail="down"), "refund")
        world.stars.fail_next(PaymentUnavailable(detail="down"))

    async def sweep(_order_id: int, _n: int) -> None:
        await world.refunds.refund_due()

    return {
        "deliver": lambda o, _n: life.delivery.deliver(o, SELLER, [TEXT_PART]),
        "approve": lambda o, _n: life.delivery.approve(o, BUYER),
        "auto": auto,
        "revision": lambda o, _n: life.delivery.request_revision(o, BUYER, "Please change it"),
        "cancel_late": cancel_late,
        "mutual": mutual,
        "dispute": lambda o, _n: life.disputes.open_dispute(o, BUYER, "Not what we agreed"),
        "release": lambda o, _n: life.disputes.release(o, ADMIN),
        "refund": lambda o, _n: life.disputes.refund(o, ADMIN),
        "split": lambda o, n: life.disputes.split(o, ADMIN, n),
        "tip": tip,
        "outage": outage,
        "sweep": sweep,
    }


async def play(program: list[tuple[str, int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_store(Path(folder)) as url:
            world = await MoneyWorld.open(url)
            life = Life.of(world)
            try:
                orders = [
                    (await life.paid("USD", "k0")).id,
                    (await life.paid("XTR", "k1")).id,
                    (await life.paid("USD", "k2")).id,
                ]
                await world.check_books()
                operations = steps(life, itertools.count(1))
                for op, slot, n in program:
                    with contextlib.suppress(GigBrokerError):  # refusals are fine
                        await operations[op](orders[slot], n)
                    await world.check_books()
                world.gateway._failures.clear()  # the provider is up again
                world.stars.failures.clear()
                await world.refunds.refund_due()
                await world.check_books()
                for order_id in orders:
                    order = await world.order(order_id)
                    escrow = await world.escrow(order_id, order.currency)
                    if OrderStatus(order.status) in CLOSED_STATUSES:
                        assert escrow == 0, (order.status, escrow)
                    else:
                        assert escrow == order.total_minor, (order.status, escrow)
            finally:
                await world.engine.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(OPS)
def test_any_lifecycle_interleaving_keeps_the_ledger_balanced(
    program: list[tuple[str, int, int]],
) -> None:
    asyncio.run(play(program))
