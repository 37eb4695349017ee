"""Generated, realistic-looking gigs for the search benchmark (all 12 categories).

Each category has its own service nouns, tools and audiences; titles, tags and descriptions are
built from them plus shared words, so word frequencies are skewed the way real listings are
(a few words everywhere, most words rare). Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from bot.domain.gig import Category


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NOUNS: dict[Category, tuple[str, ...]] = {
    Category.graphics_design: _words(
        "logo brand identity flyer poster banner illustration icon mascot packaging label "
        "infographic thumbnail vector sticker tshirt"
    ),
    Category.writing_translation: _words(
        "article blog copywriting proofreading translation resume ebook script newsletter "
        "editing ghostwriting essay subtitles transcription grant"
    ),
    Category.digital_marketing: _words(
        "seo campaign instagram tiktok facebook ads email funnel influencer keyword "
        "backlinks analytics strategy audit growth"
    ),
    Category.video_animation: _words(
        "video animation explainer intro outro whiteboard editing motion reel trailer "
        "subtitles slideshow unboxing character montage"
    ),
    Category.music_audio: _words(
        "voiceover jingle podcast mixing mastering beat song lyrics soundtrack audiobook "
        "vocals melody recording sound composition"
    ),
    Category.programming_tech: _words(
        "website wordpress shopify app python bot api database bug fix scraper react "
        "django chatbot automation"
    ),
    Category.business: _words(
        "business plan pitch deck market research financial model consulting legal "
        "presentation startup invoice accounting bookkeeping hr"
    ),
    Category.data: _words(
        "data analysis dashboard excel spreadsheet visualization sql cleaning scraping "
        "report statistics powerbi tableau survey forecasting"
    ),
    Category.ai_services: _words(
        "ai prompt chatgpt model training finetuning agent image generation llm "
        "automation classifier voice clone assistant"
    ),
    Category.virtual_assistance: _words(
        "assistant admin entry research scheduling calendar inbox support customer "
        "listing ecommerce ordering travel booking virtual"
    ),
    Category.lifestyle: _words(
        "fitness workout diet coaching astrology tarot recipe travel itinerary gaming "
        "styling fashion wellness meditation language"
    ),
    Category.local_services: _words(
        "photography photographer event wedding plumbing cleaning moving tutoring "
        "delivery repair gardening catering portrait drone decor"
    ),
}

ADJECTIVES = _words(
    "professional modern minimalist creative custom unique premium fast affordable "
    "expert quality clean elegant simple detailed original stunning responsive "
    "engaging reliable"
)
AUDIENCES = _words(
    "startups businesses brands youtubers authors coaches shops restaurants "
    "podcasters gamers agencies students nonprofits musicians creators"
)
VERBS = _words(
    "design create write build edit craft produce develop deliver optimize translate "
    "record animate analyze manage"
)
FILLER = _words(
    "your project with care and attention to detail in every step of the process "
    "including unlimited communication source files commercial rights revisions until "
    "you are happy experience years clients worldwide satisfaction guaranteed contact "
    "me before ordering quick turnaround high resolution formats"
)
LANGUAGES = ("English", "Spanish", "German", "French", "Portuguese", "Russian", "Hindi", "Arabic")
CATEGORIES = tuple(Category)


@dataclass(frozen=True, slots=True)
class FakeGig:
    seller_id: int
    category: str
    title: str
    tags: str
    description: str
    prices: tuple[int, ...]
    days: tuple[int, ...]
    age_days: int


def _zipf_pick(rng: random.Random, words: tuple[str, ...]) -> str:
    """Earlier words are much more common than later ones (roughly Zipf)."""
    index = min(int(rng.paretovariate(1.2)) - 1, len(words) - 1)
    return words[index]


def gigs(count: int, sellers: int, seed: int = 7) -> Iterator[FakeGig]:
    rng = random.Random(seed)
    for _ in range(count):
        category = rng.choice(CATEGORIES)
        nouns = NOUNS[category]
        main, second = _zipf_pick(rng, nouns), rng.choice(nouns)
        title = (
            f"I will {rng.choice(VERBS)} a {rng.choice(ADJECTIVES)} {main} {second} "
            f"for {rng.choice(AUDIENCES)}"
        )
        tags = ",".join(dict.fromkeys([main, second, *rng.sample(nouns, 2)]))
        sentences = []
        for _sentence in range(rng.randint(3, 6)):
            words = [rng.choice(FILLER) for _ in range(rng.randint(6, 12))]
            words.insert(rng.randrange(len(words)), _zipf_pick(rng, nouns))
            words.insert(rng.randrange(len(words)), rng.choice(ADJECTIVES))
            sentences.append(" ".join(words).capitalize() + ".")
        base = rng.choice((500, 1000, 1500, 2500, 5000, 10000, 25000))
        tiers = rng.randint(1, 3)
        prices = tuple(base * (1 + 2 * t) for t in range(tiers))
        fastest = rng.randint(1, 14)
        days = tuple(max(1, fastest + 3 * (tiers - 1 - t)) for t in range(tiers))
        yield FakeGig(
            seller_id=rng.randint(1, sellers),
            category=category.value,
            title=title,
            tags=tags,
            description=" ".join(sentences),
            prices=prices,
            days=days,
            age_days=rng.randint(0, 730),
        )


@dataclass(frozen=True, slots=True)
class FakeQuery:
    text: str
    category: Category | None
    budget_max_minor: int | None
    max_delivery_days: int | None
    min_rating: float | None
    language: str | None
    sort: str


def queries(count: int, seed: int = 11) -> list[FakeQuery]:
    """Mixed buyer searches: 1-3 words, sometimes a half-typed last word or a plural."""
    rng = random.Random(seed)
    made: list[FakeQuery] = []
    for _ in range(count):
        category = rng.choice(CATEGORIES)
        words = [_zipf_pick(rng, NOUNS[category]) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.3:
            words.insert(0, rng.choice(ADJECTIVES))
        shape = rng.random()
        if shape < 0.2 and len(words[-1]) > 4:
            words[-1] = words[-1][: rng.randint(3, len(words[-1]) - 1)]  # still typing
        elif shape < 0.35:
            words[-1] += "s"  # another word form
        made.append(
            FakeQuery(
                text=" ".join(words),
                category=category if rng.random() < 0.3 else None,
                budget_max_minor=rng.choice((2000, 5000, 20000)) if rng.random() < 0.3 else None,
                max_delivery_days=rng.choice((2, 3, 7)) if rng.random() < 0.2 else None,
                min_rating=4.0 if rng.random() < 0.1 else None,
                language=rng.choice(LANGUAGES) if rng.random() < 0.1 else None,
                sort=rng.choices(("best", "price", "rating", "newest"), (55, 20, 10, 15))[0],
            )
        )
    return made
