"""Helpers for after-payment service tests: delivery to review, as a `MoneyWorld` wires them."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.orders.cancellation import CancellationService
from bot.services.orders.chat import OrderChatService
from bot.services.orders.delivery import DeliveryService
from bot.services.orders.disputes import DisputeService
from bot.services.orders.reviews import ReviewService
from bot.services.orders.tips import TipService
from bot.services.ports import OrderRecord
from tests.services.money_world import MoneyWorld

TEXT_PART = {"kind": "text", "text": "Here is your logo", "file_id": "", "name": ""}
FILE_PART = {"kind": "document", "text": "", "file_id": "BQACAgfile", "name": "logo.svg"}


@dataclass
class Life:
    world: MoneyWorld
    delivery: DeliveryService
    cancels: CancellationService
    disputes: DisputeService
    reviews: ReviewService
    chat: OrderChatService
    tips: TipService

    @classmethod
    def of(cls, world: MoneyWorld) -> Life:
        of = world.services.of
        return cls(
            world,
            of(DeliveryService),
            of(CancellationService),
            of(DisputeService),
            of(ReviewService),
            of(OrderChatService),
            of(TipService),
        )

    async def paid(self, currency: str = "USD", key: str = "k1") -> OrderRecord:
        world = self.world
        gig = await world.add_gig(currency, 2000 if currency != "XTR" else 100)
        order = await world.place(gig, key)
        await world.payments.confirm_payment(world.payment(order))
        return await world.order(order.id)

    async def delivered(self, currency: str = "USD") -> OrderRecord:
        order = await self.paid(currency)
        await self.delivery.deliver(order.id, order.seller_id, [TEXT_PART, FILE_PART])
        return await self.world.order(order.id)
