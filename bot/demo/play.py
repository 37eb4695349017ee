"""`python -m bot demo`: a whole deal played by readable people on the local simulator.

The demo starts the simulator, the real bot (same code as production, SQLite in a temporary
folder) and, when it is installed, localstripe behind the Connect stand-in, so card payments,
refunds and payouts act on real Stripe objects; then it runs its acts in order. Each act is a
short scene written against the people API (`send`, `tap`, `expect`, `pay`); the transcript
shows what each person sees in their chat.
Flows add their act to `ACTS` as they are built, so the demo grows with the product.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from bot.clock import FakeClock, SystemClock
from bot.demo.local import LocalBot, local_settings, sqlite_url
from bot.demo.orders import act_approval_and_reviews, act_delivery_and_revision, act_payout
from bot.demo.reconcile import act_reconcile
from bot.demo.stage import Act, Print, Stage
from bot.domain.money import Money
from telegram_sim import BotMessage, FloodLimits, SimServer
from telegram_sim.localstripe import LocalStripe, find_localstripe
from telegram_sim.stripe_connect import StripeConnectStandIn


async def act_welcome(stage: Stage) -> None:
    stage.scene("A freelancer and a buyer open the bot")
    maya = stage.person("maya_designs", "Maya")
    tom = stage.person("tom_buys", "Tom")
    await stage.say(maya, "/start")
    await stage.see(maya, "Hi Maya!")
    await stage.say(tom, "/start")
    await stage.see(tom, "Hi Tom!")


async def act_create_gig(stage: Stage) -> None:
    """Maya turns her logo work into a live gig with two packages, by taps and short answers."""
    stage.scene("Maya creates a logo-design gig")
    maya = stage.person("maya_designs", "Maya")
    await stage.tap(maya, "💼 Sell a service")
    await stage.see(maya, "Sell a service")
    await stage.tap(maya, "➕ Create a gig")
    await stage.see(maya, "What do you offer?")
    await stage.say(maya, "I will design a minimalist logo for your brand")
    await stage.see(maya, "Choose the category")
    await stage.tap(maya, "Graphics & Design")
    await stage.see(maya, "Search tags")
    await stage.say(maya, "logo, branding, minimalist")
    await stage.see(maya, "Describe your gig")
    await stage.say(
        maya,
        "A clean, modern logo for your brand: a short brief, sketches, two concepts and the "
        "final files in every format you need.",
    )
    for tier, name, included, price, days in (
        ("Basic", "Starter", "One logo concept, PNG and SVG files", "25", "3"),
        ("Standard", "Business", "Two concepts, source files and a style sheet", "60", "5"),
    ):
        await stage.see(maya, f"{tier} package: give it a short name")
        await stage.say(maya, name)
        await stage.see(maya, f"{tier} package: what is included")
        await stage.say(maya, included)
        await stage.see(maya, f"{tier} package: the price")
        await stage.say(maya, price)
        await stage.see(maya, f"{tier} package: delivery time")
        await stage.tap(maya, days)
        await stage.see(maya, f"{tier} package: how many revisions")
        await stage.tap(maya, "2")
        await stage.see(maya, "Package saved")
        if tier == "Basic":
            await stage.tap(maya, "➕ Add the Standard package")
    await stage.tap(maya, "✅ Done with packages")
    await stage.see(maya, "Optional extras")
    await stage.tap(maya, "Skip: no extras")
    await stage.see(maya, "Questions the buyer answers")
    await stage.tap(maya, "➕ Add a question")
    await stage.see(maya, "Type the question")
    await stage.say(maya, "What is your brand name?")
    await stage.see(maya, "How should the buyer answer")
    await stage.tap(maya, "✍️ Text")
    await stage.see(maya, "Must the buyer answer")
    await stage.tap(maya, "Required")
    await stage.see(maya, "You have 1")
    await stage.tap(maya, "✅ Done with questions")
    await stage.see(maya, "photos of your work")
    stage.out("  Maya sends a photo of her portfolio")
    await maya.send_photo(DEMO_PHOTO)
    await stage.see(maya, "1 received so far")
    await stage.tap(maya, "✅ Done with photos")
    await stage.see(maya, "Preview")
    await stage.see(maya, "From")
    await stage.tap(maya, "🚀 Publish")
    live = await stage.see(maya, "is live!")
    stage.facts["gig_id"] = int(live.text.split("start=gig_")[1].split()[0])


async def act_group_broadcast(stage: Stage) -> None:
    """Bob runs a designers' group: he adds the bot, sets it up with taps and posts Maya's gig."""
    stage.scene("A group admin adds the bot and Maya's gig is posted there")
    bob = stage.person("bob_admin", "Bob")
    group = stage.sim.group("Designers Hub", admins=[bob], supergroup=True)

    async def see(fragment: str) -> BotMessage:
        message = await group.expect(fragment, timeout=10)
        text = message.text.replace("\n", "\n      ")
        buttons = f"\n      buttons: {' | '.join(message.button_texts)}" if message.buttons else ""
        stage.out(f"    🤖 → Designers Hub: {text}{buttons}")
        return message

    async def tap(label: str) -> None:
        stage.out(f"  Bob taps [{label}] in Designers Hub")
        await bob.tap(label, chat=group)

    stage.out("  Bob adds @" + stage.sim.bot_username + " to Designers Hub")
    await group.add_bot(by=bob)
    await see("Thanks for adding Gig Broker")
    await tap("⚙️ Set up")
    await see("Status: ⏸ paused")
    await tap("🏷 Categories")
    await see("Tap the categories")
    await tap("Graphics & Design")
    await see("Categories: Graphics & Design")
    await tap("⬅️ Back")
    await see("Categories: Graphics & Design")
    await tap("▶️ Start posting")
    await see("Status: ▶️ posting")
    gig_id = stage.facts["gig_id"]
    stage.out(f"  Bob ▸ /post {gig_id} (in Designers Hub)")
    await bob.send(f"/post {gig_id}", chat=group)
    post = await see("minimalist logo")
    links = [b.get("url", "") for b in post.buttons if "start=gig_" in b.get("url", "")]
    if links:  # the post's Order button: a deep link that remembers the group
        stage.facts["order_start"] = links[0].split("start=", 1)[1]


async def act_order_and_pay(stage: Stage) -> None:
    """Tom opens Maya's gig, answers her question and pays; the money waits in escrow."""
    stage.scene("Tom orders the logo and pays inside Telegram")
    tom = stage.person("tom_buys", "Tom")
    maya = stage.person("maya_designs", "Maya")
    start = stage.facts.get("order_start") or f"gig_{stage.facts['gig_id']}"
    if "order_start" in stage.facts:
        stage.out("  Tom taps [Order] under the post in Designers Hub; Telegram opens the bot")
    await stage.say(tom, f"/start {start}")
    await stage.see(tom, "minimalist logo")
    await stage.tap(tom, "Order from")
    await stage.see(tom, "Choose a package")
    await stage.tap(tom, "Business")
    await stage.see(tom, "What is your brand name?")
    await stage.say(tom, "Northwind Coffee")
    await stage.see(tom, "Total:")
    await stage.tap(tom, "Confirm and pay")
    invoice = await tom.expect("minimalist logo")
    stage.out(f"    🧾 invoice: {invoice.text.replace(chr(10), ' · ')}")
    stage.out("  Tom pays in Telegram's payment sheet")
    payment = await tom.pay()
    if not payment.ok:
        raise AssertionError(f"the payment failed: {payment.error_message}")
    await stage.see(tom, "Payment received")
    await stage.see(maya, "New order")
    await _show_escrow(stage)


