"""Gig models round-trip through pydantic; publishing names the first problem."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.domain.gig import (
    CATEGORY_LABELS,
    Category,
    ExtraDraft,
    GigDraft,
    GigSpec,
    GigStatus,
    Package,
    PackageDraft,
    PackageTier,
    Requirement,
    RequirementKind,
    category_label,
    validate_for_publish,
)
from bot.domain.limits import GigLimits
from bot.domain.money import Money
from bot.errors import ValidationFailed


def usd(cents: int) -> Money:
    return Money(cents, "USD")


def package(tier: str, cents: int, **changes: Any) -> PackageDraft:
    fields: dict[str, Any] = {
        "tier": tier,
        "name": f"{tier.title()} pack",
        "description": "Everything you need to start",
        "price": usd(cents),
        "delivery_days": 3,
        "revisions": 2,
    }
    fields.update(changes)
    return PackageDraft(**fields)


def good_draft(**changes: Any) -> GigDraft:
    fields: dict[str, Any] = {
        "title": "I will design a modern minimalist logo",
        "category": Category.graphics_design,
        "tags": ("logo", "branding"),
        "description": "A clean, memorable logo for your business, with source files included.",
        "packages": (package("premium", 9000), package("basic", 2000), package("standard", 5000)),
        "extras": (ExtraDraft(title="Express delivery", price=usd(1500), extra_days=-2),),
        "requirements": (
            Requirement(question="What is your brand name?", kind=RequirementKind.text),
            Requirement(question="Pick a style", kind="choice", choices=("Flat", "3D")),
        ),
        "photos": ("AgACAgIAAx0",),
    }
    fields.update(changes)
    return GigDraft(**fields)


def test_categories_are_the_twelve_slugs_with_labels() -> None:
    assert [c.value for c in Category] == [
        "graphics_design",
        "writing_translation",
        "digital_marketing",
        "video_animation",
        "music_audio",
        "programming_tech",
        "business",
        "data",
        "ai_services",
        "virtual_assistance",
        "lifestyle",
        "local_services",
    ]
    assert set(CATEGORY_LABELS) == set(Category)
    assert category_label(Category.graphics_design) == "Graphics & Design"
    assert category_label(Category.ai_services) == "AI Services"
    assert category_label("local_services") == "Local Services"  # type: ignore[arg-type]


def test_enumerations() -> None:
    assert [t.value for t in PackageTier] == ["basic", "standard", "premium"]
    assert [k.value for k in RequirementKind] == ["text", "file", "choice"]
    assert [s.value for s in GigStatus] == ["draft", "live", "paused", "deleted"]
    assert PackageTier.basic.rank < PackageTier.standard.rank < PackageTier.premium.rank


def test_a_good_draft_publishes_sorted_and_cleaned() -> None:
    spec = validate_for_publish(good_draft())
    assert [p.tier for p in spec.packages] == list(PackageTier)
    assert spec.currency == "USD"
    assert spec.starting_price == usd(2000)
    assert spec.package(PackageTier.premium) is not None
    assert spec.extras[0].extra_days == -2
    assert spec.requirements[1].choices == ("Flat", "3D")
    assert spec.photos == ("AgACAgIAAx0",)


def test_models_round_trip_through_dump_and_json() -> None:
    draft = good_draft()
    spec = validate_for_publish(draft)
    dumped = spec.model_dump()
    assert dumped["packages"][0]["price"] == {"amount_minor": 2000, "currency": "USD"}
    assert GigSpec.model_validate(dumped) == spec
    assert GigSpec.model_validate_json(spec.model_dump_json()) == spec
    assert GigDraft.model_validate(draft.model_dump()) == draft
    assert GigDraft.model_validate_json(draft.model_dump_json()) == draft
    assert GigDraft().model_dump()["packages"] == ()


def test_money_field_refuses_garbage() -> None:
    base = {"tier": "basic", "name": "Basic", "description": "x" * 10, "delivery_days": 1}
    for price in [1250, "12.50", {"amount_minor": 1.5, "currency": "USD"}, {"amount_minor": 1}]:
        with pytest.raises(ValidationError):
            Package.model_validate({**base, "price": price, "revisions": 1})
    with pytest.raises(ValidationError):
        Package.model_validate(
            {**base, "price": {"amount_minor": 1, "currency": "usd"}, "revisions": 1}
        )


def test_models_are_frozen() -> None:
    spec = validate_for_publish(good_draft())
    with pytest.raises(ValidationError):
        spec.title = "Another title for this gig"


def test_unlimited_revisions_publish_as_none() -> None:
    draft = good_draft(packages=(package("basic", 2000, revisions=None, unlimited_revisions=True),))
    assert validate_for_publish(draft).packages[0].revisions is None


PROBLEMS: list[tuple[dict[str, Any], str, str]] = [
    ({"title": None}, "title", "add a title"),
    ({"title": "Too short"}, "title", "15 to 80"),
    ({"category": None}, "category", "choose a category"),
    ({"tags": ()}, "tags", "1 to 5 tags"),
    ({"description": None}, "description", "add a description"),
    ({"description": "short"}, "description", "50 to 1200"),
    ({"packages": ()}, "packages", "1 to 3 packages"),
    (
        {"packages": (package("basic", 2000), package("basic", 3000))},
        "packages",
        "different tier",
    ),
    ({"packages": (package("basic", 2000, name=None),)}, "package_name", "name the basic"),
    ({"packages": (package("basic", 2000, name="ab"),)}, "package_name", "3 to 30"),
    (
        {"packages": (package("basic", 2000, description=None),)},
        "package_description",
        "describe the basic",
    ),
    ({"packages": (package("basic", 2000, price=None),)}, "price", "price for the basic"),
    ({"packages": (package("basic", 100),)}, "price", "from 5.00 USD to 10000.00 USD"),
    (
        {"packages": (package("basic", 2000, delivery_days=None),)},
        "delivery_days",
        "delivery time of the basic",
    ),
    ({"packages": (package("basic", 2000, delivery_days=31),)}, "delivery_days", "1 to 30"),
    ({"packages": (package("basic", 2000, revisions=None),)}, "revisions", "how many revisions"),
    ({"packages": (package("basic", 2000, revisions=11),)}, "revisions", "0 to 10"),
    (
        {"packages": (package("basic", 2000), package("standard", 2000, price=Money(3000, "EUR")))},
        "price",
        "same currency (USD)",
    ),
    (
        {"packages": (package("basic", 5000), package("premium", 4999))},
        "price",
        "premium package (49.99 USD) cannot cost less than the basic package (50.00 USD)",
    ),
    ({"extras": (ExtraDraft(title=None, price=usd(900)),) * 1}, "extra_title", "every extra"),
    ({"extras": (ExtraDraft(title="ab", price=usd(900)),)}, "extra_title", "3 to 40"),
    ({"extras": (ExtraDraft(title="Rush job"),)}, "price", "price for the extra “Rush job”"),
    (
        {"extras": (ExtraDraft(title="Rush job", price=Money(900, "EUR")),)},
        "price",
        "priced in USD",
    ),
    ({"extras": (ExtraDraft(title="Rush job", price=usd(100)),)}, "price", "5.00 USD"),
    (
        {"extras": (ExtraDraft(title="Rush job", price=usd(900), extra_days=-3),)},
        "extra_days",
        "at most 2 day(s)",
    ),
    (
        {"extras": (ExtraDraft(title="Rush job", price=usd(900), extra_days=31),)},
        "extra_days",
        "-29 to 30",
    ),
    (
        {"extras": (ExtraDraft(title="More", price=usd(900), extra_revisions=11),)},
        "extra_revisions",
        "0 to 10",
    ),
    (
        {
            "extras": (
                ExtraDraft(title="Rush", price=usd(900)),
                ExtraDraft(title="rush", price=usd(900)),
            )
        },
        "extra_title",
        "different title",
    ),
    (
        {"extras": tuple(ExtraDraft(title=f"Extra {i}", price=usd(900)) for i in range(6))},
        "extras",
        "0 to 5 extras",
    ),
    (
        {"requirements": (Requirement(question="Why?", kind="text"),)},
        "question",
        "5 to 300",
    ),
    (
        {"requirements": (Requirement(question="Pick one", kind="choice", choices=("A",)),)},
        "choices",
        "2 to 10 options",
    ),
    (
        {"requirements": (Requirement(question="Your logo?", kind="file", choices=("A", "B")),)},
        "choices",
        "Only a multiple-choice",
    ),
    (
        {
            "requirements": tuple(
                Requirement(question=f"Question {i}", kind="text") for i in range(11)
            )
        },
        "requirements",
        "0 to 10 questions",
    ),
    ({"photos": ()}, "photos", "1 to 3 photos"),
    ({"photos": ("a", "b", "c", "d")}, "photos", "1 to 3 photos"),
]


@pytest.mark.parametrize(("changes", "field", "fragment"), PROBLEMS)
def test_publishing_names_the_first_problem(
    changes: dict[str, Any], field: str, fragment: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_for_publish(good_draft(**changes))
    assert info.value.field == field
    assert fragment in info.value.render_untranslated()


def test_first_problem_in_reading_order() -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_for_publish(GigDraft())
    assert info.value.field == "title"
    with pytest.raises(ValidationFailed) as info:
        validate_for_publish(good_draft(description=None, photos=()))
    assert info.value.field == "description"


def test_publishing_uses_the_given_limits() -> None:
    limits = GigLimits(photos_max=5)
    spec = validate_for_publish(good_draft(photos=("a", "b", "c", "d")), limits)
    assert len(spec.photos) == 4
