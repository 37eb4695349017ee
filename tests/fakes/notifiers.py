"""Notifier fakes."""

from __future__ import annotations

from telegram.error import NetworkError

from bot.telegram.messages import OutgoingMessage


class UnreachableNotifier:
    """Every send fails as if the process died or the network broke before the message left.

    Proves that committed notifications survive in the outbox and go out once the bot comes
    back with a working notifier.
    """

    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, chat_id: int, message: OutgoingMessage) -> int:
        self.attempts += 1
        raise NetworkError("simulated crash before the message left")
