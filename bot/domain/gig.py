"""A gig: what a seller offers, in up to three packages, with extras and questions for buyers.

Two shapes on purpose. `GigDraft` is what the guided conversation fills in one answer at a time,
so every field may still be missing; it is stored as-is between messages. `GigSpec` is what may
go live: `validate_for_publish` builds it from a draft, checking every rule in `limits` and naming
the first problem, so a `GigSpec` in hand is always publishable.

Money fields are stored as {"amount_minor": int, "currency": str}, so `model_dump()` /
`model_validate()` (and their JSON twins) round-trip with integer amounts only.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from itertools import pairwise
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, WithJsonSchema

from bot.domain.limits import (
    DEFAULT_LIMITS,
    GigLimits,
    validate_choices,
    validate_delivery_days,
    validate_description,
    validate_extra_count,
    validate_extra_days,
    validate_extra_revisions,
    validate_extra_title,
    validate_package_count,
    validate_package_description,
    validate_package_name,
    validate_photos,
    validate_price,
    validate_question,
    validate_requirement_count,
    validate_revisions,
    validate_tags,
    validate_title,
)
from bot.domain.money import Money
from bot.errors import ValidationFailed
from bot.i18n.markers import N_

# ---------------------------------------------------------------------------------------------
# Money inside pydantic models
# ---------------------------------------------------------------------------------------------


def _money_from_any(value: Any) -> Money:
    if isinstance(value, Money):
        return value
    if isinstance(value, Mapping) and set(value) == {"amount_minor", "currency"}:
        try:
            return Money(value["amount_minor"], value["currency"])
        except (TypeError, ValidationFailed) as exc:
            raise ValueError(str(exc)) from exc
    raise ValueError("expected Money or {'amount_minor': int, 'currency': str}")


def _money_to_dict(value: Money) -> dict[str, Any]:
    return value.to_dict()


#: A `Money` field for pydantic models: validated from Money or its dict, dumped as its dict.
MoneyField = Annotated[
    Money,
    PlainValidator(_money_from_any),
    PlainSerializer(_money_to_dict),
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "amount_minor": {"type": "integer"},
                "currency": {"type": "string"},
            },
            "required": ["amount_minor", "currency"],
        }
    ),
]

# ---------------------------------------------------------------------------------------------
# enumerations
# ---------------------------------------------------------------------------------------------


class Category(StrEnum):
    """The marketplace's top-level categories (slugs are stored and used in callback data)."""

    graphics_design = "graphics_design"
    writing_translation = "writing_translation"
    digital_marketing = "digital_marketing"
    video_animation = "video_animation"
    music_audio = "music_audio"
    programming_tech = "programming_tech"
    business = "business"
    data = "data"
    ai_services = "ai_services"
    virtual_assistance = "virtual_assistance"
    lifestyle = "lifestyle"
    local_services = "local_services"


CATEGORY_LABELS: Mapping[Category, str] = MappingProxyType(
    {
        Category.graphics_design: N_("Graphics & Design"),
        Category.writing_translation: N_("Writing & Translation"),
        Category.digital_marketing: N_("Digital Marketing"),
        Category.video_animation: N_("Video & Animation"),
        Category.music_audio: N_("Music & Audio"),
        Category.programming_tech: N_("Programming & Tech"),
        Category.business: N_("Business"),
        Category.data: N_("Data"),
        Category.ai_services: N_("AI Services"),
        Category.virtual_assistance: N_("Virtual Assistance"),
        Category.lifestyle: N_("Lifestyle"),
        Category.local_services: N_("Local Services"),
    }
)


def category_label(category: Category) -> str:
    """The English message id of the category's name (translated by the handler)."""
    return CATEGORY_LABELS[Category(category)]


class PackageTier(StrEnum):
    """Package tiers, in price order: a higher tier never costs less than a lower one."""

    basic = "basic"
    standard = "standard"
    premium = "premium"

    @property
    def rank(self) -> int:
        return _TIER_ORDER.index(self)


_TIER_ORDER: tuple[PackageTier, ...] = tuple(PackageTier)

PACKAGE_TIER_LABELS: Mapping[PackageTier, str] = MappingProxyType(
    {
        PackageTier.basic: N_("Basic"),
        PackageTier.standard: N_("Standard"),
        PackageTier.premium: N_("Premium"),
    }
)


class RequirementKind(StrEnum):
    """How a buyer answers a requirement: written text, a file, or one of fixed choices."""

    text = "text"
    file = "file"
    choice = "choice"


