"""Property: any interleaving of ordering and money operations keeps the books right.

Each example is a fresh database and a random program of operations (place, pay, pay twice,
expire, decline, provider outage, refund sweep, webhook replay) over a few orders; after every
step `check_books` asserts that each currency sums to zero, no internal account is negative,
and each order's escrow holds exactly what its buyer paid while it is open (zero once closed,
unless its refund is still pending at the provider).
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.errors import GigBrokerError
from bot.payments.gateway import PaymentUnavailable
from bot.payments.webhooks import StripeEvent
from bot.services.money.payments import PaymentReceived
from tests.services.money_world import SELLER, MoneyWorld
from tests.stores import fresh_store

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            ["place", "pay", "repay", "expire", "decline", "outage", "sweep", "time", "webhook"]
        ),
        st.integers(0, 2),
        st.sampled_from(["USD", "XTR"]),
    ),
    min_size=1,
    max_size=14,
)


async def play(program: list[tuple[str, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with fresh_store(Path(folder)) as url:
            world = await MoneyWorld.open(url)
            gigs = {"USD": await world.add_gig("USD"), "XTR": await world.add_gig("XTR", 100)}
            orders: list[int] = []
            payments: dict[int, PaymentReceived] = {}
            try:
                for step, (op, slot, currency) in enumerate(program):
                    order_id = orders[slot % len(orders)] if orders else None
                    try:
                        if op == "place" or order_id is None:
                            orders.append((await world.place(gigs[currency], f"k{step}")).id)
                        elif op in ("pay", "repay"):
                            order = await world.order(order_id)
                            if order_id not in payments or op == "pay":
                                payments.setdefault(order_id, world.payment(order))
                            await world.payments.confirm_payment(payments[order_id])
                        elif op == "expire":
                            await world.orders.expire_unpaid()
                        elif op == "decline":
                            await world.orders.seller_decline(order_id, SELLER)
                        elif op == "outage":
                            world.gateway.fail_next(PaymentUnavailable(detail="down"), "refund")
                            world.stars.fail_next(PaymentUnavailable(detail="down"))
                        elif op == "sweep":
                            await world.refunds.refund_due()
                        elif op == "time":
                            world.clock.advance(world.settings.invoice_ttl)
                        elif op == "webhook" and order_id in payments:
                            charge = payments[order_id].provider_charge_id
                            if charge:
                                await world.webhooks.apply(
                                    StripeEvent(
                                        f"evt_{slot}",
                                        "charge.refunded",
                                        1,
                                        {
                                            "id": charge,
                                            "amount_refunded": payments[order_id].total_minor,
                                            "currency": payments[order_id].currency,
                                        },
                                    )
                                )
                    except GigBrokerError:
                        pass  # refusals are fine; the books must still be right
                    await world.check_books()
            finally:
                await world.engine.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(OPS)
def test_any_interleaving_keeps_the_ledger_balanced(program: list[tuple[str, int, str]]) -> None:
    asyncio.run(play(program))
