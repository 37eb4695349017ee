"""The provider's record as the local Telegram simulator keeps it: every charge it made (order
and tip invoices) and which Stars charges it refunded."""

from __future__ import annotations

from telegram_sim import SimServer
from tests.chaos.books import ProviderCharge, ProviderRecord


def sim_provider(sim: SimServer) -> ProviderRecord:
    charges = []
    refunded = set()
    for charge in sim.world.charges.values():
        parts = charge.payload.split(":")
        if parts[0] not in ("order", "tip") or len(parts) < 2 or not parts[1].isdigit():
            continue
        charges.append(
            ProviderCharge(
                charge.telegram_payment_charge_id,
                charge.provider_payment_charge_id or "",
                int(parts[1]),
                charge.total_amount,
                charge.currency,
                "tip" if parts[0] == "tip" else "order",
            )
        )
        if charge.refunded:
            refunded.add(charge.telegram_payment_charge_id)
    return ProviderRecord(charges=charges, stars_refunded=refunded)
