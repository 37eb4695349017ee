"""Payment adapters: Stripe, Telegram Stars, the fake gateway, webhook signatures.

The map of the packages is docs/architecture.md.
"""