class GigStatus(StrEnum):
    """Lifecycle of a published gig (drafts are not gigs yet)."""

    draft = "draft"
    live = "live"
    paused = "paused"
    deleted = "deleted"


# ---------------------------------------------------------------------------------------------
# parts of a gig
# ---------------------------------------------------------------------------------------------

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Package(BaseModel):
    """One priced offer of a gig (basic / standard / premium)."""

    model_config = _FROZEN

    tier: PackageTier
    name: str
    description: str
    price: MoneyField
    delivery_days: int
    revisions: int | None  # None = unlimited


class Extra(BaseModel):
    """An add-on a buyer may pick with any package; `extra_days` < 0 means faster delivery."""

    model_config = _FROZEN

    title: str
    price: MoneyField
    extra_days: int = 0
    extra_revisions: int = 0


class Requirement(BaseModel):
    """A question the buyer answers after paying, before the seller starts."""

    model_config = _FROZEN

    question: str
    kind: RequirementKind
    choices: tuple[str, ...] = ()
    required: bool = True


class PackageDraft(BaseModel):
    """A package while the conversation is still asking for its fields."""

    model_config = _FROZEN

    tier: PackageTier
    name: str | None = None
    description: str | None = None
    price: MoneyField | None = None
    delivery_days: int | None = None
    revisions: int | None = None
    #: None above means "not asked yet" unless this is set: the seller chose unlimited.
    unlimited_revisions: bool = False


class ExtraDraft(BaseModel):
    """An extra while the conversation is still asking for its fields."""

    model_config = _FROZEN

    title: str | None = None
    price: MoneyField | None = None
    extra_days: int = 0
    extra_revisions: int = 0


