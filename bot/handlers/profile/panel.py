"""My profile: what buyers read about a seller on every gig card, and how to change it.

Tapping a field asks for the new value (progress flow "profile", so a restart does not lose the
question); the answer goes to `ProfileService.update`, which checks it and says what is
accepted when it is not.
"""

from __future__ import annotations

from enum import StrEnum

from telegram import Update

from bot.callbacks import action
from bot.domain.user import UserProfile
from bot.handlers.context import AnyApplication, AnyContext
from bot.handlers.gigs import seller_menu
from bot.handlers.replies import acknowledge, reply
from bot.handlers.router import Routes
from bot.i18n.catalogs import Translator
from bot.i18n.markers import N_
from bot.services.ports import TelegramIdentity
from bot.services.profile.profiles import FLOW, ProfileService
from bot.services.progress import Progress
from bot.telegram.messages import Button, OutgoingMessage, escape


class ProfileField(StrEnum):
    """What a profile button edits (or cancel); a field the bot never wrote is refused."""

    DISPLAY_NAME = "display_name"
    BIO = "bio"
    SKILLS = "skills"
    LANGUAGES = "languages"
    TIMEZONE = "timezone"
    CANCEL = "cancel"


PF = action("pf", field=ProfileField)
CANCEL = ProfileField.CANCEL

FIELDS = (
    (ProfileField.DISPLAY_NAME, N_("Display name")),
    (ProfileField.BIO, N_("Short bio")),
    (ProfileField.SKILLS, N_("Skills")),
    (ProfileField.LANGUAGES, N_("Languages")),
    (ProfileField.TIMEZONE, N_("Time zone")),
)

QUESTIONS = {
    "display_name": N_("Send the name buyers should see (2–40 characters)."),
    "bio": N_("Send a short bio: who you are and what you are good at (10–300 characters)."),
    "skills": N_("Send your skills separated by commas, like: logo design, branding, Figma."),
    "languages": N_("Send the languages you work in, separated by commas, like: English, Spanish."),
    "timezone": N_("Send your time zone, like Europe/Berlin, America/New_York or UTC+2."),
}


def profile_message(_: Translator, profile: UserProfile, note: str = "") -> OutgoingMessage:
    missing = _("not set")
    values = {
        "display_name": profile.display_name,
        "bio": profile.bio,
        "skills": profile.skills,
        "languages": profile.languages,
        "timezone": profile.timezone,
    }
    lines = [_("<b>My profile</b> (shown on your gig cards)")]
    for field, label in FIELDS:
        value = values[field]
        lines.append(f"<b>{escape(_(label))}:</b> {escape(value) if value else missing}")
    if not profile.display_name:
        lines.append(
            _(
                "Without a display name, buyers see your Telegram name: {name}.",
                name=escape(profile.public_name),
            )
        )
    text = "\n".join(lines)
    if note:
        text = note + "\n\n" + text
    buttons = [Button(_("✏️ {field}", field=_(label)), PF.pack(field=f)) for f, label in FIELDS]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return OutgoingMessage(text, buttons=(*rows, (seller_menu.back_to_menu(_),)))


routes = Routes()


@routes.button(seller_menu.SELLER, item=seller_menu.PROFILE)
async def show_profile(
    user: TelegramIdentity,
    _: Translator,
    profiles: ProfileService,
    update: Update,
    context: AnyContext,
) -> None:
    profile = await profiles.get(user)
    await acknowledge(update)
    await reply(update, context, profile_message(_, profile))


@routes.button(PF)
async def on_button(
    field: ProfileField,
    user: TelegramIdentity,
    _: Translator,
    profiles: ProfileService,
    update: Update,
    context: AnyContext,
) -> None:
    if field is ProfileField.CANCEL:
        profile = await profiles.stop_editing(user)
        await acknowledge(update)
        await reply(update, context, profile_message(_, profile, _("Nothing was changed.")))
        return
    await profiles.begin_edit(user.id, field.value)
    await acknowledge(update)
    cancel = Button(_("✖️ Cancel"), PF.pack(field=CANCEL))
    await reply(update, context, OutgoingMessage(_(QUESTIONS[field]), buttons=((cancel,),)))


@routes.step(FLOW)
async def on_message(
    progress: Progress,
    user: TelegramIdentity,
    _: Translator,
    profiles: ProfileService,
    update: Update,
    context: AnyContext,
) -> None:
    message = update.effective_message
    text = message.text if message is not None and message.text else ""
    profile = await profiles.update(user, progress.step, text)
    await reply(update, context, profile_message(_, profile, _("✅ Saved.")))


def register(app: AnyApplication) -> None:
    routes.register(app)
