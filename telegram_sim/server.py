"""SimServer: a local Telegram Bot API server for tests, the demo and offline use.

Start it, point python-telegram-bot at `base_url`/`base_file_url`, and act as people through
`user()`, `group()` and `channel()`. Everything runs in the caller's event loop.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Any

from aiohttp import web

from telegram_sim.flood import Clock, FloodControl, FloodLimits
from telegram_sim.http import ApiHandlers
from telegram_sim.methods import build_registry
from telegram_sim.model import Charge, Member, Output, User
from telegram_sim.people import Channel, Group, Person
from telegram_sim.world import FIRST_USER_ID, ApiCall, Options, World

DEFAULT_BOT_ID = 7_000_000_001


class SimServer:
    """One simulated Telegram with one bot.

    Arguments: `token` (default: random for `bot_id`), `bot_username`, `bot_name`,
    `flood_limits` (Telegram's by default; `FloodLimits.off()` for fast end-to-end tests),
    `clock` (monotonic seconds for the flood buckets), `now` (unix time for `date` fields),
    `pre_checkout_timeout` (10 s as Telegram), `webhook_retry_delay`, `privacy_mode`,
    `inline_feedback`, `long_poll_cap` (cut long polls short, so a bot under test stops fast),
    `stripe_api_base` + `stripe_secret_key` (real provider charges),
    `host`, `port` (0 = a free port).
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        bot_username: str = "gig_broker_bot",
        bot_name: str = "Gig Broker",
        flood_limits: FloodLimits | None = None,
        clock: Clock = time.monotonic,
        now: Clock = time.time,
        pre_checkout_timeout: float = 10.0,
        webhook_retry_delay: float = 0.5,
        privacy_mode: bool = True,
        inline_feedback: bool = True,
        long_poll_cap: float | None = None,
        stripe_api_base: str | None = None,
        stripe_secret_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        bot_id = int(token.split(":", 1)[0]) if token else DEFAULT_BOT_ID
        self.bot_token = token or f"{bot_id}:SIM{secrets.token_urlsafe(24)}"
        self.bot_username = bot_username
        bot = User(id=bot_id, first_name=bot_name, is_bot=True, username=bot_username)
        options = Options(
            pre_checkout_timeout=pre_checkout_timeout,
            webhook_retry_delay=webhook_retry_delay,
            privacy_mode=privacy_mode,
            inline_feedback=inline_feedback,
            long_poll_cap=long_poll_cap,
            stripe_api_base=stripe_api_base,
            stripe_secret_key=stripe_secret_key,
        )
        flood = FloodControl(flood_limits or FloodLimits(), clock)
        self.world = World(bot=bot, flood=flood, options=options, now=now)
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ----- lifecycle ---------------------------------------------------------------------
    async def start(self) -> SimServer:
        """Listen on host:port (a free port when 0); sets `url`."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.add_routes(ApiHandlers(self.world, self.bot_token, build_registry()).routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        port = int(self._runner.addresses[0][1])
        self.url = f"http://{self._host}:{port}"
        return self

    async def stop(self) -> None:
        """Stop webhook delivery and the HTTP server."""
        await self.world.stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ----- where the bot connects ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        """For `ApplicationBuilder().base_url(...)`."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For `ApplicationBuilder().base_file_url(...)`."""
        return f"{self.url}/file/bot"

    @property
    def bot_id(self) -> int:
        """The bot's user id."""
        return self.world.bot.id

    # ----- people and chats --------------------------------------------------------------
    def user(
        self,
        username: str,
        first_name: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> Person:
        """Create a person (and their private chat with the bot)."""
        if any(u.username == username for u in self.world.users.values()):
            raise ValueError(f"user {username!r} exists already")
        user = User(
            id=FIRST_USER_ID + self.world.next("user", 0),
            first_name=first_name or username.title(),
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.world.add_user(user)
        return Person(self.world, user)

    def group(
        self,
        title: str,
        admins: Iterable[Person] = (),
        members: Iterable[Person] = (),
        supergroup: bool = False,
        username: str | None = None,
    ) -> Group:
        """A group (or supergroup); the first admin is its creator; the bot is not in it."""
        chat = self.world.add_chat("supergroup" if supergroup else "group", title, username)
        self._fill(chat.members, admins, members)
        return Group(self.world, chat)

    def channel(
        self, title: str, admins: Iterable[Person] = (), username: str | None = None
    ) -> Channel:
        """A channel; the first admin is its creator; the bot is not in it."""
        chat = self.world.add_chat("channel", title, username)
        self._fill(chat.members, admins, ())
        return Channel(self.world, chat)

    @staticmethod
    def _fill(
        roster: dict[int, Member], admins: Iterable[Person], members: Iterable[Person]
    ) -> None:
        for index, person in enumerate(admins):
            roster[person.id] = Member(person.user, "creator" if index == 0 else "administrator")
        for person in members:
            roster.setdefault(person.id, Member(person.user, "member"))

    # ----- inspection --------------------------------------------------------------------
    async def redeliver(self, update_id: int) -> dict[str, Any]:
        """Queue the very same update again (same update_id), as after a bot crash."""
        return await self.world.updates.redeliver(update_id)

    @property
    def updates_sent(self) -> list[dict[str, Any]]:
        """Every update ever created, in order."""
        return self.world.updates.sent

    @property
    def calls(self) -> list[ApiCall]:
        """Every Bot API call with its params and result or error."""
        return self.world.calls

    def calls_to(self, method: str) -> list[ApiCall]:
        """Calls of one method (case-insensitive)."""
        return [c for c in self.world.calls if c.method.lower() == method.lower()]

    @property
    def outputs(self) -> list[Output]:
        """Every message, edit and deletion the bot made, in order."""
        return self.world.outputs

    @property
    def charges(self) -> dict[str, Charge]:
        """Successful payments by telegram_payment_charge_id."""
        return self.world.charges

    @property
    def star_refunds(self) -> list[Charge]:
        """Charges refunded with refundStarPayment, in order."""
        return self.world.star_refunds

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The chat's current (not deleted) messages, from anyone, oldest first."""
        chat = self.world.chats.get(chat_id)
        return chat.live_messages() if chat else []
