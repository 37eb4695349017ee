"""A real python-telegram-bot Application against the simulator, driven by the people API."""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from telegram_sim import SimServer
from telegram_sim.localstripe import free_port

Ctx = ContextTypes.DEFAULT_TYPE


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + \
        chunk(b"IEND", b"")


async def start(update: Update, context: Ctx) -> None:
    assert update.effective_message is not None
    arg = context.args[0] if context.args else "none"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Create a gig", callback_data="new")]])
    await update.effective_message.reply_text(f"Welcome! deep link: {arg}", reply_markup=keyboard)


async def on_button(update: Update, context: Ctx) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Creating…")
    await query.edit_message_text("Your gig is live")


async def buy(update: Update, context: Ctx) -> None:
    assert update.effective_chat is not None
    await context.bot.send_invoice(
        update.effective_chat.id, "Logo design", "A logo in 3 days", "order-1",
        "USD", [LabeledPrice("Logo", 2500)], provider_token="stripe_test",
    )


async def precheckout(update: Update, context: Ctx) -> None:
    assert update.pre_checkout_query is not None
    await update.pre_checkout_query.answer(ok=True)


async def paid(update: Update, context: Ctx) -> None:
    assert update.message is not None and update.message.successful_payment is not None
    payment = update.message.successful_payment
    await update.message.reply_text(f"Paid {payment.total_amount} for {payment.invoice_payload}")


async def photo(update: Update, context: Ctx) -> None:
    assert update.message is not None
    size = update.message.photo[-1]
    data = await (await size.get_file()).download_as_bytearray()
    await update.message.reply_text(f"photo {size.width}x{size.height} {len(data)} bytes")


async def echo(update: Update, context: Ctx) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def build_app(sim: SimServer) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(sim.bot_token)
        .base_url(sim.base_url)
        .base_file_url(sim.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("buy", buy))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(PreCheckoutQueryHandler(precheckout))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, paid))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
async def polling_bot(sim: SimServer) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = build_app(sim)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield app
        await app.updater.stop()
        await app.stop()


async def test_send_tap_expect(sim: SimServer, polling_bot: Application) -> None:  # type: ignore[type-arg]
    alice = sim.user("alice", first_name="Alice")
    await alice.send("/start gig_12")
    welcome = await alice.expect("Welcome!", timeout=3)
    assert "deep link: gig_12" in welcome.text
    assert welcome.button_texts == ["Create a gig"]
    tap = await alice.tap("Create")
    assert (await tap.answer())["text"] == "Creating…"
    edited = await alice.expect("Your gig is live")
    assert edited.kind == "edit" and edited.message_id == welcome.message_id
    await alice.send("hello there")
    assert (await alice.expect("hello there")).raw["from"]["id"] == sim.bot_id
    await alice.expect_nothing(within=0.1)


async def test_tap_lists_buttons_when_none_matches(
    sim: SimServer, polling_bot: Application  # type: ignore[type-arg]
) -> None:
    alice = sim.user("alice")
    await alice.send("/start")
    await alice.expect("Welcome")
    with pytest.raises(AssertionError, match="Create a gig"):
        await alice.tap("Delete everything")


async def test_expect_timeout_shows_what_was_sent(
    sim: SimServer, polling_bot: Application  # type: ignore[type-arg]
) -> None:
    alice = sim.user("alice")
    await alice.send("ping")
    with pytest.raises(AssertionError, match="'ping'"):
        await alice.expect("pong", timeout=0.3)


async def test_pay_invoice(sim: SimServer, polling_bot: Application) -> None:  # type: ignore[type-arg]
    alice = sim.user("alice")
    await alice.send("/buy")
    invoice = await alice.expect("Logo design")
    assert invoice.raw["invoice"]["total_amount"] == 2500
    result = await alice.pay()
    assert result.ok, result.error_message
    assert result.provider_payment_charge_id and result.provider_payment_charge_id.startswith("ch_")
    await alice.expect("Paid 2500 for order-1")
    assert result.telegram_payment_charge_id in sim.charges


async def test_photo_upload_and_download(
    sim: SimServer, polling_bot: Application  # type: ignore[type-arg]
) -> None:
    alice = sim.user("alice")
    png = tiny_png(3, 2)
    await alice.send_photo(png, caption="my logo")
    reply = await alice.expect("photo 3x2")
    assert f"{len(png)} bytes" in reply.text


async def test_webhook_mode_with_secret(sim: SimServer) -> None:
    app = build_app(sim)
    port = free_port()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret",
            webhook_url=f"http://127.0.0.1:{port}/hook",
        )
        try:
            info = await app.bot.get_webhook_info()
            assert info.url.endswith("/hook")
            alice = sim.user("alice")
            await alice.send("via webhook")
            assert (await alice.expect("via webhook", timeout=3)).raw["from"]["is_bot"]
        finally:
            await app.updater.stop()
            await app.stop()


async def test_webhook_with_wrong_secret_is_retried_not_lost(sim: SimServer) -> None:
    app = build_app(sim)
    port = free_port()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", secret_token="right",
            webhook_url=f"http://127.0.0.1:{port}/hook",
        )
        try:
            await app.bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="wrong")
            alice = sim.user("alice")
            await alice.send("are you there")
            await asyncio.sleep(0.2)
            info = await app.bot.get_webhook_info()
            assert info.pending_update_count == 1
            assert info.last_error_message and "403" in info.last_error_message
            await app.bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="right")
            await alice.expect("are you there", timeout=3)
        finally:
            await app.updater.stop()
            await app.stop()
