"""The gig card: escaping, the caption limit as Telegram counts it, and edit rules."""

from __future__ import annotations

import html
import re

import pytest

from bot.domain.gig import Category, GigSpec, GigStatus, Package, PackageTier
from bot.domain.limits import DEFAULT_LIMITS
from bot.domain.money import Money
from bot.domain.profile import validate_list, validate_timezone
from bot.domain.user import UserProfile
from bot.errors import ValidationFailed
from bot.i18n.catalogs import Translator
from bot.services.gigs.catalog import GigCard, apply_edit, draft_from_spec
from bot.telegram.cards import deep_link, gig_card, visible_length
from bot.telegram.messages import MAX_CAPTION

_ = Translator("en")


def _spec(title: str = "A title that is long enough", description: str = "d" * 60) -> GigSpec:
    packages = tuple(
        Package(
            tier=tier,
            name=f"{tier.value} pack",
            description="what is included",
            price=Money(price, "USD"),
            delivery_days=3,
            revisions=None if tier is PackageTier.premium else 2,
        )
        for tier, price in zip(PackageTier, (2500, 5000, 9000), strict=True)
    )
    return GigSpec(
        title=title,
        category=Category.data,
        tags=("data",),
        description=description,
        packages=packages,
        photos=("photo-1",),
    )


def _card(spec: GigSpec, name: str = "Maya") -> GigCard:
    return GigCard(7, GigStatus.live, spec, UserProfile(1, name, languages="English"))


@pytest.mark.parametrize(
    "description",
    ["&<>" * 400, "👩‍💻🇺🇦" * 200, "plain words " * 100, "ש" * 1200],
)
def test_the_caption_fits_telegrams_limit_whatever_the_text(description: str) -> None:
    message = gig_card(_, _card(_spec(description=description[:1200])))
    assert len(message.text) <= MAX_CAPTION
    assert visible_length(message.text) <= MAX_CAPTION
    assert message.photo == "photo-1"
    # cutting never splits an HTML escape: every & starts a whole entity
    assert not re.search(r"&(?!(amp|lt|gt);)", message.text)


def test_user_text_is_escaped_and_shown_literally() -> None:
    title = "I'll fix <b>bugs</b> & *stars* _underscores_ 🐛"
    text = gig_card(_, _card(_spec(title=title), name="<Léa>")).text
    assert html.escape(title, quote=False) in text
    assert "&lt;Léa&gt;" in text and "<b>bugs</b>" not in text
    assert "From <b>25.00 USD</b>" in text and "New seller" in text
    assert "Basic 25.00 USD · Standard 50.00 USD · Premium 90.00 USD" in text


def test_visible_length_counts_utf16_units_of_the_parsed_text() -> None:
    assert visible_length("<b>a&amp;b</b>") == 3
    assert visible_length("😀") == 2


def test_deep_link_shape() -> None:
    assert deep_link("gig_broker_bot", 12) == "https://t.me/gig_broker_bot?start=gig_12"


def test_an_edit_keeps_the_publishing_rules() -> None:
    spec = _spec()
    edited = apply_edit(spec, "pkg_price", "30", PackageTier.standard, DEFAULT_LIMITS)
    standard = edited.package(PackageTier.standard)
    assert standard is not None and standard.price == Money(3000, "USD")
    assert edited.packages[0] == spec.packages[0] and edited.title == spec.title
    with pytest.raises(ValidationFailed, match="cannot cost less"):
        apply_edit(spec, "pkg_price", "10", PackageTier.standard, DEFAULT_LIMITS)
    with pytest.raises(ValidationFailed, match="title must be"):
        apply_edit(spec, "title", "short", None, DEFAULT_LIMITS)
    assert draft_from_spec(spec).packages[2].unlimited_revisions


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("utc+2", "UTC+2"),
        ("UTC-5:30", "UTC-5:30"),
        ("gmt", "UTC"),
    ],
)
def test_time_zones_are_normalised(typed: str, stored: str) -> None:
    assert validate_timezone(typed) == stored


@pytest.mark.parametrize("typed", ["Mars/Olympus", "UTC+25", "", "Berlin"])
def test_unknown_time_zones_are_refused_with_examples(typed: str) -> None:
    with pytest.raises(ValidationFailed, match="Europe/Berlin"):
        validate_timezone(typed)


def test_lists_drop_repeats_and_refuse_long_items() -> None:
    assert validate_list("English, english , Deutsch,", "languages") == "English, Deutsch"
    with pytest.raises(ValidationFailed):
        validate_list("x" * 31, "skills")
    with pytest.raises(ValidationFailed):
        validate_list(" , ", "skills")
