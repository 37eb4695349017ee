"""Webhook mode end to end: Telegram (the simulator) posts updates with the secret header."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp

from bot.runner import HANDLED_UPDATES
from bot.web.server import SECRET_HEADER, TELEGRAM_PATH
from tests.harness import start_harness

SECRET = "s3cret-token_for-webhooks"


async def test_webhook_mode_handles_updates_and_refuses_a_wrong_secret(tmp_path: Path) -> None:
    sim, bot, _clock = await start_harness(
        tmp_path,
        update_mode="webhook",
        webhook_url="https://bot.example.org/telegram/webhook",
        webhook_secret_token=SECRET,
    )
    try:
        registered = sim.calls_to("setWebhook")[-1].params
        assert registered["url"] == bot.http_url + TELEGRAM_PATH
        assert registered["secret_token"] == SECRET
        assert sorted(registered["allowed_updates"]) == sorted(HANDLED_UPDATES)

        alice = sim.user("alice", first_name="Alice")
        await alice.send("/start")
        await alice.expect("Hi Alice!")

        forged = {
            "update_id": 999_999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": alice.id, "type": "private"},
                "from": alice.user.to_api(),
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with session.post(
                    bot.http_url + TELEGRAM_PATH, data=json.dumps(forged), headers=headers
                ) as response:
                    assert response.status == 401
        await alice.expect_nothing(within=0.4)
    finally:
        await bot.stop()
        await sim.stop()