async def _show_escrow(stage: Stage) -> None:
    async with stage.bot.deps.uow(read_only=True) as uow:
        balances = await uow.ledger.balances()
    for (account, currency), amount in sorted(balances.items()):
        if amount:
            stage.out(f"    📒 {account:<24} {Money(amount, currency).format():>14}")


#: A tiny PNG standing in for Maya's portfolio picture.
DEMO_PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(64)

ACTS: Sequence[Act] = (
    act_welcome,
    act_create_gig,
    act_group_broadcast,
    act_order_and_pay,
    act_delivery_and_revision,  # bot/demo/orders.py
    act_approval_and_reviews,
    act_payout,
    act_reconcile,  # bot/demo/reconcile.py
)


DEMO_STRIPE_KEY = "sk_test_gigbroker_demo"
DEMO_PROVIDER_TOKEN = "demo:stripe:provider-token"


async def _start_stripe(stack: AsyncExitStack, out: Print) -> StripeConnectStandIn | None:
    """localstripe behind the Connect stand-in, when localstripe is installed."""
    executable = find_localstripe()
    if executable is None:
        out("(localstripe is not installed: card payments run without a Stripe emulator)")
        return None
    localstripe = stack.enter_context(LocalStripe(executable, DEMO_STRIPE_KEY))
    stand_in = StripeConnectStandIn(upstream=localstripe.url, secret_key=DEMO_STRIPE_KEY)
    await stand_in.start()
    stack.push_async_callback(stand_in.stop)
    return stand_in


async def play_demo(out: Print = print, acts: Sequence[Act] = ACTS) -> int:
    """Play every act; returns the process exit code (0 when the whole deal went through)."""
    async with AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gigbroker-demo-")))
        stripe = await _start_stripe(stack, out)
        stripe_options: dict[str, Any] = {}
        bot_options: dict[str, Any] = {"telegram_provider_token": DEMO_PROVIDER_TOKEN}
        if stripe is not None:
            stripe_options = {"stripe_api_base": stripe.url, "stripe_secret_key": DEMO_STRIPE_KEY}
            bot_options |= {"stripe_secret_key": DEMO_STRIPE_KEY, "stripe_api_base": stripe.url}
        sim = SimServer(flood_limits=FloodLimits.off(), long_poll_cap=0.2, **stripe_options)
        await sim.start()
        stack.push_async_callback(sim.stop)
        clock = FakeClock(SystemClock().now())
        bot = LocalBot(local_settings(sim, sqlite_url(folder), **bot_options), clock)
        await bot.start()
        stack.push_async_callback(bot.stop)
        stage = Stage(sim, bot, clock, out, stripe=stripe)
        out(f"Gig Broker demo: @{sim.bot_username} on a local Telegram simulator at {sim.url}")
        try:
            for act in acts:
                await act(stage)
        except AssertionError as failure:
            out(f"\nThe demo stopped: {failure}")
            return 1
    out("\nThe demo completed every step.")
    return 0