class GigDraft(BaseModel):
    """Everything a seller has told the bot so far; any field may still be missing."""

    model_config = _FROZEN

    title: str | None = None
    category: Category | None = None
    tags: tuple[str, ...] = ()
    description: str | None = None
    packages: tuple[PackageDraft, ...] = ()
    extras: tuple[ExtraDraft, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    photos: tuple[str, ...] = ()


class GigSpec(BaseModel):
    """A gig that passed every publishing rule; packages are sorted basic -> premium."""

    model_config = _FROZEN

    title: str
    category: Category
    tags: tuple[str, ...]
    description: str
    packages: tuple[Package, ...]
    extras: tuple[Extra, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    photos: tuple[str, ...]

    @property
    def currency(self) -> str:
        return self.packages[0].price.currency

    @property
    def starting_price(self) -> Money:
        """The cheapest package's price ("from 12.50 USD" in listings)."""
        return self.packages[0].price

    def package(self, tier: PackageTier) -> Package | None:
        return next((p for p in self.packages if p.tier == tier), None)


# ---------------------------------------------------------------------------------------------
# publishing
# ---------------------------------------------------------------------------------------------


def _missing(message: str, field: str, **params: Any) -> ValidationFailed:
    return ValidationFailed(message, field=field, **params)


def _publish_package(draft: PackageDraft, limits: GigLimits) -> Package:
    tier = draft.tier
    if draft.name is None:
        raise _missing(N_("Please name the {tier} package."), "package_name", tier=tier.value)
    if draft.description is None:
        raise _missing(
            N_("Please describe the {tier} package."), "package_description", tier=tier.value
        )
    if draft.price is None:
        raise _missing(N_("Please set a price for the {tier} package."), "price", tier=tier.value)
    if draft.delivery_days is None:
        raise _missing(
            N_("Please set the delivery time of the {tier} package."),
            "delivery_days",
            tier=tier.value,
        )
    if draft.revisions is None and not draft.unlimited_revisions:
        raise _missing(
            N_("Please set how many revisions the {tier} package includes."),
            "revisions",
            tier=tier.value,
        )
    return Package(
        tier=tier,
        name=validate_package_name(draft.name, limits),
        description=validate_package_description(draft.description, limits),
        price=validate_price(draft.price, limits),
        delivery_days=validate_delivery_days(draft.delivery_days, limits),
        revisions=(
            validate_revisions(None, limits)
            if draft.unlimited_revisions
            else validate_revisions(draft.revisions, limits)
        ),
    )


def _publish_packages(drafts: tuple[PackageDraft, ...], limits: GigLimits) -> tuple[Package, ...]:
    validate_package_count(len(drafts), limits)
    tiers = [d.tier for d in drafts]
    if len(set(tiers)) != len(tiers):
        raise ValidationFailed(
            N_("Each package must have a different tier (basic, standard, premium)."),
            field="packages",
        )
    packages = tuple(
        sorted((_publish_package(d, limits) for d in drafts), key=lambda p: p.tier.rank)
    )
    currency = packages[0].price.currency
    if any(p.price.currency != currency for p in packages):
        raise ValidationFailed(
            N_("All packages must be priced in the same currency ({currency})."),
            field="price",
            currency=currency,
        )
    for lower, higher in pairwise(packages):
        if higher.price < lower.price:
            raise ValidationFailed(
                N_(
                    "The {higher} package ({higher_price}) cannot cost less than the "
                    "{lower} package ({lower_price})."
                ),
                field="price",
                higher=higher.tier.value,
                higher_price=higher.price.format(),
                lower=lower.tier.value,
                lower_price=lower.price.format(),
            )
    return packages


def _publish_extras(
    drafts: tuple[ExtraDraft, ...], packages: tuple[Package, ...], limits: GigLimits
) -> tuple[Extra, ...]:
    validate_extra_count(len(drafts), limits)
    currency = packages[0].price.currency
    fastest = min(p.delivery_days for p in packages)
    extras: list[Extra] = []
    for draft in drafts:
        if draft.title is None:
            raise _missing(N_("Please give every extra a title."), "extra_title")
        title = validate_extra_title(draft.title, limits)
        if draft.price is None:
            raise _missing(N_("Please set a price for the extra “{title}”."), "price", title=title)
        if draft.price.currency != currency:
            raise ValidationFailed(
                N_("The extra “{title}” must be priced in {currency}, like the packages."),
                field="price",
                title=title,
                currency=currency,
            )
        days = validate_extra_days(draft.extra_days, limits)
        if fastest + days < limits.delivery_days_min:
            raise ValidationFailed(
                N_(
                    "The extra “{title}” would make delivery shorter than {min} day(s); "
                    "it may save at most {most} day(s)."
                ),
                field="extra_days",
                title=title,
                min=limits.delivery_days_min,
                most=fastest - limits.delivery_days_min,
            )
        extras.append(
            Extra(
                title=title,
                price=validate_price(draft.price, limits),
                extra_days=days,
                extra_revisions=validate_extra_revisions(draft.extra_revisions, limits),
            )
        )
    titles = [e.title.casefold() for e in extras]
    if len(set(titles)) != len(titles):
        raise ValidationFailed(N_("Each extra must have a different title."), field="extra_title")
    return tuple(extras)


def _publish_requirement(requirement: Requirement, limits: GigLimits) -> Requirement:
    question = validate_question(requirement.question, limits)
    if requirement.kind is RequirementKind.choice:
        choices = validate_choices(requirement.choices, limits)
    elif requirement.choices:
        raise ValidationFailed(
            N_("Only a multiple-choice question can have options."), field="choices"
        )
    else:
        choices = ()
    return requirement.model_copy(update={"question": question, "choices": choices})


def validate_for_publish(draft: GigDraft, limits: GigLimits = DEFAULT_LIMITS) -> GigSpec:
    """The publishable gig, or ValidationFailed naming the first problem in reading order."""
    if draft.title is None:
        raise _missing(N_("Please add a title before publishing."), "title")
    title = validate_title(draft.title, limits)
    if draft.category is None:
        raise _missing(N_("Please choose a category before publishing."), "category")
    tags = validate_tags(draft.tags, limits)
    if draft.description is None:
        raise _missing(N_("Please add a description before publishing."), "description")
    description = validate_description(draft.description, limits)
    packages = _publish_packages(draft.packages, limits)
    extras = _publish_extras(draft.extras, packages, limits)
    validate_requirement_count(len(draft.requirements), limits)
    requirements = tuple(_publish_requirement(r, limits) for r in draft.requirements)
    photos = validate_photos(draft.photos, limits)
    return GigSpec(
        title=title,
        category=draft.category,
        tags=tags,
        description=description,
        packages=packages,
        extras=extras,
        requirements=requirements,
        photos=photos,
    )


__all__ = [
    "CATEGORY_LABELS",
    "PACKAGE_TIER_LABELS",
    "Category",
    "Extra",
    "ExtraDraft",
    "GigDraft",
    "GigSpec",
    "GigStatus",
    "MoneyField",
    "Package",
    "PackageDraft",
    "PackageTier",
    "Requirement",
    "RequirementKind",
    "category_label",
    "validate_for_publish",
]
