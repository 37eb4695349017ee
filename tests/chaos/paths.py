"""The money paths the suite breaks, as services wired on a `MoneyWorld` with flaky edges.

Each path has three steps: `setup` brings a fresh order to where the path starts (nothing is
broken there), `act` is the step under test (broken at one point), `follow` is what happens
next in production: the same update delivered again or the user's second tap (`retry`), then
every money sweep of the scheduler (expiry, auto-complete, mutual cancel, refund_due,
pay_due), with the clock moved on so that whatever became due is due.

`act` of an update-driven path assumes the update IS delivered again here; whether the bot's
update layer really gets it delivered again is what the end-to-end payment faults
(`tests/chaos/payments_e2e.py`) and the kill suite check.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.bootstrap import config_of
from bot.domain.money import Money
from bot.errors import Conflict, GigBrokerError
from bot.payments.gateway import PaymentUnavailable
from bot.payments.webhooks import sign_stripe_payload
from bot.services.money.payments import PaymentConfig, PaymentReceived, PaymentService
from bot.services.money.refunds import RefundService
from bot.services.orders.cancellation import CancellationConfig, CancellationService
from bot.services.orders.delivery import DeliveryConfig, DeliveryService
from bot.services.orders.disputes import DisputeConfig, DisputeService
from bot.services.orders.ordering import OrderConfig, OrderService
from bot.services.orders.tips import TipConfig, TipPaid, TipService
from bot.services.payouts.settlement import PayoutConfig, PayoutService
from bot.services.ports import OrderRecord
from tests.chaos.books import ProviderCharge, ProviderRecord
from tests.chaos.faults import FlakyGateway, FlakyStars, Injector, StarsLedger
from tests.services.money_world import ADMIN, BUYER, SELLER, WEBHOOK_SECRET, MoneyWorld
from tests.services.order_life import FILE_PART, TEXT_PART

log = logging.getLogger(__name__)

REASON = "The logo does not match the brief at all."


class ChaosWorld:
    """A `MoneyWorld` whose services reach the gateway and Stars through the injector."""

    def __init__(self, world: MoneyWorld) -> None:
        self.world = world
        self.clock = world.clock
        self.injector = Injector()
        self.injector.attach(world.engine)
        self.telegram = StarsLedger()
        self.gateway = FlakyGateway(world.gateway, self.injector)
        self.provider = ProviderRecord(gateway=world.gateway, stars=self.telegram)
        settings, uow, clock = world.settings, world.uow, world.clock
        self.refunds = RefundService(
            uow, clock, self.gateway, FlakyStars(self.injector, self.telegram), settings.admin_ids
        )
        self.orders = OrderService(uow, clock, config_of(OrderConfig, settings), self.refunds)
        self.payments = PaymentService(
            uow, clock, config_of(PaymentConfig, settings), self.refunds
        )
        self.payouts = PayoutService(uow, clock, config_of(PayoutConfig, settings), self.gateway)
        self.delivery = DeliveryService(uow, clock, config_of(DeliveryConfig, settings))
        self.cancels = CancellationService(
            uow, clock, config_of(CancellationConfig, settings), self.refunds
        )
        self.disputes = DisputeService(uow, clock, config_of(DisputeConfig, settings), self.refunds)
        self.tips = TipService(uow, clock, config_of(TipConfig, settings))
        self._gigs: dict[str, int] = {}
        self._keys = itertools.count(1)
        self._onboarded = False

    # -- getting an order to where a path starts ------------------------------------------------

    async def new_order(self, currency: str = "USD") -> OrderRecord:
        if currency not in self._gigs:
            self._gigs[currency] = await self.world.add_gig(
                currency, 2000 if currency != "XTR" else 100
            )
        return await self.world.place(self._gigs[currency], f"chaos-{next(self._keys)}")

    def charge(self, order: OrderRecord) -> PaymentReceived:
        """The buyer pays `order`: the provider now holds the charge, whatever the bot does."""
        paid = self.world.payment(order)
        self.provider.charges.append(
            ProviderCharge(
                paid.telegram_charge_id, paid.provider_charge_id, order.id,
                paid.total_minor, paid.currency,
            )
        )  # fmt: skip
        return paid

    def tip_charge(self, order: OrderRecord, amount_minor: int) -> TipPaid:
        number = next(self._keys)
        provider = (
            "" if order.currency == "XTR"
            else self.world.gateway.create_charge(amount_minor, order.currency)
        )  # fmt: skip
        paid = TipPaid(
            order.id, order.buyer_id, order.currency, amount_minor, f"tg_tip_{number}", provider
        )
        self.provider.charges.append(
            ProviderCharge(
                paid.telegram_charge_id, provider, order.id, amount_minor, order.currency, "tip"
            )
        )
        return paid

    async def paid(self, currency: str = "USD") -> OrderRecord:
        order = await self.new_order(currency)
        await self.payments.confirm_payment(self.charge(order))
        return await self.world.order(order.id)

    async def delivered(self, currency: str = "USD") -> OrderRecord:
        order = await self.paid(currency)
        await self.delivery.deliver(order.id, SELLER, [TEXT_PART, FILE_PART])
        return await self.world.order(order.id)

    async def completed(self, currency: str = "USD") -> OrderRecord:
        order = await self.delivered(currency)
        await self.delivery.approve(order.id, BUYER)
        return await self.world.order(order.id)

    async def disputed(self, currency: str = "USD") -> OrderRecord:
        order = await self.paid(currency)
        await self.disputes.open_dispute(order.id, BUYER, REASON)
        return await self.world.order(order.id)

    async def onboard(self) -> None:
        if self._onboarded:
            return
        gateway = self.world.gateway
        account = await gateway.create_connected_account(SELLER, "US", None, "chaos-acct")
        gateway.complete_onboarding(account)
        async with self.world.uow() as uow:
            await uow.users.update_profile(
                SELLER, self.clock.now(), stripe_account_id=account, payouts_enabled=True
            )
        self._onboarded = True

    async def stripe_event(self, event_type: str, data_object: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"evt_chaos_{next(self._keys)}",
            "type": event_type,
            "created": int(self.clock.now().timestamp()),
            "data": {"object": data_object},
        }

    async def deliver_webhook(self, event: dict[str, Any]) -> int:
        """POST the event as Stripe does (signed now; Stripe signs each retry afresh)."""
        body = json.dumps(event).encode()
        now = int(self.clock.now().timestamp())
        signature = sign_stripe_payload(body, WEBHOOK_SECRET, now)
        return await self.world.webhooks.handle(body, signature, now=now)

    async def settle_all(self) -> Money:
        """The operator settles the seller's Stars balance by hand, as listed in /payouts."""
        owed = [o for o in await self.payouts.owed(ADMIN) if o.seller_id == SELLER]
        amounts = [o.amount for o in owed if o.amount.currency == "XTR"]
        if not amounts:
            raise Conflict()  # settled already: what a second tap is told
        return await self.payouts.settle(ADMIN, SELLER, amounts[0])

    # -- what follows a fault ----------------------------------------------------------------------

    async def sweeps(self) -> None:
        """Every money sweep once, as the scheduler runs them (a failing one is logged)."""
        for run in (
            self.orders.expire_unpaid,
            self.delivery.auto_complete_due,
            self.cancels.mutual_cancel_due,
            self.refunds.refund_due,
            self.payouts.pay_due,
        ):
            try:
                await run()
            except Exception:
                log.exception("sweep failed during the follow-up")


