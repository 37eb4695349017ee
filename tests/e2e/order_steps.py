"""Helpers for after-payment end-to-end tests: a paid order, sweeps, the books."""

from __future__ import annotations

from bot.domain.order import OrderStatus
from bot.scheduler import run_sweeps
from telegram_sim import Person
from tests.e2e.test_orders import order_until_invoice, publish_gig
from tests.harness import Harness

#: A tiny PNG and an SVG standing in for delivered work.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
SVG = b"<svg xmlns='http://www.w3.org/2000/svg'/>"


async def paid_order(harness: Harness, seller: Person, buyer: Person, currency: str = "USD") -> int:
    """From a published gig to an order in progress, paid into escrow; returns its id."""
    gig_id = await publish_gig(harness, seller, currency)
    await order_until_invoice(harness, buyer, gig_id)
    result = await buyer.pay()
    assert result.ok, result.error_message
    await buyer.expect("Payment received")
    await seller.expect("New order")
    async with harness.bot.deps.uow(read_only=True) as uow:
        orders = await uow.orders.for_party(buyer.id, False, 1)
    return orders[0].id


async def open_order(person: Person, order_id: int) -> None:
    """My orders -> the order card (by the /orders command, as a user would)."""
    await person.send("/orders")
    await person.expect("My orders")
    await person.tap("As seller" if "seller" in (person.user.username or "") else "As buyer")
    await person.expect("Your orders")
    await person.tap(f"#{order_id}")
    await person.expect(f"#{order_id}")


async def deliver(seller: Person, order_id: int, files: int = 2) -> None:
    await open_order(seller, order_id)
    await seller.tap("Deliver work")
    await seller.expect("Send the work")
    await seller.send("Here is your logo, in two formats.")
    await seller.expect("Received 1")
    if files:
        await seller.send_photo(PNG, caption="Preview")
        await seller.expect("Received 2")
    if files > 1:
        await seller.send_document(SVG, "logo.svg", mime_type="image/svg+xml")
        await seller.expect("Received 3")
    await seller.tap("✅ Deliver")
    await seller.expect("Delivered.")


async def sweep(harness: Harness) -> None:
    await run_sweeps(harness.bot.deps)


async def status(harness: Harness, order_id: int) -> OrderStatus:
    async with harness.bot.deps.uow(read_only=True) as uow:
        order = await uow.orders.get(order_id)
    assert order is not None
    return OrderStatus(order.status)
