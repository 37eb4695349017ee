"""User text full of markup characters, emoji and RTL script renders without a parse error,
on the preview, the published card, the deep link and the seller's panels; and the profile."""

from __future__ import annotations

from tests.e2e.gig_steps import add_package, answer_basics, finish_without_extras, open_creation
from tests.harness import Harness

TITLE = "I'll fix <b>your</b> *bugs* & _typos_ 🐛✨ שלום"
DESCRIPTION = (
    "Markup-looking text stays text: <i>not italic</i>, **not bold**, [not](a link), "
    "`code`, a & b, 1 < 2 > 0. Emoji 👩‍💻🇺🇦 and Arabic مرحبا بالعالم too. " * 12
)


async def test_markup_emoji_and_rtl_survive_every_card(harness: Harness) -> None:
    lea = harness.user("lea", first_name="Léa <&>")
    await open_creation(lea)
    await answer_basics(lea, title=TITLE, description=DESCRIPTION[:1200])
    await add_package(lea, "Basic", "Fix <3 & more", "25")
    card = await finish_without_extras(lea)
    assert TITLE in card.text and "Léa <&>" in card.text
    assert "not italic" in card.text and "<i>" in card.text  # shown literally, not parsed
    assert len(card.text.encode("utf-16-le")) // 2 <= 1024
    await lea.tap("Publish")
    live = await lea.expect("is live!")
    assert TITLE in live.text
    gig_id = int(live.text.split("start=gig_")[1].split()[0])
    await lea.expect("From")
    await lea.tap("Manage this gig")
    await lea.expect("Status")
    await lea.tap("✏️ Edit")
    edit = await lea.expect("What do you want to change")
    assert TITLE in edit.text
    await lea.tap("Basic")
    package = await lea.expect("Fix <3 & more")
    assert "Price: 25.00 USD" in package.text
    buyer = harness.user("buyer")
    await buyer.send(f"/start gig_{gig_id}")
    seen = await buyer.expect("From")
    assert TITLE in seen.text and "Léa <&>" in seen.text


async def test_profile_fields_are_checked_saved_and_shown_on_cards(harness: Harness) -> None:
    ivy = harness.user("ivy", first_name="Ivy")
    await ivy.send("/start")
    await ivy.expect("Hi")
    await ivy.tap("Sell a service")
    await ivy.expect("Create a gig")
    await ivy.tap("My profile")
    profile = await ivy.expect("My profile")
    assert "buyers see your Telegram name: Ivy" in profile.text
    await ivy.tap("✏️ Display name")
    await ivy.expect("Send the name buyers should see")
    await ivy.send("I")
    await ivy.expect("Your display name must be 2 to 40 characters long; yours has 1.")
    await ivy.send("Ivy <Studio> & Co")
    await ivy.expect("✅ Saved.")
    await ivy.tap("✏️ Time zone")
    await ivy.expect("Send your time zone")
    await ivy.send("Mars/Olympus")
    await ivy.expect("is not a time zone I know")
    await ivy.send("Europe/Berlin")
    await ivy.expect("Europe/Berlin")
    await ivy.tap("✏️ Languages")
    await ivy.expect("Send the languages")
    await ivy.send("English, Deutsch, english")
    saved = await ivy.expect("✅ Saved.")
    assert "English, Deutsch" in saved.text and "english" not in saved.text
    await ivy.tap("✏️ Short bio")
    await ivy.expect("Send a short bio")
    await ivy.tap("✖️ Cancel")
    await ivy.expect("Nothing was changed.")
    await ivy.send("a stray message")
    await ivy.expect("I was not expecting a message here")
    await ivy.tap("⬅️ Seller menu")
    await ivy.expect("Sell a service")
    await ivy.tap("Create a gig")
    await ivy.expect("What do you offer?")
    await answer_basics(ivy)
    await add_package(ivy, "Basic", "Starter", "25")
    card = await finish_without_extras(ivy)
    assert "Ivy <Studio> & Co" in card.text and "🗣 English, Deutsch" in card.text
