"""Demo acts after payment: delivery, a revision, approval, both reviews and the payout.

Kept beside `bot/demo/play.py` (which lists them in `ACTS`) so the demo module stays one screen of
wiring; each act is a short scene on the people API, like the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.ledger import seller_payable
from bot.domain.money import Money
from bot.scheduler import run_sweeps
from bot.services.payouts.onboarding import ConnectOnboarding
from bot.services.ports import TelegramIdentity

if TYPE_CHECKING:
    from bot.demo.stage import Stage

#: A tiny PNG standing in for the delivered logo.
LOGO_PNG = b"\x89PNG\r\n\x1a\n" + bytes(48)


async def _order_id(stage: Stage) -> int:
    tom = stage.person("tom_buys", "Tom")
    async with stage.bot.deps.uow(read_only=True) as uow:
        orders = await uow.orders.for_party(tom.id, False, 1)
    return orders[0].id


async def _deliver(stage: Stage, note: str, with_photo: bool) -> None:
    maya = stage.person("maya_designs", "Maya")
    order_id = await _order_id(stage)
    await stage.say(maya, "/orders")
    await stage.see(maya, "My orders")
    await stage.tap(maya, "💼 As seller")
    await stage.see(maya, "Your orders")
    await stage.tap(maya, f"#{order_id}")
    await stage.see(maya, "Status:")
    await stage.tap(maya, "📦 Deliver work")
    await stage.see(maya, "Send the work")
    await stage.say(maya, note)
    await stage.see(maya, "Received 1")
    if with_photo:
        stage.out("  Maya sends the logo as a photo")
        await maya.send_photo(LOGO_PNG, caption="Northwind Coffee logo, final colours")
        await stage.see(maya, "Received 2")
    await stage.tap(maya, "✅ Deliver")
    await stage.see(maya, "Delivered.")


async def act_delivery_and_revision(stage: Stage) -> None:
    """Maya delivers in two messages; Tom asks for one change; Maya delivers again."""
    stage.scene("Maya delivers; Tom asks for a revision")
    tom = stage.person("tom_buys", "Tom")
    maya = stage.person("maya_designs", "Maya")
    await _deliver(stage, "Here is your logo: a coffee bean inside a compass.", with_photo=True)
    await stage.see(tom, "Delivery for")
    await stage.see(tom, "Delivery for")
    await stage.see(tom, "The seller delivered")
    await stage.tap(tom, "🔁 Request a revision")
    await stage.see(tom, "What should the seller change")
    await stage.say(tom, "Could the compass be a little bolder?")
    await stage.see(tom, "Revision requested")
    await stage.see(maya, "asks for a revision")
    await _deliver(stage, "Bolder compass, as asked. Files are the same as before.", False)
    await stage.see(tom, "Delivery for")
    await stage.see(tom, "The seller delivered")


async def act_approval_and_reviews(stage: Stage) -> None:
    """Tom approves: escrow goes to Maya less commission; they review each other."""
    stage.scene("Tom approves; both leave a review")
    tom = stage.person("tom_buys", "Tom")
    maya = stage.person("maya_designs", "Maya")
    await stage.tap(tom, "👍 Approve")
    await stage.see(tom, "Rate them")
    await stage.see(maya, "is complete")
    await stage.tap(tom, "⭐⭐⭐⭐⭐")
    await stage.see(tom, "Add a comment")
    await stage.say(tom, "Quick, friendly and the logo is perfect.")
    await stage.see(tom, "review is published")
    await stage.see(maya, "New review")
    await stage.tap(maya, "⭐⭐⭐⭐⭐")
    await stage.see(maya, "Add a comment")
    await stage.tap(maya, "Skip the comment")
    await stage.see(maya, "review is published")
    await stage.say(tom, f"/start gig_{stage.facts['gig_id']}")
    await stage.see(tom, "⭐ 5.0 (1 reviews)")
    await _ledger(stage)


async def act_payout(stage: Stage) -> None:
    """After the clearance period the sweep transfers Maya's earnings to her Stripe account."""
    stage.scene("After clearance, Maya is paid out")
    maya = stage.person("maya_designs", "Maya")
    deps = stage.bot.deps
    if stage.stripe is None:
        stage.out("    💸 payout: skipped, no Stripe emulator (localstripe is not installed)")
        return
    onboarding = deps.service(ConnectOnboarding)
    identity = TelegramIdentity(maya.id, "Maya", maya.user.username)
    await onboarding.onboarding_link(identity, "https://t.me/demo?start=payouts")
    status = await onboarding.status(identity)
    assert status.account_id is not None
    await stage.stripe.complete_onboarding(status.account_id)
    await onboarding.status(identity, refresh=True)
    stage.out("  Maya finishes Stripe's payout onboarding")
    stage.clock.advance(deps.settings.clearance_period)
    stage.out(f"  … {deps.settings.clearance_period.days} days of clearance pass")
    await run_sweeps(deps)
    async with deps.uow(read_only=True) as uow:
        owed = await uow.ledger.balance(seller_payable(maya.id), "USD")
        kinds = [t.kind for t in await uow.ledger.order_transactions(await _order_id(stage))]
    if "payout" not in kinds or owed != 0:
        raise AssertionError(f"the payout did not happen: {kinds}, still owed {owed}")
    stage.out("    💸 payout: transferred to Maya's Stripe account")
    await _ledger(stage)


async def _ledger(stage: Stage) -> None:
    async with stage.bot.deps.uow(read_only=True) as uow:
        balances = await uow.ledger.balances()
    for (account, currency), amount in sorted(balances.items()):
        if amount:
            stage.out(f"    📒 {account:<24} {Money(amount, currency).format():>14}")