Step = Callable[[ChaosWorld, Any], Awaitable[object]]


@dataclass(frozen=True)
class MoneyPath:
    name: str
    setup: Callable[[ChaosWorld], Awaitable[Any]]
    act: Step
    #: Whether the act is repeated after the fault (a redelivered update, a second tap).
    retry: bool = True
    #: How far the clock moves before the sweeps that follow.
    later: timedelta = timedelta(days=8)

    async def follow(self, chaos: ChaosWorld, context: Any) -> None:
        if self.retry:
            # already done, or refused as the state moved on: both are answers
            with contextlib.suppress(GigBrokerError):
                await self.act(chaos, context)
        chaos.clock.advance(self.later)
        await chaos.sweeps()
        await chaos.sweeps()  # what the first round made due (a refund after an expiry, ...)


async def _payment_setup(chaos: ChaosWorld, currency: str) -> PaymentReceived:
    return chaos.charge(await chaos.new_order(currency))


async def _late_setup(chaos: ChaosWorld) -> PaymentReceived:
    order = await chaos.new_order("USD")
    chaos.clock.advance(chaos.world.settings.invoice_ttl + timedelta(minutes=1))
    await chaos.orders.expire_unpaid()
    return chaos.charge(order)


async def _pending_refund(chaos: ChaosWorld) -> OrderRecord:
    """A declined card order whose refund the provider could not make yet."""
    order = await chaos.paid("USD")
    chaos.world.gateway.fail_next(PaymentUnavailable(detail="setup: 503"), "refund")
    await chaos.orders.seller_decline(order.id, SELLER)
    return order


async def _due_for_auto_complete(chaos: ChaosWorld) -> OrderRecord:
    order = await chaos.delivered("USD")
    chaos.clock.advance(chaos.world.settings.auto_complete_after + timedelta(minutes=1))
    return order


async def _due_for_payout(chaos: ChaosWorld) -> OrderRecord:
    await chaos.onboard()
    order = await chaos.completed("USD")
    chaos.clock.advance(chaos.world.settings.clearance_period + timedelta(minutes=1))
    return order


