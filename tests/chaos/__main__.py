"""`python -m tests.chaos`: the whole chaos suite on one store; its last line is the verdict.

    python -m tests.chaos [--store sqlite|postgres] [--dsn URL] [--seed N] [--kills N]
                          [--quick] [--skip-kills] [--skip-e2e]

Prints the findings per path, then `chaos: N fault points, K kills, L lost, D duplicated`
(after a line with the elapsed time); exits 1 unless L and D are 0 and no other invariant
broke.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from bot.storage.db import create_engine
from tests.chaos.kills import run_kills
from tests.chaos.payments_e2e import run_e2e_payments
from tests.chaos.report import Tally
from tests.chaos.service_faults import run_service_faults

DEFAULT_DSN = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


class Stores:
    """Fresh stores of one kind: SQLite files in a temporary folder, or PostgreSQL schemas
    (dropped at the end)."""

    def __init__(self, kind: str, dsn: str) -> None:
        self.kind, self.dsn = kind, dsn
        self.folder = Path(tempfile.mkdtemp(prefix="chaos-"))
        self.schemas: list[str] = []

    async def new(self, name: str) -> str:
        slug = "".join(c if c.isalnum() else "_" for c in name)
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.folder / slug}.sqlite3"
        schema = f"chaos_{uuid.uuid4().hex[:10]}"
        admin = create_engine(self.dsn)
        try:
            async with admin.begin() as connection:
                await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        finally:
            await admin.dispose()
        self.schemas.append(schema)
        separator = "&" if "?" in self.dsn else "?"
        return f"{self.dsn}{separator}search_path={schema}"

    async def drop(self) -> None:
        if not self.schemas:
            return
        admin = create_engine(self.dsn)
        try:
            for schema in self.schemas:
                async with admin.begin() as connection:
                    await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            await admin.dispose()


async def run(args: argparse.Namespace) -> Tally:
    stores = Stores(args.store, args.dsn)
    tally = Tally()
    every = 3 if args.quick else 1

    def only(index: int) -> bool:
        return bool(index % every == args.seed % every)

    try:
        started = time.monotonic()
        await run_service_faults(stores.new, tally, args.seed, only=only)
        print(f"service paths: {time.monotonic() - started:.0f} s", flush=True)
        if not args.skip_e2e:
            started = time.monotonic()
            await run_e2e_payments(stores.new, tally, seed=args.seed, only=only)
            print(f"end-to-end payments: {time.monotonic() - started:.0f} s", flush=True)
        if not args.skip_kills:
            started = time.monotonic()
            half = (args.kills + 1) // 2
            await run_kills(await stores.new("kills-polling"), tally, half, "polling", args.seed)
            await run_kills(
                await stores.new("kills-webhook"), tally, args.kills - half, "webhook", args.seed
            )
            print(f"kills: {time.monotonic() - started:.0f} s", flush=True)
    finally:
        await stores.drop()
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--store", choices=("sqlite", "postgres"),
                        default=os.environ.get("TEST_STORE", "sqlite"))  # fmt: skip
    parser.add_argument("--dsn", default=os.environ.get("TEST_POSTGRES_DSN", DEFAULT_DSN))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--kills", type=int, default=50, help="kill -9s to make (half polling, half webhook)"
    )
    parser.add_argument("--quick", action="store_true", help="every third fault point only")
    parser.add_argument("--skip-kills", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    started = time.monotonic()
    tally = asyncio.run(run(args))
    print(f"store: {args.store}, seed {args.seed}")
    print("\n".join(tally.by_path()))
    if tally.moments:
        print("kills, by step and where the step's update was when the process died:")
        print("\n".join(tally.kill_moments()))
    if tally.notes():
        print("notes (no money lost, but wrong):")
        print("\n".join(tally.notes()))
    details = tally.details()
    if details:
        print("findings (path #point statement / fault):")
        print("\n".join(details))
    print(f"elapsed: {time.monotonic() - started:.0f} s")
    print(tally.line())
    sys.exit(0 if tally.ok() else 1)


if __name__ == "__main__":
    main()
