"""Translation layer: gettext catalogs managed with Babel, picked by the user's Telegram language.

`N_` marks a message for extraction without translating it (used by code that knows nothing of
the user, such as the domain and the exception hierarchy); the handlers translate it at the edge
with the catalog of the user's language.
"""

from bot.i18n.markers import N_

__all__ = ["N_"]
