"""Telegram and Stripe errors are counted for /metrics where they happen."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from telegram.error import Forbidden

from bot.i18n.catalogs import Catalogs
from bot.payments.fake_gateway import FakePaymentGateway
from bot.payments.gateway import PaymentDeclined
from bot.payments.metered import MeteredGateway
from bot.services.ports import NewNotification
from bot.storage.db import create_engine
from bot.storage.migrate import upgrade
from bot.storage.uow import SqlUnitOfWorkFactory
from bot.telegram.messages import OutgoingMessage
from bot.telegram.notifier import Notifier
from bot.telegram.outbox_sender import OutboxSender, RendererRegistry
from tests.fakes.notifiers import UnreachableNotifier

NOW = datetime(2026, 6, 1, tzinfo=UTC)


class _FixedClock:
    def now(self) -> datetime:
        return NOW


class BlockedNotifier:
    """Telegram answers 403: the user blocked the bot."""

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        raise Forbidden("Forbidden: bot was blocked by the user")


async def test_the_gateway_counts_provider_errors_and_passes_them_on() -> None:
    counted: Counter[str] = Counter()
    fake = FakePaymentGateway()
    gateway = MeteredGateway(fake, lambda kind: counted.update([kind]))
    charge = fake.create_charge(1000, "USD")
    await gateway.refund(charge, 400, "USD", "key-1")
    assert not counted
    fake.fail_next(PaymentDeclined(detail="no"), "refund")
    with pytest.raises(PaymentDeclined):
        await gateway.refund(charge, 400, "USD", "key-2")
    assert counted == Counter({"PaymentDeclined": 1})


@pytest.mark.parametrize(
    ("notifier", "kind"),
    [(BlockedNotifier(), "Forbidden"), (UnreachableNotifier(), "NetworkError")],
)
async def test_the_outbox_counts_telegram_errors(
    sqlite_url: str, notifier: Notifier, kind: str
) -> None:
    engine = create_engine(sqlite_url)
    await upgrade(engine)
    uow = SqlUnitOfWorkFactory(engine)
    async with uow() as unit:
        await unit.outbox.add(NewNotification(7, "hello"), NOW)
    renderers = RendererRegistry()
    renderers.register("hello", lambda _, __: OutgoingMessage("Hello"))
    counted: Counter[str] = Counter()
    sender = OutboxSender(
        uow,
        notifier,
        renderers,
        Catalogs.load(),
        _FixedClock(),
        count_error=lambda k: counted.update([k]),
    )
    try:
        assert await sender.drain() == 1
    finally:
        await engine.dispose()
    assert counted == Counter({kind: 1})
