"""Getting paid: the seller's Stripe Connect Express account and whether payouts are enabled.

The account is created once per user (the idempotency key is derived from the user id, so a
retry or a double tap returns the same account) and its id is stored on the user. Onboarding
happens on Stripe's pages; the bot only hands out a fresh link and, on demand, asks Stripe
whether payouts are enabled. A seller who has not finished can still sell; payouts wait.
Without a gateway (no Stripe key configured) card payouts are simply off.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.errors import GigBrokerError
from bot.i18n.markers import N_
from bot.payments.gateway import PaymentGateway
from bot.services.ports import TelegramIdentity, UnitOfWorkFactory


class PayoutsNotConfigured(GigBrokerError):
    default_message = N_(
        "Card payouts are not configured by the operator of this bot, so there is nothing to "
        "set up yet."
    )


@dataclass(frozen=True, slots=True)
class PayoutStatus:
    configured: bool
    account_id: str | None
    payouts_enabled: bool


def account_key(user_id: int) -> str:
    """One Connect account per user, however often the button is pressed."""
    return f"connect-account-user-{user_id}"


class ConnectOnboarding:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        gateway: PaymentGateway | None,
        country: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._gateway = gateway
        self._country = country

    async def status(self, identity: TelegramIdentity, refresh: bool = False) -> PayoutStatus:
        """What the seller's payouts look like; `refresh` asks Stripe first."""
        async with self._uow() as uow:
            profile = await uow.users.upsert_identity(identity, self._clock.now())
        if self._gateway is None:
            return PayoutStatus(False, profile.stripe_account_id, False)
        if not refresh or profile.stripe_account_id is None:
            return PayoutStatus(True, profile.stripe_account_id, profile.payouts_enabled)
        account = await self._gateway.get_account_status(profile.stripe_account_id)
        async with self._uow() as uow:
            await uow.users.update_profile(
                identity.id, self._clock.now(), payouts_enabled=account.can_receive_payouts
            )
        return PayoutStatus(True, account.account_id, account.can_receive_payouts)

    async def onboarding_link(self, identity: TelegramIdentity, return_url: str) -> str:
        """The URL of Stripe's onboarding form for this seller (account created if needed).

        `return_url` brings the seller back to the bot (a deep link) when Stripe is done. The
        gateway is called outside any transaction, so no database lock waits on the network.
        """
        gateway = self._gateway
        if gateway is None:
            raise PayoutsNotConfigured()
        now = self._clock.now()
        async with self._uow() as uow:
            profile = await uow.users.upsert_identity(identity, now)
        account_id = profile.stripe_account_id
        if account_id is None:
            account_id = await gateway.create_connected_account(
                identity.id, self._country, None, account_key(identity.id)
            )
            async with self._uow() as uow:
                await uow.users.update_profile(
                    identity.id, self._clock.now(), stripe_account_id=account_id
                )
        # Links expire, so every request gets its own key (the time makes it unique).
        link_key = f"connect-link-user-{identity.id}-{int(now.timestamp() * 1000)}"
        return await gateway.create_onboarding_link(account_id, return_url, return_url, link_key)
