"""`/payouts` for operators: Stars owed to sellers, listed by name, settled by a tap."""

from __future__ import annotations

from pathlib import Path

from bot.domain.ledger import seller_payable
from bot.services.ports import TelegramIdentity
from tests.e2e.order_steps import deliver, paid_order
from tests.e2e.test_orders import books_balance
from tests.harness import Harness, start_harness


async def test_operator_sees_sellers_by_name_and_settles_stars(tmp_path: Path) -> None:
    sim, bot, clock = await start_harness(
        tmp_path,
        telegram_provider_token="284685063:TEST:sim",
        payment_rails=["stripe", "stars"],
        operators=["olga"],
    )
    harness = Harness(sim, bot, clock)
    try:
        olga = harness.existing("olga")
        sam = harness.user("sam_seller", first_name="Sam")
        tom = harness.user("tom", first_name="Tom")
        order_id = await paid_order(harness, sam, tom, "XTR")
        await deliver(sam, order_id, files=0)
        await tom.expect("delivered")
        await tom.tap("Approve")
        await sam.expect("is complete")
        owed = (await books_balance(harness))[(seller_payable(sam.id), "XTR")]
        assert owed > 0

        async with harness.bot.deps.uow() as uow:  # as publishing through the chat records it
            await uow.users.upsert_identity(
                TelegramIdentity(sam.id, "Sam", "sam_seller"), harness.clock.now()
            )
        await olga.send("/payouts")
        line = await olga.expect("is owed")
        assert "Sam" in line.text and "@sam_seller" in line.text
        assert f"(#{sam.id})" in line.text  # the id too, to be sure, but not alone
        settled = await (await olga.tap("Mark as settled", line)).answer()
        assert "Settlement recorded" in settled.get("text", "")
        assert (await books_balance(harness)).get((seller_payable(sam.id), "XTR"), 0) == 0
        await olga.send("/payouts")
        await olga.expect("Nothing is owed")
        await tom.send("/payouts")  # not an operator: refused, nothing listed
        refusal = await tom.expect()
        assert "is owed" not in refusal.text
    finally:
        await bot.stop()
        await sim.stop()
