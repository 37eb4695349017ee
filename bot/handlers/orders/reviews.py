"""Reviews by buttons: tap the stars, then type a comment or skip.

The stars are kept in the conversation progress until the comment (or Skip) arrives, so the
review is stored once, whole; the service checks the window and that the author is a party.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.errors import ValidationFailed
from bot.handlers.context import AnyApplication, AnyContext, deps, deps_of, translator
from bot.handlers.orders.buttons import RATE, REVIEW_SKIP
from bot.handlers.orders.delivery import tapped
from bot.handlers.replies import acknowledge, reply
from bot.i18n.markers import N_
from bot.services.orders.chat import OrderChatService
from bot.services.orders.reviews import ReviewService
from bot.services.progress import Progress
from bot.telegram.messages import Button, OutgoingMessage

REVIEW_FLOW = "review"


async def rate(update: Update, context: AnyContext) -> None:
    user_id, data = tapped(update, RATE)
    if not 1 <= data["stars"] <= 5:
        raise ValidationFailed(N_("Please rate from 1 to 5 stars."))
    await deps(context).service(OrderChatService).view(data["order"], user_id)  # a party
    await deps(context).progress.save(
        user_id, Progress(REVIEW_FLOW, "comment", {"order": data["order"], "stars": data["stars"]})
    )
    _ = translator(update, context)
    await acknowledge(update)
    skip = Button(_("Skip the comment"), REVIEW_SKIP.pack(order=data["order"]))
    text = _("{stars} Add a comment (type it), or skip.", stars="⭐" * data["stars"])
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


async def skip_comment(update: Update, context: AnyContext) -> None:
    user_id, _data = tapped(update, REVIEW_SKIP)
    await acknowledge(update)
    await _finish(update, context, user_id, "")


async def comment_step(update: Update, context: AnyContext, progress: Progress) -> None:
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if not message.text:
        raise ValidationFailed(N_("Please type the comment, or tap Skip."))
    await _finish(update, context, user.id, message.text)


def register(app: AnyApplication) -> None:
    deps_of(app).steps[REVIEW_FLOW] = comment_step
    app.add_handler(CallbackQueryHandler(rate, pattern=RATE.pattern))
    app.add_handler(CallbackQueryHandler(skip_comment, pattern=REVIEW_SKIP.pattern))
