"""Gigs in SQL: one `gigs` row plus its packages, extras and requirement questions.

A gig is only ever written whole (publish, or an edit that passed the publishing rules), so the
repository takes and returns `GigSpec`s and rewrites the child rows of one gig in the caller's
transaction. Orders keep their own snapshot of what was bought, so nothing here touches them.
Writes are optimistic: each names the `version` it read and bumps it, and returns False when
another transaction changed (or deleted) the gig in between, so no edit overwrites another and
nothing brings a deleted gig back.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.gig import (
    Category,
    Extra,
    GigSpec,
    GigStatus,
    Package,
    PackageTier,
    Requirement,
    RequirementKind,
)
from bot.domain.money import Money
from bot.services.ports import GigRecord
from bot.storage.tables import gig_extras, gig_packages, gig_requirements, gigs, orders

TAG_SEPARATOR = ","


class SqlGigRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, seller_id: int, spec: GigSpec, status: GigStatus, now: datetime) -> int:
        result = await self._connection.execute(
            insert(gigs).values(
                seller_id=seller_id,
                status=status.value,
                created_at=now,
                published_at=now if status is GigStatus.live else None,
                **_gig_values(spec, now),
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # an INSERT of one row always has its key
        gig_id = int(key[0])
        await self._write_children(gig_id, spec)
        return gig_id

    async def get(self, gig_id: int) -> GigRecord | None:
        row = (
            (await self._connection.execute(select(gigs).where(gigs.c.id == gig_id)))
            .mappings()
            .first()
        )
        return await self._record(row) if row else None

    async def list_by_seller(self, seller_id: int) -> Sequence[GigRecord]:
        rows = (
            (
                await self._connection.execute(
                    select(gigs)
                    .where(gigs.c.seller_id == seller_id, gigs.c.status != GigStatus.deleted.value)
                    .order_by(gigs.c.id.desc())
                )
            )
            .mappings()
            .all()
        )
        return [await self._record(row) for row in rows]

    async def set_status(
        self,
        gig_id: int,
        status: GigStatus,
        now: datetime,
        expected_version: int | None = None,
    ) -> bool:
        # The version (and the deleted guard) sit in the WHERE, not in a check before it: on
        # PostgreSQL an UPDATE that waited for a concurrent writer re-evaluates its WHERE on the
        # row that writer committed, so a stale caller matches nothing instead of overwriting.
        result = await self._connection.execute(
            update(gigs)
            .where(*_writable(gig_id, expected_version))
            .values(status=status.value, updated_at=now, version=gigs.c.version + 1)
        )
        return bool(result.rowcount)

    async def update_spec(
        self, gig_id: int, spec: GigSpec, now: datetime, expected_version: int
    ) -> bool:
        result = await self._connection.execute(
            update(gigs)
            .where(*_writable(gig_id, expected_version))
            .values(version=gigs.c.version + 1, **_gig_values(spec, now))
        )
        if not result.rowcount:
            return False  # changed or deleted meanwhile: leave its child rows alone too
        for table in (gig_packages, gig_extras, gig_requirements):
            await self._connection.execute(delete(table).where(table.c.gig_id == gig_id))
        await self._write_children(gig_id, spec)
        return True

    async def count_open_orders(self, gig_id: int, statuses: Collection[str]) -> int:
        count = await self._connection.scalar(
            select(func.count())
            .select_from(orders)
            .where(orders.c.gig_id == gig_id, orders.c.status.in_(sorted(statuses)))
        )
        return int(count or 0)

    # -- rows <-> spec ---------------------------------------------------------------------

    async def _write_children(self, gig_id: int, spec: GigSpec) -> None:
        await self._connection.execute(
            insert(gig_packages),
            [
                {
                    "gig_id": gig_id,
                    "tier": p.tier.value,
                    "name": p.name,
                    "description": p.description,
                    "price_minor": p.price.amount_minor,
                    "delivery_days": p.delivery_days,
                    "revisions": p.revisions,
                }
                for p in spec.packages
            ],
        )
        if spec.extras:
            await self._connection.execute(
                insert(gig_extras),
                [
                    {
                        "gig_id": gig_id,
                        "position": position,
                        "title": e.title,
                        "price_minor": e.price.amount_minor,
                        "extra_days": e.extra_days,
                        "extra_revisions": e.extra_revisions,
                    }
                    for position, e in enumerate(spec.extras)
                ],
            )
        if spec.requirements:
            await self._connection.execute(
                insert(gig_requirements),
                [
                    {
                        "gig_id": gig_id,
                        "position": position,
                        "question": r.question,
                        "kind": r.kind.value,
                        "choices": list(r.choices),
                        "required": r.required,
                    }
                    for position, r in enumerate(spec.requirements)
                ],
            )

    async def _children(self, table: Any, gig_id: int, order: Any) -> Sequence[RowMapping]:
        result = await self._connection.execute(
            select(table).where(table.c.gig_id == gig_id).order_by(order)
        )
        return result.mappings().all()

    async def _record(self, row: RowMapping) -> GigRecord:
        gig_id = int(row["id"])
        currency = str(row["currency"])
        packages = sorted(
            (
                Package(
                    tier=PackageTier(p["tier"]),
                    name=p["name"],
                    description=p["description"],
                    price=Money(int(p["price_minor"]), currency),
                    delivery_days=int(p["delivery_days"]),
                    revisions=p["revisions"],
                )
                for p in await self._children(gig_packages, gig_id, gig_packages.c.id)
            ),
            key=lambda p: p.tier.rank,
        )
        extras = [
            Extra(
                title=e["title"],
                price=Money(int(e["price_minor"]), currency),
                extra_days=int(e["extra_days"]),
                extra_revisions=int(e["extra_revisions"]),
            )
            for e in await self._children(gig_extras, gig_id, gig_extras.c.position)
        ]
        requirements = [
            Requirement(
                question=r["question"],
                kind=RequirementKind(r["kind"]),
                choices=tuple(r["choices"] or ()),
                required=bool(r["required"]),
            )
            for r in await self._children(gig_requirements, gig_id, gig_requirements.c.position)
        ]
        tags = str(row["tags"] or "")
        spec = GigSpec(
            title=row["title"],
            category=Category(row["category"]),
            tags=tuple(t for t in tags.split(TAG_SEPARATOR) if t),
            description=row["description"],
            packages=tuple(packages),
            extras=tuple(extras),
            requirements=tuple(requirements),
            photos=tuple(row["photos"] or ()),
        )
        return GigRecord(
            id=gig_id,
            seller_id=int(row["seller_id"]),
            status=GigStatus(row["status"]),
            spec=spec,
            version=int(row["version"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


def _writable(gig_id: int, expected_version: int | None) -> list[ColumnElement[bool]]:
    """The gig's row as long as it is not deleted (deletion is final) and, when the caller
    read it first, still at the version it read."""
    conditions = [gigs.c.id == gig_id, gigs.c.status != GigStatus.deleted.value]
    if expected_version is not None:
        conditions.append(gigs.c.version == expected_version)
    return conditions


def _gig_values(spec: GigSpec, now: datetime) -> dict[str, Any]:
    return {
        "title": spec.title,
        "category": spec.category.value,
        "tags": TAG_SEPARATOR.join(spec.tags),
        "description": spec.description,
        "currency": spec.currency,
        "photos": list(spec.photos),
        "updated_at": now,
    }
