"""The bot's Telegram side: every flow's handlers, registered in one place, and the lifecycle
hooks of the python-telegram-bot `Application` (migrate, start the outbox sender, close).

`bot.bootstrap.bootstrap()` builds the Application and calls `register_handlers`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import ModuleType

from telegram.ext import ContextTypes

import bot.handlers.discovery.browse
import bot.handlers.discovery.filters
import bot.handlers.discovery.inline
import bot.handlers.gigs.create
import bot.handlers.gigs.edit
import bot.handlers.gigs.links
import bot.handlers.gigs.manage
import bot.handlers.gigs.seller_menu
import bot.handlers.groups.chats
import bot.handlers.orders.buttons
import bot.handlers.orders.cancel
import bot.handlers.orders.delivery
import bot.handlers.orders.disputes
import bot.handlers.orders.notices
import bot.handlers.orders.ordering
import bot.handlers.orders.payments
import bot.handlers.orders.reviews
import bot.handlers.orders.tips
import bot.handlers.orders.view
import bot.handlers.payouts.settings
import bot.handlers.profile.panel
import bot.handlers.requests.offers
import bot.handlers.requests.post
import bot.handlers.requests.saved_searches
from bot import scheduler
from bot.handlers import conversation, errors, fallback, start, updates
from bot.handlers.context import AnyApplication, deps_of
from bot.payments.metered import MeteredGateway
from bot.storage.migrate import upgrade
from bot.telegram.outbox_sender import OutboxSender

log = logging.getLogger(__name__)

# One module per flow, each with `register(app)`. The order does not matter: routes are
# disjoint (button prefixes, payments by invoice kind, residual routes for what nothing else
# claims; see bot.handlers.routing), which tests/unit/test_routes.py checks, also shuffled.
HANDLER_MODULES: Sequence[ModuleType] = (
    updates,
    errors,
    start,
    bot.handlers.gigs.seller_menu,
    bot.handlers.gigs.create,
    bot.handlers.gigs.manage,
    bot.handlers.gigs.edit,
    bot.handlers.orders.ordering,
    bot.handlers.orders.tips,
    bot.handlers.orders.payments,
    bot.handlers.gigs.links,
    bot.handlers.profile.panel,
    bot.handlers.payouts.settings,
    scheduler,
    bot.handlers.groups.chats,
    bot.handlers.orders.buttons,
    bot.handlers.orders.notices,
    bot.handlers.orders.delivery,
    bot.handlers.orders.view,
    bot.handlers.orders.cancel,
    bot.handlers.orders.disputes,
    bot.handlers.orders.reviews,
    bot.handlers.discovery.browse,  # its word step is routed by conversation
    bot.handlers.discovery.filters,  # the filter panel of browse's result lists
    bot.handlers.discovery.inline,
    bot.handlers.requests.post,  # buyer requests, custom offers, followed searches
    bot.handlers.requests.offers,
    bot.handlers.requests.saved_searches,
    conversation,
    fallback,
)

OUTBOX_POLL_SECONDS = 1.0


def register_handlers(app: AnyApplication) -> None:
    for module in HANDLER_MODULES:
        module.register(app)


async def _drain_outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender = deps_of(context.application).outbox
    if sender is not None:
        await sender.drain()


async def post_init(app: AnyApplication) -> None:
    deps = deps_of(app)
    if app.bot_data["gigbroker.migrate"]:
        await upgrade(app.bot_data["gigbroker.engine"])
    deps.bot_username = deps.settings.bot_username or app.bot.username
    deps.outbox = OutboxSender(
        deps.uow,
        app.bot_data["gigbroker.notifier"],
        deps.renderers,
        deps.catalogs,
        deps.clock,
        count_error=lambda kind: deps.metrics.telegram_errors.labels(kind).inc(),
    )
    if app.job_queue is not None:
        app.job_queue.run_repeating(_drain_outbox, interval=OUTBOX_POLL_SECONDS, first=0)
    await start.publish_commands(app)


async def post_shutdown(app: AnyApplication) -> None:
    gateway = deps_of(app).gateway
    if isinstance(gateway, MeteredGateway):
        await gateway.close()
    await app.bot_data["gigbroker.engine"].dispose()
