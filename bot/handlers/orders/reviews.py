"""Reviews by buttons: tap the stars, then type a comment or skip.

The stars are kept in the conversation progress until the comment (or Skip) arrives, so the
review is stored once, whole; the service checks the window and that the author is a party.
"""

from __future__ import annotations

from telegram import Update

from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps, translator
from bot.handlers.orders.buttons import RATE, REVIEW_SKIP
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.orders.chat import OrderChatService
from bot.services.orders.reviews import ReviewService
from bot.services.ports import TelegramIdentity
from bot.services.progress import Progress, ProgressStore
from bot.telegram.messages import Button, OutgoingMessage

REVIEW_FLOW = "review"


routes = Routes()


@routes.button(RATE)
async def rate(
    order: int,
    stars: int,
    user: TelegramIdentity,
    _: Translator,
    chat: OrderChatService,
    progress: ProgressStore,
    update: Update,
    context: AnyContext,
) -> None:
    if not 1 <= stars <= 5:
        raise ValidationFailed(N_("Please rate from 1 to 5 stars."))
    await chat.view(order, user.id)  # a party
    await progress.save(user.id, Progress(REVIEW_FLOW, "comment", {"order": order, "stars": stars}))
    await acknowledge(update)
    skip = Button(_("Skip the comment"), REVIEW_SKIP.pack(order=order))
    text = _("{stars} Add a comment (type it), or skip.", stars="⭐" * stars)
    await reply(update, context, OutgoingMessage(text, ((skip,),)))


async def _finish(update: Update, context: AnyContext, user_id: int, comment: str) -> None:
    progress = await deps(context).progress.get(user_id)
    if progress is None or progress.flow != REVIEW_FLOW:
        raise ValidationFailed(N_("Tap the stars under the order first."))
    await (
        deps(context)
        .service(ReviewService)
        .leave(int(progress.data["order"]), user_id, int(progress.data["stars"]), comment)
    )
    await deps(context).progress.clear(user_id)
    _ = translator(update, context)
    await reply(update, context, OutgoingMessage(_("⭐ Thank you! Your review is published.")))


@routes.button(REVIEW_SKIP)
async def skip_comment(user: TelegramIdentity, update: Update, context: AnyContext) -> None:
    await acknowledge(update)
    await _finish(update, context, user.id, "")


@routes.step(REVIEW_FLOW)
async def comment_step(update: Update, context: AnyContext, user: TelegramIdentity) -> None:
    message = update.effective_message
    if message is None:
        return
    if not message.text:
        raise ValidationFailed(N_("Please type the comment, or tap Skip."))
    await _finish(update, context, user.id, message.text)


def register(app: AnyApplication) -> None:
    routes.register(app)