async def _tip_setup(chaos: ChaosWorld, currency: str) -> TipPaid:
    order = await chaos.completed(currency)
    return chaos.tip_charge(order, 500 if currency != "XTR" else 25)


async def _refunded_at_stripe(chaos: ChaosWorld, part: int | None) -> dict[str, Any]:
    """A declined card order whose refund our call could not make, refunded by an operator in
    Stripe's dashboard instead (whole, or `part` of it): Stripe then sends charge.refunded."""
    order = await _pending_refund(chaos)
    charge = str(order.provider_charge_id)
    amount = part or order.total_minor
    refund = await chaos.world.gateway.refund(charge, amount, "USD", f"dashboard-{order.id}")
    # The charge lists its refunds as Stripe's API versions before 2022-11-15 do; later ones
    # leave them out, and the booking then names no refund (reconcile reports it, once: see
    # docs/money-reconcile.md).
    listed = {"data": [{"id": refund.refund_id, "amount": amount, "created": 1}]}
    return await chaos.stripe_event(
        "charge.refunded",
        {"id": charge, "amount": order.total_minor, "amount_refunded": amount,
         "refunded": True, "refunds": listed},
    )  # fmt: skip


async def _second_charge(chaos: ChaosWorld) -> PaymentReceived:
    """The buyer pays an order that is already paid (a second invoice tapped): a second charge."""
    return chaos.charge(await chaos.paid("USD"))


async def _stars_owed(chaos: ChaosWorld) -> OrderRecord:
    return await chaos.completed("XTR")


PATHS: tuple[MoneyPath, ...] = (
    MoneyPath(
        "payment card",
        lambda c: _payment_setup(c, "USD"),
        lambda c, paid: c.payments.confirm_payment(paid),
    ),
    MoneyPath(
        "payment stars",
        lambda c: _payment_setup(c, "XTR"),
        lambda c, paid: c.payments.confirm_payment(paid),
    ),
    MoneyPath("late payment card", _late_setup, lambda c, paid: c.payments.confirm_payment(paid)),
    MoneyPath(
        "approval", lambda c: c.delivered("USD"), lambda c, o: c.delivery.approve(o.id, BUYER)
    ),
    MoneyPath(
        "auto-complete",
        _due_for_auto_complete,
        lambda c, _o: c.delivery.auto_complete_due(),
        retry=False,
    ),
    MoneyPath(
        "decline + refund card",
        lambda c: c.paid("USD"),
        lambda c, o: c.orders.seller_decline(o.id, SELLER),
    ),
    MoneyPath(
        "decline + refund stars",
        lambda c: c.paid("XTR"),
        lambda c, o: c.orders.seller_decline(o.id, SELLER),
    ),
    MoneyPath(
        "refund sweep card", _pending_refund, lambda c, _o: c.refunds.refund_due(), retry=False
    ),
    MoneyPath(
        "dispute refund card",
        lambda c: c.disputed("USD"),
        lambda c, o: c.disputes.refund(o.id, ADMIN),
    ),
    MoneyPath(
        "dispute refund stars",
        lambda c: c.disputed("XTR"),
        lambda c, o: c.disputes.refund(o.id, ADMIN),
    ),
    MoneyPath(
        "dispute split card",
        lambda c: c.disputed("USD"),
        lambda c, o: c.disputes.split(o.id, ADMIN, 40),
    ),
    MoneyPath(
        "dispute release card",
        lambda c: c.disputed("USD"),
        lambda c, o: c.disputes.release(o.id, ADMIN),
    ),
    MoneyPath("tip card", lambda c: _tip_setup(c, "USD"), lambda c, tip: c.tips.record(tip)),
    MoneyPath("tip stars", lambda c: _tip_setup(c, "XTR"), lambda c, tip: c.tips.record(tip)),
    MoneyPath("payout", _due_for_payout, lambda c, _o: c.payouts.pay_due(), retry=False),
    MoneyPath("settle stars by hand", _stars_owed, lambda c, _o: c.settle_all()),
    MoneyPath(
        "buyer cancel + refund card",
        lambda c: c.paid("USD"),
        lambda c, o: c.cancels.buyer_cancel(o.id, BUYER, late=False),
    ),
    MoneyPath(
        "stripe charge.refunded",
        lambda c: _refunded_at_stripe(c, None),
        lambda c, event: c.deliver_webhook(event),
    ),
    MoneyPath(
        "stripe charge.refunded partial",
        lambda c: _refunded_at_stripe(c, 100),
        lambda c, event: c.deliver_webhook(event),
    ),
    MoneyPath(
        "second charge card",
        _second_charge,
        lambda c, paid: c.payments.confirm_payment(paid),
    ),
)
