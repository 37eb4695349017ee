"""A small world for service tests: migrated SQLite, fake clock, fake gateway and Stars.

Why one object: every service is wired by the composition root itself
(`bot.bootstrap.build_services`, given these fakes), and `check_books` asserts the ledger
invariants after each test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import Adapters, Services, build_services
from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.gig import GigDraft, GigStatus, validate_for_publish
from bot.domain.ledger import escrow_account, is_escrow, negative_internal_accounts
from bot.domain.money import Money
from bot.domain.order import CLOSED_STATUSES, OrderStatus
from bot.matching.sql_index import SqlSearchIndex
from bot.payments.fake_gateway import FakePaymentGateway
from bot.payments.stars import FakeStarsRefunder
from bot.services.money.payments import PaymentReceived, PaymentService
from bot.services.money.refunds import RefundService
from bot.services.money.stripe_webhooks import StripeWebhookService
from bot.services.orders.ordering import OrderService, PlaceOrder
from bot.services.payouts.settlement import PayoutService
from bot.services.ports import OrderRecord, TelegramIdentity, UnitOfWorkFactory
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory

SELLER, BUYER, ADMIN = 1001, 2002, 9009
WEBHOOK_SECRET = "whsec_test_secret"


def gig_draft(currency: str = "USD", price: int = 2000) -> GigDraft:
    money = {"amount_minor": price, "currency": currency}
    return GigDraft.model_validate(
        {
            "title": "I will design a modern minimalist logo",
            "category": "graphics_design",
            "tags": ["logo"],
            "description": "A clean, memorable logo for your business, with source files.",
            "packages": [
                {
                    "tier": "basic",
                    "name": "Basic",
                    "description": "One concept",
                    "price": money,
                    "delivery_days": 3,
                    "revisions": 1,
                },
                {
                    "tier": "standard",
                    "name": "Standard",
                    "description": "Three concepts",
                    "price": {"amount_minor": price * 3, "currency": currency},
                    "delivery_days": 5,
                    "revisions": 3,
                },
            ],
            "extras": [
                {
                    "title": "Express",
                    "price": {"amount_minor": price // 2, "currency": currency},
                    "extra_days": -1,
                }
            ],
            "requirements": [
                {"question": "Brand name?", "kind": "text"},
                {"question": "Style?", "kind": "choice", "choices": ["Flat", "3D"]},
                {"question": "Anything else?", "kind": "text", "required": False},
            ],
            "photos": ["AgACAgIAAx0"],
        }
    )


@dataclass
class MoneyWorld:
    engine: AsyncEngine
    settings: Settings
    clock: FakeClock = field(default_factory=FakeClock)
    gateway: FakePaymentGateway = field(default_factory=FakePaymentGateway)
    stars: FakeStarsRefunder = field(default_factory=FakeStarsRefunder)
    _charges: Any = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def open(cls, url: str) -> MoneyWorld:
        """A world on the fresh database at `url`: migrated, with the seller, buyer and operator,
        card and Stars rails and a Stripe webhook secret."""
        engine = create_engine(url)
        await upgrade(engine)
        settings = Settings(
            _env_file=None,
            database_url=url,
            admin_ids=[ADMIN],
            payment_rails=["stripe", "stars"],
            stripe_webhook_secret=WEBHOOK_SECRET,
        )
        world = cls(engine, settings)
        await world.add_users()
        return world

    def __post_init__(self) -> None:
        self.uow = SqlUnitOfWorkFactory(self.engine)
        self.rewire()

    def adapters(self, uow: UnitOfWorkFactory | None = None) -> Adapters:
        """The world's fakes as the composition root takes them (`uow` to inject faults)."""
        return Adapters(
            uow=uow or self.uow,
            clock=self.clock,
            search=SqlSearchIndex(self.engine, self.clock),
            gateway=self.gateway,
            stars_refunder=self.stars,
            stars_ledger=self.stars,
        )

    def rewire(self, **changes: Any) -> None:
        """Every service built again by the composition root, after `changes` to the settings."""
        if changes:
            self.settings = self.settings.model_copy(update=changes)
        self.services: Services = build_services(self.settings, self.adapters())
        self.refunds = self.services.of(RefundService)
        self.orders = self.services.of(OrderService)
        self.payments = self.services.of(PaymentService)
        self.payouts = self.services.of(PayoutService)
        self.webhooks = self.services.of(StripeWebhookService)

    async def add_users(self) -> None:
        async with self.uow() as uow:
            for user_id, name in ((SELLER, "Sam"), (BUYER, "Tom"), (ADMIN, "Ops")):
                await uow.users.upsert_identity(TelegramIdentity(user_id, name), self.clock.now())

    async def add_gig(self, currency: str = "USD", price: int = 2000) -> int:
        spec = validate_for_publish(gig_draft(currency, price))
        async with self.uow() as uow:
            return await uow.gigs.add(SELLER, spec, GigStatus.live, self.clock.now())

    async def place(self, gig_id: int, key: str = "k1", **changes: Any) -> OrderRecord:
        fields: dict[str, Any] = {
            "buyer_id": BUYER,
            "gig_id": gig_id,
            "tier": "basic",
            "extras": (),
            "answers": {"0": "Acme", "1": "Flat"},
            "confirm_key": key,
        }
        fields.update(changes)
        return await self.orders.place_order(PlaceOrder(**fields))

    def payment(self, order: OrderRecord, charge: str | None = None) -> PaymentReceived:
        """What Telegram's successful_payment carries for paying `order` in full (the charge is
        made at the fake Stripe, or recorded in the fake Stars account, as Telegram would)."""
        number = next(self._charges)
        telegram_charge = charge or f"tg_charge_{number}"
        provider = (
            ""
            if order.rail == "stars"
            else self.gateway.create_charge(order.total_minor, order.currency)
        )
        if order.rail == "stars":
            self.stars.record_payment(
                order.buyer_id, telegram_charge, order.total_minor, f"order:{order.id}"
            )
        return PaymentReceived(
            order_id=order.id,
            buyer_id=order.buyer_id,
            currency=order.currency,
            total_minor=order.total_minor,
            telegram_charge_id=telegram_charge,
            provider_charge_id=provider,
        )

    async def order(self, order_id: int) -> OrderRecord:
        async with self.uow(read_only=True) as uow:
            order = await uow.orders.get(order_id)
        assert order is not None
        return order

    async def escrow(self, order_id: int, currency: str = "USD") -> int:
        async with self.uow(read_only=True) as uow:
            return await uow.ledger.balance(escrow_account(order_id), currency)

    async def outbox_kinds(self) -> list[tuple[int, str]]:
        async with self.uow(read_only=True) as uow:
            due = await uow.outbox.claim_due(self.clock.now(), 1000)
        return sorted((m.chat_id, m.kind) for m in due)

    async def check_books(self) -> None:
        """The ledger invariants (docs/architecture.md), refined for refunds in flight.

        Every currency sums to zero; no internal account is negative; an open order's escrow
        is what its buyer paid; a closed order's escrow is zero unless its refund is still
        pending at the provider (cancelled, paid, refund not recorded).
        """
        async with self.uow(read_only=True) as uow:
            balances = await uow.ledger.balances()
            pending = set(await uow.orders.awaiting_refund(10_000))
            totals: dict[str, int] = {}
            for (_account, currency), amount in balances.items():
                totals[currency] = totals.get(currency, 0) + amount
            assert all(total == 0 for total in totals.values()), totals
            assert negative_internal_accounts(balances) == []
            for (account, currency), amount in balances.items():
                if not is_escrow(account):
                    continue
                order = await uow.orders.get(int(account.rsplit(":", 1)[1]))
                assert order is not None
                status = OrderStatus(order.status)
                if status in CLOSED_STATUSES:
                    assert amount == 0 or order.id in pending or order.refund_error, order
                else:
                    paid = Money(order.total_minor, order.currency).amount_minor
                    assert amount == (paid if order.paid_at else 0), order
                assert currency == order.currency
