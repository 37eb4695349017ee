"""The one exception hierarchy of Gig Broker.

Every error a user may cause carries an English message id (marked with `N_` so Babel extracts
it) and named parameters. The single Telegram error handler translates the id with the user's
catalog and formats it with the parameters, so no layer below the handlers needs to know the
user's language, and no handler needs a try/except of its own.
"""

from __future__ import annotations

from typing import Any

from bot.i18n.markers import N_


class GigBrokerError(Exception):
    """Base of every error the bot turns into a message for the user."""

    default_message = N_("Something went wrong. Please try again.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.message = message or self.default_message
        self.params: dict[str, Any] = params
        super().__init__(self.render_untranslated())

    def render_untranslated(self) -> str:
        """The English text, for logs and for tests that do not care about the language."""
        try:
            return self.message.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.message


class DomainError(GigBrokerError):
    """A rule of the marketplace refused the request."""


class ValidationFailed(DomainError):
    """A value a user typed is outside what the domain accepts; says what is accepted."""

    default_message = N_("That value is not accepted.")

    def __init__(self, message: str | None = None, *, field: str = "", **params: Any) -> None:
        self.field = field
        super().__init__(message, **params)


class CurrencyMismatch(DomainError):
    default_message = N_("Amounts in different currencies cannot be combined.")


class TransitionRefused(DomainError):
    """The order state machine refused an (event, actor) in the current state."""

    default_message = N_("This action is not possible for this order right now.")


class UnbalancedTransaction(DomainError):
    default_message = N_("The ledger transaction does not balance.")


class NotFound(GigBrokerError):
    default_message = N_("That item no longer exists.")


class NotAllowed(GigBrokerError):
    """The user may not do this (for example a forged button on someone else's gig)."""

    default_message = N_("You are not allowed to do that.")


class Conflict(GigBrokerError):
    """The request raced another change or was already done (double tap, duplicate update)."""

    default_message = N_("This was already done.")


class PaymentError(GigBrokerError):
    """The payment provider refused or failed; money did not move."""

    default_message = N_("The payment could not be processed. Please try again later.")


class ConfigurationError(GigBrokerError):
    """A setting is missing or wrong; reported at start-up, never to a chat user."""
