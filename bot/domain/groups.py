"""Group and channel subscriptions: which gigs a chat wants, when, and how many a day.

Pure rules, no I/O. A chat's `ChatRules` are what its admins chose in the settings; `matches`
decides whether a gig belongs in that chat, `local_day` and `digest_due` place "today" and
"the digest time" in the chat's own time zone (a daily limit that reset at UTC midnight would
reset mid-afternoon for a chat in Los Angeles), `group_referral` builds the ledger transaction
of the group admins' cut of a completed order (its amount is `bot.domain.pricing`'s), and
`referral_payout` the one that pays that balance out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.domain.gig import Category
from bot.domain.ledger import PLATFORM_FEES, Entry, LedgerTransaction, is_external
from bot.domain.money import Money
from bot.domain.timezones import resolve_zone
from bot.errors import ValidationFailed
from bot.i18n.markers import N_

MAX_POSTS_PER_DAY = 50
DEFAULT_POSTS_PER_DAY = 10
DEFAULT_DIGEST_HOUR = 18
DEFAULT_TIMEZONE = "UTC"
#: Languages a chat can ask for (ISO 639-1); a seller's profile lists theirs as free text.
LANGUAGES: tuple[str, ...] = ("en", "es", "de", "fr", "pt", "ru", "it", "uk")
#: Price bounds offered as buttons, in major units of the marketplace currency.
PRICE_STEPS: tuple[int, ...] = (0, 10, 25, 50, 100, 250, 500, 1000)


class PostingMode(StrEnum):
    instant = "instant"  # each new matching gig is posted when it is published
    digest = "digest"  # one post a day, at the chosen hour, listing the day's matching gigs


class ChatStatus(StrEnum):
    active = "active"  # posts arrive
    paused = "paused"  # an admin sent /pause: nothing is posted until they resume
    removed = "removed"  # the bot was removed or Telegram answered 403: nothing is posted


class PostKind(StrEnum):
    instant = "instant"
    digest = "digest"
    manual = "manual"  # an admin's /post
    promotion = "promotion"  # a freelancer asked for it


class PostState(StrEnum):
    queued = "queued"  # in the outbox, not sent yet
    sent = "sent"  # Telegram has it; message_id is known
    skipped = "skipped"  # the gig went away before the post was sent
    failed = "failed"  # Telegram refused it for good (for example the bot was removed)


@dataclass(frozen=True, slots=True)
class ChatRules:
    """What a chat's admins chose. Empty `categories`/`languages` mean "any"."""

    categories: frozenset[Category] = frozenset()
    languages: frozenset[str] = frozenset()
    price_min_minor: int | None = None
    price_max_minor: int | None = None
    mode: PostingMode = PostingMode.instant
    digest_hour: int = DEFAULT_DIGEST_HOUR
    timezone: str = DEFAULT_TIMEZONE
    max_posts_per_day: int = DEFAULT_POSTS_PER_DAY
    allow_promotions: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.digest_hour <= 23:
            raise ValidationFailed(N_("The digest hour must be from 0 to 23."), field="hour")
        if not 1 <= self.max_posts_per_day <= MAX_POSTS_PER_DAY:
            raise ValidationFailed(
                N_("The daily maximum must be from 1 to {most} posts."),
                field="max_posts",
                most=MAX_POSTS_PER_DAY,
            )
        lo, hi = self.price_min_minor, self.price_max_minor
        if (lo is not None and lo < 0) or (lo is not None and hi is not None and lo > hi):
            raise ValidationFailed(N_("The lowest price must not be above the highest."))
        zone(self.timezone)

    def changed(self, **values: object) -> ChatRules:
        """A copy with some settings changed, checked again."""
        return replace(self, **values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class GigFacts:
    """What matching needs to know about a gig (no Telegram, no storage)."""

    category: Category
    starting_price: Money
    seller_languages: frozenset[str] = field(default_factory=frozenset)


def zone(name: str) -> tzinfo:
    """The time zone (IANA name or UTC offset), or a message naming an example that works."""
    resolved = resolve_zone(name)
    if resolved is None:
        raise ValidationFailed(
            N_("{name} is not a time zone I know. Use a name such as Europe/Berlin or UTC."),
            field="timezone",
            name=name,
        )
    return resolved


def languages_of(text: str | None) -> frozenset[str]:
    """Language codes found in a seller's free-text languages ("English, de, Español")."""
    if not text:
        return frozenset()
    names = {
        "english": "en", "spanish": "es", "español": "es", "german": "de", "deutsch": "de",
        "french": "fr", "français": "fr", "portuguese": "pt", "português": "pt",
        "russian": "ru", "русский": "ru", "italian": "it", "italiano": "it",
        "ukrainian": "uk", "українська": "uk",
    }  # fmt: skip
    found: set[str] = set()
    for raw in text.replace(";", ",").replace("/", ",").split(","):
        word = raw.strip().lower()
        code = names.get(word, word)
        if code in LANGUAGES:
            found.add(code)
    return frozenset(found)


def matches(rules: ChatRules, gig: GigFacts, currency: str) -> bool:
    """Whether a gig belongs in a chat with these rules.

    The price range is in the marketplace `currency`; a gig priced in another currency only
    passes a chat that set no range (there is no exchange rate in the domain).
    """
    if rules.categories and gig.category not in rules.categories:
        return False
    if rules.languages and not (rules.languages & gig.seller_languages):
        return False
    if rules.price_min_minor is None and rules.price_max_minor is None:
        return True
    price = gig.starting_price
    if price.currency != currency:
        return False
    if rules.price_min_minor is not None and price.amount_minor < rules.price_min_minor:
        return False
    return rules.price_max_minor is None or price.amount_minor <= rules.price_max_minor


def local_day(now: datetime, timezone: str) -> date:
    """The calendar day in the chat's time zone (the daily limit counts per local day)."""
    return now.astimezone(zone(timezone)).date()


def digest_due(now: datetime, timezone: str, hour: int, last_digest_day: date | None) -> bool:
    """Whether today's digest is due: the local hour has come and none was posted today."""
    local = now.astimezone(zone(timezone))
    return local.hour >= hour and last_digest_day != local.date()


def next_digest_at(now: datetime, timezone: str, hour: int) -> datetime:
    """When the next digest goes out (for the settings text), as an aware datetime."""
    tz = zone(timezone)
    local = now.astimezone(tz)
    candidate = datetime.combine(local.date(), time(hour), tz)
    return candidate if candidate > local else candidate + timedelta(days=1)


def posts_left(rules: ChatRules, posted_today: int) -> int:
    return max(0, rules.max_posts_per_day - posted_today)


def referral_account(chat_id: int) -> str:
    """Where a group's admins' referral shares are credited."""
    return f"group:{chat_id}:referral"


def group_referral(order_id: int, source_chat_id: int, share: Money) -> LedgerTransaction | None:
    """The group admins' share of a completed order that came from their chat's post.

    `share` is decided by `bot.domain.pricing` (the order's frozen referral rate of its
    subtotal, out of the platform's fee); it moves from the platform's fees into
    `group:<chat>:referral`, under a key that makes it once per order. None when it is 0.
    """
    if not share.is_positive():
        return None
    return LedgerTransaction(
        key=f"order:{order_id}:group_referral",
        kind="group_referral",
        order_id=order_id,
        entries=(Entry(PLATFORM_FEES, -share), Entry(referral_account(source_chat_id), share)),
    )


def referral_chat(account: str) -> int | None:
    """The chat a `group:<chat>:referral` account belongs to (None for any other account)."""
    prefix, _, rest = account.partition(":")
    chat_id, _, suffix = rest.rpartition(":")
    if prefix != "group" or suffix != "referral" or not chat_id.lstrip("-").isdigit():
        return None
    return int(chat_id)


def referral_payout(chat_id: int, amount: Money, key: str, destination: str) -> LedgerTransaction:
    """A group's referral balance paid out by an operator: from `group:<chat>:referral` to the
    outside account the money left through (like a seller's payout)."""
    if not amount.is_positive():
        raise ValidationFailed(N_("There is nothing to settle."))
    if not is_external(destination):
        raise ValueError(f"a referral payout must leave to an external account, not {destination}")
    return LedgerTransaction(
        key=key,
        kind="referral_payout",
        entries=(Entry(referral_account(chat_id), -amount), Entry(destination, amount)),
    )


def categories_from(values: Iterable[str]) -> frozenset[Category]:
    out: set[Category] = set()
    for value in values:
        try:
            out.add(Category(value))
        except ValueError:
            continue
    return frozenset(out)
