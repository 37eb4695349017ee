"""/start, /help, /cancel and the main menu: the first thing every user sees."""

from __future__ import annotations

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import filters

from bot.callbacks import action
from bot.handlers.context import AnyApplication, AnyContext, Deps, deps_of
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.progress import ProgressStore
from bot.telegram.messages import Button, OutgoingMessage, escape

MENU = action("menu", item=str)
SELL, FIND, HELP = "sell", "find", "help"
REQUEST = "request"  # a buyer request

COMMANDS = (
    ("start", N_("Main menu")),
    ("help", N_("How Gig Broker works")),
    ("cancel", N_("Stop what you are doing")),
    ("orders", N_("My orders")),
)


def main_menu(_: Translator, first_name: str) -> OutgoingMessage:
    text = _(
        "Hi {name}! 👋\n"
        "Gig Broker is a marketplace for small jobs, right here in Telegram.\n"
        "Freelancers offer gigs with clear packages and prices; buyers order and pay in chat.\n"
        "Your money is held safely until you approve the work.",
        name=f"<b>{escape(first_name)}</b>",
    )
    return OutgoingMessage(
        text,
        buttons=(
            (
                Button(_("💼 Sell a service"), MENU.pack(item=SELL)),
                Button(_("🔎 Find a service"), MENU.pack(item=FIND)),
            ),
            (
                Button(_("📝 Post a request"), MENU.pack(item=REQUEST)),
                Button(_("❓ How it works"), MENU.pack(item=HELP)),
            ),
        ),
    )


def help_text(_: Translator) -> str:
    return _(
        "<b>How Gig Broker works</b>\n"
        "1. A freelancer publishes a gig with up to three packages.\n"
        "2. You pick a package, answer a few questions and pay in Telegram.\n"
        "3. The money waits in escrow while the freelancer works.\n"
        "4. You approve the delivery (or ask for a revision) and the freelancer is paid.\n\n"
        "/start opens the menu, /cancel stops what you are doing."
    )


async def _send(update: Update, message: OutgoingMessage) -> None:
    if update.effective_message is None:
        return
    await update.effective_message.reply_html(message.text, reply_markup=message.markup())


routes = Routes()
_PRIVATE = filters.ChatType.PRIVATE


@routes.command("start", _PRIVATE)
async def start(_: Translator, dependencies: Deps, update: Update, context: AnyContext) -> None:
    """Greets the user; `start=<prefix>_<rest>` deep links go to the flow that owns the prefix."""
    payload = context.args[0] if context.args else ""
    prefix, _sep, rest = payload.partition("_")
    handler = dependencies.deep_links.get(prefix)
    if handler is not None:
        await handler(update, context, rest)
        return
    user = update.effective_user
    await _send(update, main_menu(_, user.first_name if user else ""))


@routes.command("help", _PRIVATE)
async def help_command(_: Translator, update: Update) -> None:
    if update.effective_message:
        await update.effective_message.reply_html(help_text(_))


@routes.command("cancel", _PRIVATE)
async def cancel(_: Translator, store: ProgressStore, update: Update) -> None:
    if update.effective_user is not None:
        await store.clear(update.effective_user.id)
    if update.effective_message:
        await update.effective_message.reply_html(
            _("Stopped. Nothing was saved from the unfinished step. /start opens the menu.")
        )


@routes.button(MENU, item=HELP)
async def menu_help(_: Translator, update: Update, context: AnyContext) -> None:
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id, help_text(_), parse_mode=ParseMode.HTML
        )


async def publish_commands(app: AnyApplication) -> None:
    """The command menu in every language we have a catalog for."""
    catalogs = deps_of(app).catalogs
    for language in catalogs.languages:
        _ = catalogs.for_language(language)
        commands = [BotCommand(name, _(description)) for name, description in COMMANDS]
        await app.bot.set_my_commands(
            commands, language_code=None if language == "en" else language
        )


def register(app: AnyApplication) -> None:
    routes.register(app)
