"""The demo's last act: the books are checked against Stripe and Telegram (`reconcile`).

Why in the demo: it shows an operator what `python -m bot reconcile` prints, on the demo's own
database, and keeps the demo honest: every charge, refund and transfer the deal made at the
providers must be exactly one ledger transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.services.money.reconcile import ReconcileService

if TYPE_CHECKING:
    from bot.demo.stage import Stage


async def act_reconcile(stage: Stage) -> None:
    stage.scene("The books match Stripe and Telegram")
    report = await stage.bot.deps.service(ReconcileService).check()
    for line in report.lines():
        stage.out(f"    🔎 {line}")
    if not report.clean:
        raise AssertionError(f"reconcile found {len(report.mismatches)} mismatches")
